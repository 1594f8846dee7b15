package handlers

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

func TestCSVDownloadFailingMidwayIsCutShort(t *testing.T) {
	e := echo.New()
	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodGet, "/export.csv", nil), rec)
	broken := errors.New("database went away")
	err := csvDownload(c, "x.csv", []string{"id"}, func(write func([]string) error) error {
		if err := write([]string{"1"}); err != nil {
			return err
		}
		return broken
	})
	if !errors.Is(err, ErrCutShort) || !errors.Is(err, broken) {
		t.Fatalf("got %v, want ErrCutShort wrapping the cause", err)
	}
	if got := rec.Body.String(); got != "\ufeffid\n1\n" {
		t.Errorf("body %q: the rows written before the failure should be flushed", got)
	}
	if err := csvDownload(c, "x.csv", []string{"id"}, func(func([]string) error) error { return nil }); err != nil {
		t.Errorf("a complete export returned %v", err)
	}
}

// A download that takes longer than the server's write timeout but keeps
// making progress is not cut off: it renews its deadline as it goes.
func TestCSVDownloadOutlivesTheWriteTimeout(t *testing.T) {
	old := exportWriteWindow
	exportWriteWindow = 400 * time.Millisecond
	t.Cleanup(func() { exportWriteWindow = old })

	const rows = 60
	e := echo.New()
	e.GET("/export.csv", func(c echo.Context) error {
		return csvDownload(c, "x.csv", []string{"n"}, func(write func([]string) error) error {
			for i := range rows {
				time.Sleep(10 * time.Millisecond) // 600 ms in all, past the 200 ms timeout
				if err := write([]string{strconv.Itoa(i)}); err != nil {
					return err
				}
			}
			return nil
		})
	})
	srv := httptest.NewUnstartedServer(e)
	srv.Config.WriteTimeout = 200 * time.Millisecond
	srv.Start()
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("download broke after %d bytes: %v", len(body), err)
	}
	if n := strings.Count(string(body), "\n"); n != rows+1 {
		t.Errorf("got %d lines, want %d", n, rows+1)
	}
}
