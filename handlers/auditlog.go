package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/views"
)

// AuditReader is what the audit log pages read of the core.
type AuditReader interface {
	List(ctx context.Context, f app.AuditFilter) ([]app.AuditEvent, int, error)
	Each(ctx context.Context, f app.AuditFilter, fn func(app.AuditEvent) error) error
}

// UserLister lists accounts (the audit and payment filters offer them).
type UserLister interface {
	List(ctx context.Context) ([]app.User, error)
}

// PaymentGetter reads one QR payment (the audit log names payments by
// their description and amount).
type PaymentGetter interface {
	Get(ctx context.Context, code string) (*app.Payment, error)
}

// AuditTrail shows owners the audit log and exports it as CSV.
type AuditTrail struct {
	site     Site
	audit    AuditReader
	users    UserLister
	payments PaymentGetter
	// loc is the shop's time zone: filter days start at its midnight and
	// times are shown in it.
	loc *time.Location
	now func() time.Time
}

// NewAuditTrail returns the audit log handlers; loc nil means
// app.DefaultLocation(), now nil means time.Now.
func NewAuditTrail(site Site, audit AuditReader, users UserLister, payments PaymentGetter, loc *time.Location, now func() time.Time) *AuditTrail {
	loc = shopZone(loc)
	if now == nil {
		now = time.Now
	}
	return &AuditTrail{site: site, audit: audit, users: users, payments: payments, loc: loc, now: now}
}

// Index shows one page of the filtered log; htmx filter and paging
// requests get only the results.
func (h *AuditTrail) Index(c echo.Context) error {
	var f views.AuditFilterForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	ctx := c.Request().Context()
	p := views.AuditPageProps{Loc: h.loc}
	status := http.StatusOK
	var err error
	if f.Validate(h.loc) {
		p.Events, p.Total, err = h.audit.List(ctx, f.Filter())
	} else {
		status = http.StatusUnprocessableEntity
	}
	if err != nil {
		return err
	}
	p.Filter = f
	if p.Users, err = h.users.List(ctx); err != nil {
		return err
	}
	if p.Payments, err = h.paymentsOf(ctx, p.Events); err != nil {
		return err
	}
	page := views.AuditPage(h.site.Meta(c, "audit", "audit.title"), p)
	return render(c, status, page, views.AuditResults(LocaleFrom(c), p))
}

// paymentsOf reads the payments a page of events names (at most a page of
// distinct ones), so rows can show them by description and amount. A
// payment that is gone is simply not named.
func (h *AuditTrail) paymentsOf(ctx context.Context, events []app.AuditEvent) (map[string]app.Payment, error) {
	out := map[string]app.Payment{}
	for _, e := range events {
		if e.TargetType != "payment" {
			continue
		}
		if _, seen := out[e.TargetID]; seen {
			continue
		}
		p, err := h.payments.Get(ctx, e.TargetID)
		switch {
		case errors.Is(err, app.ErrNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out[e.TargetID] = *p
	}
	return out, nil
}

// auditCSVHeader names the export's columns; they stay English so scripts and
// spreadsheets can rely on them.
var auditCSVHeader = []string{"time", "actor_email", "actor_id", "ip", "action", "target_type", "target_id", "before", "after"}

// Export streams every matching row as CSV, UTF-8 with a byte order mark so
// spreadsheet programs read Turkish letters correctly.
func (h *AuditTrail) Export(c echo.Context) error {
	var f views.AuditFilterForm
	if err := c.Bind(&f); err != nil {
		return errBadForm
	}
	if !f.Validate(h.loc) {
		return app.Errorf(app.CodeInvalid, "error.422")
	}
	name := exportName("linkdesk-audit", h.now().In(h.loc))
	return csvDownload(c, name, auditCSVHeader, func(write func([]string) error) error {
		return h.audit.Each(c.Request().Context(), f.Filter(), func(e app.AuditEvent) error {
			return write(h.csvRecord(e))
		})
	})
}

func (h *AuditTrail) csvRecord(e app.AuditEvent) []string {
	actorID := ""
	if e.ActorID != nil {
		actorID = strconv.FormatInt(*e.ActorID, 10)
	}
	rec := []string{e.At.In(h.loc).Format(time.RFC3339), e.ActorEmail, actorID, e.IP, e.Action,
		e.TargetType, e.TargetID, string(e.Before), string(e.After)}
	for i, s := range rec {
		rec[i] = csvSafe(s)
	}
	return rec
}
