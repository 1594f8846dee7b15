package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/app"
	"linkdesk/web/webtest"
)

// TestCustomerScreen follows a payment on the counter's customer screen
// over real HTTP (#14): the screen shows the shop, the amount and the QR
// without staff navigation; its poll answers 204 until the payment
// settles, then the result; and once settled it moves on to the next
// payment the same cashier starts.
func TestCustomerScreen(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	staff := ta.As(t, acctUser(t, ta, "kasa@shop.example", app.RoleStaff))
	code := mustStartPayment(t, ta, staff, "1.234,5", "Masa 4")

	doc := acctDoc(t, staff.Get(t, "/payments/"+code+"/customer", "Accept-Language", "en"))
	if doc.Find("header, nav, footer, .site-header").Length() != 0 {
		t.Error("the customer screen shows staff navigation")
	}
	for id, want := range map[string]string{
		"customer-merchant": webtest.Merchant,
		"customer-amount":   "₺1,234.50",
		"customer-cta":      "Ödemek için okutun · Scan to pay",
	} {
		if got := strings.Join(strings.Fields(acctText(doc, id)), " "); got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
	if src := doc.Find(`[data-testid="customer-qr"]`).AttrOr("src", ""); src != "/payments/"+code+"/qr.png?size=1024" {
		t.Errorf("QR %q", src)
	}
	if r := staff.Get(t, "/payments/"+code+"/qr.png?size=1024"); r.StatusCode != http.StatusOK {
		t.Errorf("the big QR: %d", r.StatusCode)
	}
	poll := doc.Find("[data-poll]").AttrOr("hx-get", "")
	if poll != "/payments/"+code+"/customer/status?shown=pending" {
		t.Fatalf("poll URL %q", poll)
	}

	hx := []string{"HX-Request", "true", "HX-Target", "customer-panel", "Accept-Language", "en"}
	if r := staff.Get(t, poll, hx...); r.StatusCode != http.StatusNoContent {
		t.Errorf("pending poll: %d, want 204", r.StatusCode)
	}
	mustWallet(t, ta, staff, code, "pay")
	panel := customerPanel(t, staff.Get(t, poll, hx...), code)
	if got := panel.Find(`[data-testid="customer-result"]`).AttrOr("data-result", ""); got != "paid" {
		t.Errorf("result %q, want paid", got)
	}
	if panel.Find(`[data-testid="customer-qr"]`).Length() != 0 {
		t.Error("a paid payment still shows its QR")
	}
	poll = panel.Find("[data-poll]").AttrOr("hx-get", "")
	if r := staff.Get(t, poll, hx...); r.StatusCode != http.StatusNoContent {
		t.Errorf("settled poll without a next payment: %d, want 204", r.StatusCode)
	}

	other := ta.As(t, acctUser(t, ta, "kasa2@shop.example", app.RoleStaff))
	mustStartPayment(t, ta, other, "5", "another counter")
	if r := staff.Get(t, poll, hx...); r.StatusCode != http.StatusNoContent {
		t.Errorf("another cashier's payment moved the screen: %d, want 204", r.StatusCode)
	}
	next := mustStartPayment(t, ta, staff, "42", "Paket")
	panel = customerPanel(t, staff.Get(t, poll, hx...), next)
	if got := strings.TrimSpace(panel.Find(`[data-testid="customer-amount"]`).Text()); got != "₺42.00" {
		t.Errorf("next payment's amount %q", got)
	}
}

// customerPanel reads a poll's answer: the customer panel of payment code,
// with the address bar pointed at its screen.
func customerPanel(t *testing.T, resp *http.Response, code string) *goquery.Selection {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("poll: %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("HX-Push-Url"); got != "/payments/"+code+"/customer" {
		t.Errorf("HX-Push-Url %q, want the payment's screen", got)
	}
	body := acctBody(t, resp)
	if strings.Contains(body, "<html") {
		t.Error("the poll answered a whole page")
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	panel := doc.Find(`[data-testid="customer-panel"]`)
	if panel.AttrOr("data-code", "") != code {
		t.Fatalf("panel of %q, want %q", panel.AttrOr("data-code", ""), code)
	}
	return panel
}

// TestPaymentAgain takes a declined payment again, from the counter and
// from the customer screen (#14): each time a new payment with the same
// amount, description and wallet, the old one kept.
func TestPaymentAgain(t *testing.T) {
	t.Parallel()
	ta := webtest.New(t, webtest.Options{})
	staff := ta.As(t, acctUser(t, ta, "kasa@shop.example", app.RoleStaff))
	old := mustStartPayment(t, ta, staff, "75", "Masa 2")
	mustWallet(t, ta, staff, old, "decline")

	doc := acctDoc(t, staff.Get(t, "/payments/"+old))
	if doc.Find(`[data-testid="payment-again"]`).Length() != 1 {
		t.Fatal("a declined payment offers no \"try again\"")
	}
	resp := staff.PostForm(t, "/payments/"+old+"/again", nil)
	again, ok := strings.CutPrefix(resp.Header.Get("Location"), "/payments/")
	if resp.StatusCode != http.StatusSeeOther || !ok || again == old {
		t.Fatalf("again: %d to %q, want 303 to a new payment", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, tt := range []struct {
		code, status string
	}{{old, "failed"}, {again, "pending"}} {
		p, err := ta.Core.Payments.Get(t.Context(), tt.code)
		if err != nil {
			t.Fatal(err)
		}
		if string(p.Status) != tt.status || p.Amount.String() != "75" || p.Description != "Masa 2" || p.Provider != "papara" {
			t.Errorf("payment %s: %s %s %q %s, want %s 75 \"Masa 2\" papara", tt.code, p.Status, p.Amount, p.Description, p.Provider, tt.status)
		}
	}

	mustWallet(t, ta, staff, again, "decline")
	doc = acctDoc(t, staff.Get(t, "/payments/"+again+"/customer"))
	form := doc.Find(`[data-testid="customer-again"]`).Closest("form")
	if form.AttrOr("hx-post", "") != "/payments/"+again+"/again" {
		t.Fatalf("customer screen's try again: %q", form.AttrOr("hx-post", ""))
	}
	resp = staff.PostForm(t, "/payments/"+again+"/again", nil, "HX-Request", "true", "HX-Target", "customer-panel")
	panel := customerPanel(t, resp, strings.TrimPrefix(resp.Header.Get("HX-Push-Url"), "/payments/")[:36])
	if panel.Find(`[data-testid="customer-qr"]`).Length() != 1 {
		t.Error("the new payment's panel shows no QR")
	}

	viewer := ta.As(t, acctUser(t, ta, "muhasebe@shop.example", app.RoleViewer))
	if acctDoc(t, viewer.Get(t, "/payments/"+again+"/customer")).Find(`[data-testid="customer-again"]`).Length() != 0 {
		t.Error("a viewer's screen offers try again")
	}
	paid := mustStartPayment(t, ta, staff, "10", "Kahve")
	mustWallet(t, ta, staff, paid, "pay")
	if r := staff.PostForm(t, "/payments/"+paid+"/again", nil); r.StatusCode != http.StatusConflict {
		t.Errorf("again after paid: %d, want 409", r.StatusCode)
	}
}
