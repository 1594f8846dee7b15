package views_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/views"
)

// changeLines writes an entry's changes as "field: before → after", one
// per line, as a person reads them.
func changeLines(e views.AuditEntry) string {
	var lines []string
	for _, c := range e.Changes {
		s := c.Field + ":"
		if c.HasBefore {
			s += " " + c.Before
		}
		if c.HasBefore && c.HasAfter {
			s += " →"
		}
		if c.HasAfter {
			s += " " + c.After
		}
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

func TestAuditEntry(t *testing.T) {
	owner := app.User{ID: 3, Email: "ayse@shop.example", Name: "Ayşe Demir", Role: app.RoleOwner}
	staff := app.User{ID: 4, Email: "kasa@shop.example", Name: "Kasa", Role: app.RoleStaff}
	props := views.AuditPageProps{
		Users: []app.User{owner, staff},
		Payments: map[string]app.Payment{"p-1": {MerchantUniqueCode: "p-1", Description: "Masa 4", Amount: decimal.RequireFromString("75"),
			Currency: "TRY", Provider: "papara"}},
	}
	id := func(n int64) *int64 { return &n }
	tests := []struct {
		name                 string
		lang                 views.Lang
		event                app.AuditEvent
		action, actor        string
		target, targetURL    string
		changes              string
		actorDetailSubstring string
	}{
		{
			name: "link price and expiry edited, Turkish", lang: views.LangTR,
			event: app.AuditEvent{ActorID: id(3), ActorEmail: owner.Email, Action: "link.update", TargetType: "link", TargetID: "7",
				Before: json.RawMessage(`{"id":7,"name":"Filtre kahve","price":"85","currency":"TRY","stock":null,"enabledInstallments":[1],"expiresAt":null,"status":"ACTIVE","url":"https://x"}`),
				After:  json.RawMessage(`{"id":7,"name":"Filtre kahve","price":"1234.5","currency":"TRY","stock":5,"enabledInstallments":[1,3,6],"expiresAt":"2026-12-31T23:59:00Z","status":"ACTIVE","url":"https://x"}`)},
			action: "Ödeme linki düzenlendi", actor: "Ayşe Demir", target: "Filtre kahve", targetURL: "/links/7",
			changes: "Tutar: 85,00 ₺ → 1.234,50 ₺\nTaksit seçenekleri: 1 → 1, 3, 6\nStok: sınırsız → 5\nSon geçerlilik: — → 31 Ara 2026 23:59",
		},
		{
			name: "link deactivated, English", lang: views.LangEN,
			event: app.AuditEvent{ActorID: id(4), ActorEmail: staff.Email, Action: "link.status", TargetType: "link", TargetID: "7",
				Before: json.RawMessage(`{"name":"Gift card","price":"50","currency":"EUR","status":"ACTIVE"}`),
				After:  json.RawMessage(`{"name":"Gift card","price":"50","currency":"EUR","status":"PASSIVE"}`)},
			action: "Link status changed", actor: "Kasa", target: "Gift card", targetURL: "/links/7",
			changes: "Status: Active → Passive",
		},
		{
			name: "link created: what it sets", lang: views.LangEN,
			event: app.AuditEvent{ActorID: id(3), Action: "link.create", TargetType: "link", TargetID: "9",
				After: json.RawMessage(`{"id":9,"name":"Çay","description":"","price":"12.5","currency":"USD","stock":null,"soldCount":0,"status":"ACTIVE"}`)},
			action: "Payment link created", actor: "Ayşe Demir", target: "Çay", targetURL: "/links/9",
			changes: "Name: Çay\nPrice: $12.50\nCurrency: USD\nStatus: Active",
		},
		{
			name: "link deleted: what it was", lang: views.LangTR,
			event: app.AuditEvent{ActorID: id(3), Action: "link.delete", TargetType: "link", TargetID: "9",
				Before: json.RawMessage(`{"name":"Çay","price":"12.5","currency":"TRY"}`)},
			action: "Ödeme linki silindi", actor: "Ayşe Demir", target: "Çay", targetURL: "/links/9",
			changes: "Ad: Çay\nTutar: 12,50 ₺\nPara birimi: TRY",
		},
		{
			name: "payment settled by Paywall's callback", lang: views.LangEN,
			event: app.AuditEvent{ActorEmail: app.ActorPaywall, IP: "192.0.2.7", Action: "payment.settle", TargetType: "payment", TargetID: "p-1",
				Before: json.RawMessage(`{"status":"pending"}`), After: json.RawMessage(`{"status":"paid","source":"callback"}`)},
			action: "QR payment settled", actor: "Paywall", actorDetailSubstring: "verified provider notification",
			target: "Masa 4 · ₺75.00", targetURL: "/payments/p-1",
			changes: "Status: Waiting for payment → Paid\nSource: provider notification",
		},
		{
			name: "refund: money in the payment's currency", lang: views.LangTR,
			event: app.AuditEvent{ActorID: id(3), Action: "payment.refund", TargetType: "payment", TargetID: "p-1",
				Before: json.RawMessage(`{"status":"paid","refunded_amount":"0"}`),
				After:  json.RawMessage(`{"status":"partially_refunded","refunded_amount":"25","amount":"25"}`)},
			action: "İade yapıldı", actor: "Ayşe Demir", target: "Masa 4 · 75,00 ₺", targetURL: "/payments/p-1",
			changes: "Tutar: 25,00 ₺\nİade edilen toplam: 0,00 ₺ → 25,00 ₺\nDurum: Ödendi → Kısmen iade edildi",
		},
		{
			name: "payment expired by the reconciler", lang: views.LangEN,
			event: app.AuditEvent{Action: "payment.settle", TargetType: "payment", TargetID: "gone",
				Before: json.RawMessage(`{"status":"pending"}`), After: json.RawMessage(`{"status":"expired","source":"reconcile"}`)},
			action: "QR payment settled", actor: "Linkdesk", actorDetailSubstring: "automatic check",
			target: "gone", targetURL: "/payments/gone",
			changes: "Status: Waiting for payment → Expired\nSource: automatic check",
		},
		{
			name: "failed sign-in by nobody", lang: views.LangEN,
			event: app.AuditEvent{Action: "auth.login_failed", TargetType: "user", TargetID: "who@shop.example",
				After: json.RawMessage(`{"reason":"wrong_password"}`)},
			action: "Sign-in failed", actor: "not signed in", target: "who@shop.example",
			changes: "Reason: wrong password",
		},
		{
			name: "role changed from the shell", lang: views.LangTR,
			event: app.AuditEvent{ActorEmail: app.ActorCLI, Action: "user.role", TargetType: "user", TargetID: staff.Email,
				Before: json.RawMessage(`{"role":"staff"}`), After: json.RawMessage(`{"role":"owner"}`)},
			action: "Rol değişti", actor: "Komut satırı", target: "Kasa (kasa@shop.example)", targetURL: "/users/4",
			changes: "Rol: Personel → Sahip",
		},
		{
			name: "an action added later shows its code", lang: views.LangEN,
			event: app.AuditEvent{ActorEmail: app.ActorDemo, Action: "thing.frobnicate", TargetType: "thing", TargetID: "x",
				After: json.RawMessage(`[1,2]`)},
			action: "thing.frobnicate", actor: "Demo data", target: "x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := props.Entry(views.NewLocale(tt.lang), tt.event)
			if e.Action != tt.action {
				t.Errorf("action %q, want %q", e.Action, tt.action)
			}
			if e.Actor.Name != tt.actor || !strings.Contains(e.Actor.Detail, tt.actorDetailSubstring) {
				t.Errorf("actor %q (%q), want %q (%q)", e.Actor.Name, e.Actor.Detail, tt.actor, tt.actorDetailSubstring)
			}
			if e.Target.Name != tt.target || string(e.Target.URL) != tt.targetURL {
				t.Errorf("target %q at %q, want %q at %q", e.Target.Name, e.Target.URL, tt.target, tt.targetURL)
			}
			if got := changeLines(e); got != tt.changes {
				t.Errorf("changes:\n%s\nwant:\n%s", got, tt.changes)
			}
		})
	}
}
