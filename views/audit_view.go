package views

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// AuditEntry is one audit row as a person reads it: the action in words,
// who did it, the record by its name and what changed, field by field.
type AuditEntry struct {
	Event   app.AuditEvent
	Action  string // translated
	Actor   AuditActor
	Target  AuditTarget
	Changes []AuditChange
}

// AuditActor is who acted: a person by name, a provider, the shell, the
// system or someone not signed in.
type AuditActor struct {
	Name   string
	Detail string // the person's e-mail, or what the non-person actor is
	Person bool
}

// AuditTarget is the record an entry concerns.
type AuditTarget struct {
	Kind string // translated record type
	Name string
	URL  templ.SafeURL // empty when the record has no page
}

// AuditChange is one field of a change: "price: 85,00 ₺ → 90,00 ₺".
// Before or After is empty when the entry records only one side (a
// creation, a deletion).
type AuditChange struct {
	Field         string
	Before, After string
	HasBefore     bool
	HasAfter      bool
}

// Entry is e as the page shows it.
func (p AuditPageProps) Entry(l Locale, e app.AuditEvent) AuditEntry {
	before, after := auditState(e.Before), auditState(e.After)
	currency := stateString("currency", after, before)
	pay, hasPay := p.Payments[e.TargetID]
	if currency == "" && hasPay && e.TargetType == "payment" {
		currency = string(pay.Currency)
	}
	return AuditEntry{
		Event:   e,
		Action:  AuditActionLabel(l, e.Action),
		Actor:   p.actor(l, e),
		Target:  p.target(l, e, before, after),
		Changes: auditChanges(l, before, after, currency),
	}
}

// AuditActionLabel is an action code in words ("link.delete" → "Payment
// link deleted"); a code without a translation shows itself.
func AuditActionLabel(l Locale, action string) string {
	key := "audit.action." + action
	if _, ok := messages[key]; !ok {
		return action
	}
	return l.T(key)
}

func (p AuditPageProps) actor(l Locale, e app.AuditEvent) AuditActor {
	if e.ActorID != nil {
		for _, u := range p.Users {
			if u.ID == *e.ActorID {
				return AuditActor{Name: u.Name, Detail: e.ActorEmail, Person: true}
			}
		}
		return AuditActor{Name: e.ActorEmail, Person: true}
	}
	switch name := e.ActorEmail; {
	case strings.HasPrefix(name, "provider:"):
		return AuditActor{Name: ProviderName(strings.TrimPrefix(name, "provider:")), Detail: l.T("audit.actor.provider")}
	case name == app.ActorCLI:
		return AuditActor{Name: l.T("audit.actor.cli")}
	case name == app.ActorDemo:
		return AuditActor{Name: l.T("audit.actor.demo")}
	case name != "":
		return AuditActor{Name: name}
	case strings.HasPrefix(e.Action, "auth."):
		return AuditActor{Name: l.T("audit.nobody")}
	}
	return AuditActor{Name: l.T("audit.actor.system"), Detail: l.T("audit.actor.system_d")}
}

func (p AuditPageProps) target(l Locale, e app.AuditEvent, before, after map[string]any) AuditTarget {
	t := AuditTarget{Kind: l.T("audit.type." + e.TargetType), Name: e.TargetID}
	if _, ok := messages["audit.type."+e.TargetType]; !ok {
		t.Kind = e.TargetType
	}
	switch e.TargetType {
	case "link":
		if id, err := strconv.ParseInt(e.TargetID, 10, 64); err == nil {
			t.URL = LinkURL(id)
		}
		if name := stateString("name", after, before); name != "" {
			t.Name = name
		} else {
			t.Name = "#" + e.TargetID
		}
	case "payment":
		t.URL = PaymentURL(e.TargetID)
		if pay, ok := p.Payments[e.TargetID]; ok {
			t.Name = pay.Description + " · " + l.Money(pay.Amount, string(pay.Currency))
		} else if d := stateString("description", after, before); d != "" {
			t.Name = d
		}
	case "user":
		for _, u := range p.Users {
			if u.Email == e.TargetID {
				t.Name, t.URL = u.Name+" ("+u.Email+")", UserURL(u.ID)
			}
		}
	}
	return t
}

