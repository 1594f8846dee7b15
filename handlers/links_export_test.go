package handlers

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
)

// pagedLinks walks pages of 100 links with a 1 kB description each, so a
// page is more than any buffer between the handler and the client. Before
// page 1 it calls beforeSecond, and it stops after pages pages or when ctx
// ends, as app.Links.Each does; what it returned goes to done.
type pagedLinks struct {
	LinkService
	pages        int
	beforeSecond func()
	done         chan error
}

func (p *pagedLinks) Each(ctx context.Context, _ app.LinkSearch, fn func(app.Link) error) (err error) {
	defer func() { p.done <- err }()
	for page := range p.pages {
		if page == 1 {
			p.beforeSecond()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := range app.MaxLinkPageSize {
			l := app.Link{ID: int64(page*app.MaxLinkPageSize + i + 1), Name: "Kahve", Description: strings.Repeat("ç", 500)}
			if err := fn(l); err != nil {
				return err
			}
		}
	}
	return nil
}

func exportServer(t *testing.T, links LinkService) *httptest.Server {
	e := echo.New()
	h := NewLinks(Site{}, links, nil, nil, time.Now)
	e.GET("/links/export.csv", h.Export)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return srv
}

// waitFor fails the test when ch gives nothing for a long while: a hang,
// not a slow machine.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// The first page reaches the client before the second is read: nothing
// waits for the whole list.
func TestLinksExportStreamsPageByPage(t *testing.T) {
	release := make(chan struct{})
	links := &pagedLinks{pages: 3, beforeSecond: func() { <-release }, done: make(chan error, 1)}
	srv := exportServer(t, links)

	resp, err := http.Get(srv.URL + "/links/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	lines := make(chan string, 1)
	go func() {
		var got strings.Builder
		for range 2 { // the header and the first link, while page 1 waits
			line, _ := r.ReadString('\n')
			got.WriteString(line)
		}
		lines <- got.String()
	}()
	if got := waitFor(t, lines, "first row before the second page was read"); !strings.Contains(got, "\n1,Kahve,") {
		t.Fatalf("got %q, want the header and link 1", got)
	}
	close(release)
	if err := waitFor(t, links.done, "end of the walk"); err != nil {
		t.Fatal(err)
	}
	rest, err := r.ReadString(0)
	if !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	if n := 1 + strings.Count(rest, "\n"); n != 3*app.MaxLinkPageSize {
		t.Errorf("got %d rows, want %d", n, 3*app.MaxLinkPageSize)
	}
}

// A person who gives up on a download stops the walk: no more pages are
// asked of Craftgate for nobody.
func TestLinksExportStopsWhenTheClientLeaves(t *testing.T) {
	links := &pagedLinks{pages: 1 << 20, beforeSecond: func() {}, done: make(chan error, 1)}
	srv := exportServer(t, links)

	resp, err := http.Get(srv.URL + "/links/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // mid-download: the transport drops the connection
	if err := waitFor(t, links.done, "end of the walk after the client left"); err == nil {
		t.Error("the walk ended as complete, want the failed write or the cancelled request")
	}
}
