package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
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
		{"app error", app.Errorf(app.CodeNotFound, "error.404"), http.StatusNotFound, "error.404", ""},
		{"app error without message", &app.Error{Code: app.CodeConflict}, http.StatusConflict, "error.409", ""},
		{"throttled", &app.Error{Code: app.CodeTooMany, Message: "auth.login_throttled"}, http.StatusTooManyRequests, "auth.login_throttled", ""},
		{"database away", fmt.Errorf("store: ping: %w", app.ErrUnavailable), http.StatusServiceUnavailable, "error.db_unavailable", ""},
		{"echo error", echo.NewHTTPError(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed, "error.405", ""},
		{"provider error", fmt.Errorf("wrapped: %w", &app.ProviderError{Kind: app.ProviderFailedCall, Code: "1099"}), http.StatusBadGateway, "error.502", "1099"},
		{"provider not found", &app.ProviderError{Kind: app.ProviderNotFound, Code: "5001"}, http.StatusNotFound, "error.404", ""},
		{"timeout", &app.ProviderError{Kind: app.ProviderTimeout, Err: context.DeadlineExceeded}, http.StatusGatewayTimeout, "error.504", ""},
		{"unreadable answer", &app.ProviderError{Kind: app.ProviderBadAnswer}, http.StatusBadGateway, "error.502", ""},
		{"connection refused", &app.ProviderError{Kind: app.ProviderUnreachable, Err: errors.New("connection refused")}, http.StatusServiceUnavailable, "error.503", ""},
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