// auditState reads a recorded state as a JSON object; anything else (none,
// an array) is nil, and the raw JSON still shows it.
func auditState(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

// stateString is the text under key in the first state that has one.
func stateString(key string, states ...map[string]any) string {
	for _, m := range states {
		if v, ok := m[key].(string); ok && v != "" {
			return v
		}
	}
	return ""
}

// auditFieldOrder lists fields in the order changes show them; others
// follow alphabetically.
var auditFieldOrder = []string{
	"name", "description", "price", "amount", "refunded_amount", "currency", "enabledInstallments",
	"stock", "soldCount", "channel", "orderId", "conversationId", "externalId", "basketIdentifier",
	"multiPayment", "expiresAt", "status", "provider", "source", "email", "role", "disabled",
	"reason", "failed_attempts", "sessions_ended",
}

// auditHidden are fields that never change or mean nothing to a person;
// the raw JSON keeps them.
var auditHidden = map[string]bool{"id": true, "token": true, "url": true}

// auditChanges lists what changed: the fields whose values differ between
// the sides, and the fields only one side records (what a creation sets,
// what a deletion removed), unless empty.
func auditChanges(l Locale, before, after map[string]any, currency string) []AuditChange {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var out []AuditChange
	for _, k := range sortedFields(keys) {
		b, hasB := before[k]
		a, hasA := after[k]
		switch {
		case auditHidden[k], hasB && hasA && sameJSON(b, a):
			continue
		case hasB != hasA && blank(b) && blank(a): // one side, and it sets nothing
			continue
		}
		c := AuditChange{Field: auditFieldLabel(l, k), HasBefore: hasB, HasAfter: hasA}
		if hasB {
			c.Before = auditValue(l, k, b, currency)
		}
		if hasA {
			c.After = auditValue(l, k, a, currency)
		}
		out = append(out, c)
	}
	return out
}

func sortedFields(keys map[string]bool) []string {
	var out []string
	for _, k := range auditFieldOrder {
		if keys[k] {
			out = append(out, k)
			delete(keys, k)
		}
	}
	rest := make([]string, 0, len(keys))
	for k := range keys {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// blank is a value not worth a line when only one side is recorded.
func blank(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case bool:
		return !v
	case json.Number:
		return v.String() == "0"
	case []any:
		return len(v) == 0
	}
	return false
}

func auditFieldLabel(l Locale, key string) string {
	for _, k := range []string{"audit.field." + key, "links.field." + key} {
		if _, ok := messages[k]; ok {
			return l.T(k)
		}
	}
	return key
}

// auditValue formats one recorded value in the person's language: money
// and dates per locale, statuses, roles and providers by name.
func auditValue(l Locale, key string, v any, currency string) string {
	if v == nil {
		if key == "stock" {
			return l.T("links.unlimited")
		}
		return "—"
	}
	s, isText := v.(string)
	switch key {
	case "price", "amount", "refunded_amount", "refunded", "paidPrice":
		if d, err := decimal.NewFromString(textOf(v)); err == nil {
			if currency == "" {
				return l.Number(d, 2)
			}
			return l.Money(d, currency)
		}
	case "expiresAt":
		if t, err := time.Parse(time.RFC3339, s); isText && err == nil {
			return l.DateTime(t.UTC()) // Craftgate's wall time, kept as UTC
		}
	case "status":
		return statusLabel(l, s)
	case "enabledInstallments":
		if ns, ok := ints(v); ok {
			return installmentsText(l, ns)
		}
	case "provider":
		return ProviderName(s)
	case "role":
		return l.T("role." + s)
	case "source", "reason":
		if k := "audit." + key + "." + s; hasMessage(k) {
			return l.T(k)
		}
	}
	if b, ok := v.(bool); ok {
		return yesNo(l, b)
	}
	return textOf(v)
}

func statusLabel(l Locale, s string) string {
	if ls := app.LinkStatus(s); ls.Valid() {
		return l.T(statusKey(ls))
	}
	if app.PaymentStatus(s).Valid() {
		return l.T("payment.status." + s)
	}
	return s
}

func ints(v any) ([]int, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]int, 0, len(list))
	for _, x := range list {
		n, err := strconv.Atoi(textOf(x))
		if err != nil {
			return nil, false
		}
		out = append(out, n)
	}
	return out, true
}

func textOf(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func hasMessage(key string) bool {
	_, ok := messages[key]
	return ok
}

// AuditJSON is a recorded state indented for reading.
func AuditJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}
