package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Pinger is the database as the health check sees it.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Health answers GET /healthz for load balancers and people.
type Health struct {
	db        Pinger
	upstreams map[string]string // API name → "sandbox" or "live"
}

// NewHealth returns the health handler.
func NewHealth(db Pinger, upstreams map[string]string) *Health {
	return &Health{db: db, upstreams: upstreams}
}

type healthReport struct {
	Status    string            `json:"status"`
	Database  string            `json:"database"`
	Upstreams map[string]string `json:"upstreams"`
}

// Show reports 200 when the database answers, 503 otherwise.
func (h *Health) Show(c echo.Context) error {
	rep := healthReport{Status: "ok", Database: "ok", Upstreams: h.upstreams}
	status := http.StatusOK
	if err := h.db.Ping(c.Request().Context()); err != nil {
		LoggerFrom(c).Error("health: database ping failed", "err", err)
		rep.Status, rep.Database = "degraded", "unavailable"
		status = http.StatusServiceUnavailable
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(status, rep)
}
