package flash

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

// roundTrip queues a message offering an undo of n links in one request
// and reads the queue back in the next, through the cookie a browser keeps.
func roundTrip(t *testing.T, n int) []Message {
	t.Helper()
	store := sessions.NewCookieStore([]byte("0123456789abcdef0123456789abcdef"))
	e := echo.New()
	links := make([]int64, n)
	for i := range links {
		links[i] = 9_000_000_000_000 + int64(i) // longer ids than any shop has
	}
	next := "/links?name=" + strings.Repeat("ç", 100) + "&status=ACTIVE&size=100&page=3"

	rec := httptest.NewRecorder()
	c := e.NewContext(httptest.NewRequest(http.MethodPost, "/links/bulk", nil), rec)
	Middleware(store, "flash")(func(c echo.Context) error {
		SuccessUndo(c, strings.Repeat("x", 60), Undo{Links: links, Next: next})
		return nil
	})(c)
	req := httptest.NewRequest(http.MethodGet, "/links", nil)
	for _, ck := range rec.Result().Cookies() {
		req.AddCookie(ck)
	}
	var got []Message
	Middleware(store, "flash")(func(c echo.Context) error {
		got = Peek(c)
		return nil
	})(e.NewContext(req, httptest.NewRecorder()))
	return got
}

// TestUndoFitsTheCookie: the largest undo offered still fits the flash
// cookie (a cookie too large is dropped with its message), and a larger
// one is not offered while its message still shows.
func TestUndoFitsTheCookie(t *testing.T) {
	got := roundTrip(t, MaxUndoLinks)
	if len(got) != 1 || got[0].Undo == nil || len(got[0].Undo.Links) != MaxUndoLinks {
		t.Fatalf("undo of %d links did not survive the cookie: %+v", MaxUndoLinks, got)
	}
	got = roundTrip(t, MaxUndoLinks+1)
	if len(got) != 1 || got[0].Undo != nil {
		t.Fatalf("undo of %d links: %+v, want the message without an undo", MaxUndoLinks+1, got)
	}
}
