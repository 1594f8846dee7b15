package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"linkdesk/handlers"
)

type pinger struct{ err error }

func (p pinger) Ping(context.Context) error { return p.err }

func TestHealth(t *testing.T) {
	upstreams := map[string]string{"craftgate": "live", "paywall": "sandbox"}
	tests := []struct {
		name              string
		ping              error
		status            int
		overall, database string
	}{
		{"database answers", nil, http.StatusOK, "ok", "ok"},
		{"database down", errors.New("disk gone"), http.StatusServiceUnavailable, "degraded", "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/healthz", nil), rec)
			if err := handlers.NewHealth(pinger{tt.ping}, upstreams).Show(c); err != nil {
				t.Fatal(err)
			}
			var got struct {
				Status, Database string
				Upstreams        map[string]string
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if rec.Code != tt.status || got.Status != tt.overall || got.Database != tt.database || got.Upstreams["craftgate"] != "live" {
				t.Errorf("got %d %+v, want %d %s/%s with the upstreams", rec.Code, got, tt.status, tt.overall, tt.database)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Error("a health answer must not be cached")
			}
			if tt.ping != nil && strings.Contains(rec.Body.String(), "disk gone") {
				t.Error("the cause leaked into the answer")
			}
		})
	}
}
