package views

import (
	"strconv"
	"strings"
	"time"

	"linkdesk/app"
)

// AuditPageSize is how many audit rows one page shows.
const AuditPageSize = 50

// dateLayout is what <input type="date"> submits whatever the browser's
// language: the browser shows the date in the person's locale.
const dateLayout = "2006-01-02"

// AuditFilterForm narrows the audit log. Fields hold the query string as
// sent; Validate parses them.
type AuditFilterForm struct {
	Actor      string `query:"actor"` // a user's id
	Action     string `query:"action"`
	TargetType string `query:"target_type"`
	Target     string `query:"target"`
	From       string `query:"from"` // first day, inclusive
	To         string `query:"to"`   // last day, inclusive
	Page       string `query:"page"`
	Errors     map[string]string

	actorID  *int64
	from, to time.Time
	page     int
}

// Validate parses the filters; dates are days in loc, the shop's time zone.
func (f *AuditFilterForm) Validate(loc *time.Location) bool {
	f.Actor, f.Action = strings.TrimSpace(f.Actor), strings.TrimSpace(f.Action)
	f.TargetType, f.Target = strings.TrimSpace(f.TargetType), strings.TrimSpace(f.Target)
	if f.Actor != "" {
		id, err := strconv.ParseInt(f.Actor, 10, 64)
		if err != nil || id <= 0 {
			addError(&f.Errors, "actor", "audit.actor_invalid")
		} else {
			f.actorID = &id
		}
	}
	f.from = f.parseDay(loc, "from", f.From)
	f.to = f.parseDay(loc, "to", f.To)
	if !f.from.IsZero() && !f.to.IsZero() && f.to.Before(f.from) {
		addError(&f.Errors, "to", "audit.to_before_from")
	}
	f.page, _ = strconv.Atoi(f.Page)
	f.page = max(f.page, 1)
	return len(f.Errors) == 0
}

func (f *AuditFilterForm) parseDay(loc *time.Location, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(dateLayout, s, loc)
	if err != nil {
		addError(&f.Errors, field, "audit.date_invalid")
		return time.Time{}
	}
	return t
}

// ErrorList orders the errors for the summary.
func (f AuditFilterForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "actor", "from", "to")
}

// Filter is the store query for the current page; call it after Validate.
// The To day is included, so the query ends at the next midnight.
func (f AuditFilterForm) Filter() app.AuditFilter {
	af := app.AuditFilter{
		ActorID: f.actorID, Action: f.Action, TargetType: f.TargetType, TargetID: f.Target,
		From: f.from, Limit: AuditPageSize, Offset: (f.PageNumber() - 1) * AuditPageSize,
	}
	if !f.to.IsZero() {
		af.To = f.to.AddDate(0, 0, 1)
	}
	return af
}

// PageNumber is the 1-based page asked for.
func (f AuditFilterForm) PageNumber() int { return max(f.page, 1) }

// Query is the filter as a query string for page (0 leaves the page out),
// so paging and export keep the filters.
func (f AuditFilterForm) Query(page int) string {
	return filterQuery(page, "actor", f.Actor, "action", f.Action, "target_type", f.TargetType,
		"target", f.Target, "from", f.From, "to", f.To)
}

// Pages is how many pages total rows fill (at least one).
func (f AuditFilterForm) Pages(total int) int {
	return max((total+AuditPageSize-1)/AuditPageSize, 1)
}
