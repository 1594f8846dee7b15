package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"linkdesk/craftclient"
	"linkdesk/handlers"
)

func TestExplain(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantMsg    string
		wantDetail string
	}{
		{"app error", handlers.NewError(handlers.CodeNotFound, "error.404"), http.StatusNotFound, "error.404", ""},
		{"app error without message", &handlers.Error{Code: handlers.CodeConflict}, http.StatusConflict, "error.409", ""},
		{"echo error", echo.NewHTTPError(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed, "error.405", ""},
		{"provider error", fmt.Errorf("wrapped: %w", &craftclient.APIError{HTTPStatus: 500, Code: "1099"}), http.StatusBadGateway, "error.502", "1099"},
		{"provider not found", &craftclient.APIError{HTTPStatus: 404, Code: "5001"}, http.StatusNotFound, "error.404", "5001"},
		{"timeout", fmt.Errorf("craftclient: GET /x: %w", context.DeadlineExceeded), http.StatusGatewayTimeout, "error.504", ""},
		{"unreadable answer", fmt.Errorf("decode: %w", craftclient.ErrMalformedResponse), http.StatusBadGateway, "error.502", ""},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, http.StatusServiceUnavailable, "error.503", ""},
		{"anything else", errors.New("boom"), http.StatusInternalServerError, "error.500", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := handlers.Explain(tt.err)
			if p.Status != tt.wantStatus || p.Message != tt.wantMsg || p.Detail != tt.wantDetail {
				t.Errorf("Explain(%v) = %+v, want %d %s %q", tt.err, p, tt.wantStatus, tt.wantMsg, tt.wantDetail)
			}
		})
	}
}
