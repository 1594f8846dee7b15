package web

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"linkdesk/handlers"
)

// A download that fails after its status went out must not end as a
// complete-looking short file: the connection is dropped before the final
// chunk, and the request is logged as failed, not as 200.
func TestCutShortDownloadDropsTheConnection(t *testing.T) {
	var logs bytes.Buffer
	e := echo.New()
	e.Use(requestLogger(slog.New(slog.NewTextHandler(&logs, nil)), nil))
	e.GET("/export.csv", func(c echo.Context) error {
		c.Response().WriteHeader(http.StatusOK)
		fmt.Fprint(c.Response(), "id\n1\n")
		c.Response().Flush()
		return fmt.Errorf("%w: store: connection lost", handlers.ErrCutShort)
	})
	srv := httptest.NewServer(e)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil {
		t.Fatalf("the client read a complete body %q; want the download to fail", body)
	}
	srv.Close() // waits for the handler, and so for its log lines
	log := logs.String()
	if !strings.Contains(log, "download failed midway") || !strings.Contains(log, "connection lost") ||
		!strings.Contains(log, "path=/export.csv status=500") {
		t.Errorf("the failure is not logged as such:\n%s", log)
	}
}
