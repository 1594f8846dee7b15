package app_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
)

// Issue #12: link payments recorded from webhooks and the catch-up, the
// totals kept with them, refunds of link payments, and the overview.

// mustLink creates a link through the core (so it is in the local record).
func mustLink(tb testing.TB, e *Env, name, price string) *app.Link {
	tb.Helper()
	l, err := e.App.Links.Create(ctx, app.System, MustParseLink(tb, app.LinkDraft{Name: name, Price: price, Currency: "TRY", Installments: []string{"1"}}))
	if err != nil {
		tb.Fatalf("create link %s: %v", name, err)
	}
	return l
}

// mustWebhook posts a link payment's event and wants it recorded.
func mustWebhook(tb testing.TB, e *Env, id int64, status string) {
	tb.Helper()
	v, err := e.App.Sales.ReceiveWebhook(ctx, paymentWebhook(id, status).input("good"))
	if err != nil || !v.Accepted || v.Reason != app.WebhookRecorded || v.Payment != id {
		tb.Fatalf("webhook of payment %d: got %+v, %v, want it recorded", id, v, err)
	}
}

func mustOverview(tb testing.TB, e *Env) *app.Overview {
	tb.Helper()
	o, err := e.App.Sales.Overview(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

// try is the overview's TRY part, or zero totals when it has none.
func try(o *app.Overview) app.CurrencyOverview {
	for _, c := range o.Currencies {
		if c.Currency == "TRY" {
			return c
		}
	}
	return app.CurrencyOverview{}
}

func mustLinkPayment(tb testing.TB, e *Env, id int64) *app.LinkPayment {
	tb.Helper()
	p, err := e.App.Sales.Payment(ctx, id)
	if err != nil {
		tb.Fatalf("link payment %d: %v", id, err)
	}
	return p
}

func wantTotals(tb testing.TB, what string, got app.SourceTotals, sales int, revenue string, failed, refunds int) {
	tb.Helper()
	if got.Sales != sales || !got.Revenue().Equal(dec(revenue)) || got.Failed != failed || got.Refunds != refunds {
		tb.Errorf("%s: got %d sales, revenue %s, %d failed, %d refunds; want %d, %s, %d, %d",
			what, got.Sales, got.Revenue(), got.Failed, got.Refunds, sales, revenue, failed, refunds)
	}
}

func TestSales_WebhookRecordsLinkPayment(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	link := mustLink(t, e, "Çay", "100")
	id := e.Reports.pay(link.ID, "100", false)
	gets := e.Craft.Calls("Get")
	mustWebhook(t, e, id, "SUCCESS")

	p := mustLinkPayment(t, e, id)
	if p.LinkID != link.ID || p.Status != app.PaymentStatusPaid || !p.PaidPrice.Equal(dec("100")) || p.Payer != "Ayşe Yılmaz" {
		t.Errorf("payment: got %+v, want paid 100 through link %d", *p, link.ID)
	}
	if e.Craft.Calls("Get") != gets+1 {
		t.Error("the link was not read again after its payment (sold count, stock)")
	}
	o := mustOverview(t, e)
	today := try(o).Periods[0]
	wantTotals(t, "today, links", today.Link, 1, "100", 0, 0)
	wantTotals(t, "today, QR", today.QR, 0, "0", 0, 0)
	wantTotals(t, "30 days", try(o).Periods[2].Total(), 1, "100", 0, 0)
	if len(o.Latest) != 1 || o.Latest[0].Ref != strconv.FormatInt(id, 10) || o.Latest[0].LinkName != "Çay" {
		t.Errorf("latest: got %+v, want the payment through Çay", o.Latest)
	}
	if top := try(o).Top; len(top) != 1 || top[0].LinkID != link.ID || !top[0].Revenue.Amount.Equal(dec("100")) {
		t.Errorf("top links: got %+v, want Çay with 100", top)
	}
	page, err := e.App.Links.Search(ctx, app.LinkSearch{})
	if err != nil {
		t.Fatal(err)
	}
	if s := page.Sales[link.ID]; s.Sales != 1 || !s.Revenue[0].Amount.Equal(dec("100")) || s.LastSaleAt == nil {
		t.Errorf("list: got %+v, want 1 sale of 100", s)
	}

	// The same event again, Craftgate's retry or a replay, changes nothing
	// and is not even looked up.
	lookups := e.Report.Calls("LinkPayment")
	v, err := e.App.Sales.ReceiveWebhook(ctx, paymentWebhook(id, "SUCCESS").input("good"))
	if err != nil || !v.Accepted || v.Reason != app.WebhookDuplicate {
		t.Errorf("replay: got %+v, %v, want a duplicate", v, err)
	}
	if again := mustOverview(t, e); again.Version != o.Version || e.Report.Calls("LinkPayment") != lookups {
		t.Errorf("replay changed the sales (version %d → %d) or read reporting", o.Version, again.Version)
	}
}

func TestSales_WebhooksRefused(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	link := mustLink(t, e, "Çay", "100")
	id := e.Reports.pay(link.ID, "100", false)
	forged := paymentWebhook(id, "SUCCESS").input("bad")
	malformed := app.WebhookInput{Body: []byte("{"), Signature: "good"}
	cut := paymentWebhook(id, "SUCCESS").input("good")
	cut.ReadFailed = true
	for _, tt := range []struct {
		name string
		in   app.WebhookInput
		want string
	}{
		{"forged", forged, app.WebhookForged},
		{"malformed", malformed, app.WebhookMalformed},
		{"cut short", cut, app.WebhookMalformed},
	} {
		v, err := e.App.Sales.ReceiveWebhook(ctx, tt.in)
		if err != nil || v.Accepted || v.Reason != tt.want {
			t.Errorf("%s: got %+v, %v, want refused %s", tt.name, v, err, tt.want)
		}
	}
	strays, err := e.DB.StrayWebhooks(ctx)
	if err != nil || len(strays) != 3 || strays[2].Reason != app.WebhookForged || strays[2].RemoteIP != "198.51.100.7" {
		t.Errorf("strays: got %+v, %v, want the three kept", strays, err)
	}
	if n := e.Report.Calls("LinkPayment"); n != 0 {
		t.Errorf("refused webhooks read reporting %d times, want 0", n)
	}
	if v, _ := e.App.Sales.Version(ctx); v != 0 {
		t.Errorf("refused webhooks moved the sales version to %d", v)
	}

	// Verified, but about nothing the core keeps: recorded once, ignored.
	for _, w := range []testWebhook{
		{Type: "CHECKOUTFORM_AUTH", Status: "SUCCESS", Payload: "f47ac10b-58cc-4372-a567-0e02b2c3d479", TS: 1},
		{Type: "PAYOUT_COMPLETED", Status: "SUCCESS", Payload: "77", TS: 2},
	} {
		for i, want := range []string{app.WebhookIgnored, app.WebhookDuplicate} {
			v, err := e.App.Sales.ReceiveWebhook(ctx, w.input("good"))
			if err != nil || !v.Accepted || v.Reason != want {
				t.Errorf("%s #%d: got %+v, %v, want %s", w.Type, i, v, err, want)
			}
		}
	}
	apiPayment := e.Reports.pay(link.ID, "5", false)
	e.Reports.edit(apiPayment, func(p *app.ReportedPayment) { p.ByLink = false })
	if v, _ := e.App.Sales.ReceiveWebhook(ctx, paymentWebhook(apiPayment, "SUCCESS").input("good")); v.Reason != app.WebhookIgnored {
		t.Errorf("a payment not made through a link: got %s, want ignored", v.Reason)
	}

	// Reporting that cannot answer, or does not know the payment yet: not
	// recorded as done, so Craftgate's retry is judged again.
	e.Report.LinkPaymentFn = func(context.Context, int64) (*app.ReportedPayment, error) {
		return nil, &app.ProviderError{Provider: "craftgate", Kind: app.ProviderTimeout}
	}
	if v, err := e.App.Sales.ReceiveWebhook(ctx, paymentWebhook(id, "SUCCESS").input("good")); err != nil || v.Accepted || v.Reason != app.WebhookUnavailable {
		t.Errorf("reporting timed out: got %+v, %v, want unavailable", v, err)
	}
	e.Report.LinkPaymentFn = func(context.Context, int64) (*app.ReportedPayment, error) { return nil, reportingNotFound() }
	if v, err := e.App.Sales.ReceiveWebhook(ctx, paymentWebhook(id, "SUCCESS").input("good")); err != nil || v.Accepted || v.Reason != app.WebhookUnknown {
		t.Errorf("reporting does not know it: got %+v, %v, want unknown", v, err)
	}
	if n := auditCount(t, e, "sales.webhook_unknown", strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("audit rows of the unknown payment: got %d, want 1", n)
	}
	e.Report.LinkPaymentFn = e.Reports.get
	mustWebhook(t, e, id, "SUCCESS")
}

func TestSales_DeclinedIsAFailedAttempt(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	link := mustLink(t, e, "Çay", "100")
	id := e.Reports.pay(link.ID, "100", true)
	mustWebhook(t, e, id, "FAILURE")
	if p := mustLinkPayment(t, e, id); p.Status != app.PaymentStatusFailed || p.Refundable() {
		t.Errorf("declined: got %s (refundable %t), want failed, not refundable", p.Status, p.Refundable())
	}
	wantTotals(t, "today", try(mustOverview(t, e)).Periods[0].Link, 0, "0", 1, 0)
	page, err := e.App.Links.Search(ctx, app.LinkSearch{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := page.Sales[link.ID]; ok {
		t.Errorf("a declined card counts as a sale of the link: %+v", page.Sales)
	}
}

func TestSales_UnmatchedPaymentAudited(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	in := MustParseLink(t, app.LinkDraft{Name: "Pasta", Price: "50", Currency: "TRY", Installments: []string{"1"}, ConversationID: "conv-9"})
	link, err := e.App.Links.Create(ctx, app.System, in)
	if err != nil {
		t.Fatal(err)
	}
	byRef := e.Reports.pay(0, "50", false)
	e.Reports.edit(byRef, func(p *app.ReportedPayment) { p.Payment.ConversationID = "conv-9" })
	stray := e.Reports.pay(0, "70", false)
	e.Reports.edit(stray, func(p *app.ReportedPayment) { p.Payment.ConversationID = "nobody" })
	mustWebhook(t, e, byRef, "SUCCESS")
	mustWebhook(t, e, stray, "SUCCESS")
	if p := mustLinkPayment(t, e, byRef); p.LinkID != link.ID {
		t.Errorf("matched by conversation id: got link %d, want %d", p.LinkID, link.ID)
	}
	if p := mustLinkPayment(t, e, stray); p.LinkID != 0 {
		t.Errorf("no link carries its ids: got link %d, want none", p.LinkID)
	}
	if n := auditCount(t, e, "sales.payment_unmatched", strconv.FormatInt(stray, 10)); n != 1 {
		t.Errorf("audit rows of the unmatched payment: got %d, want 1", n)
	}
	wantTotals(t, "today", try(mustOverview(t, e)).Periods[0].Link, 2, "120", 0, 0)
}

// paidSale opens an env with an owner and a link, Çay at 100, paid once and
// recorded by its webhook: where every refund test starts.
func paidSale(tb testing.TB) (e *Env, owner *app.User, link *app.Link, id int64) {
	tb.Helper()
	e = MustOpenEnv(tb)
	owner = MustCreateUser(tb, e, "owner@example.com", app.RoleOwner, "pw")
	link = mustLink(tb, e, "Çay", "100")
	id = e.Reports.pay(link.ID, "100", false)
	mustWebhook(tb, e, id, "SUCCESS")
	return e, owner, link, id
}

func TestSales_Refunds(t *testing.T) {
	t.Parallel()
	e, owner, link, id := paidSale(t)

	_, _, err := e.App.Sales.Refund(ctx, actor(owner), id, "100,01")
	if fields := app.ErrorFields(err); fields["amount"] != "refund.amount_over" {
		t.Errorf("more than paid: got %v, want refund.amount_over", err)
	}
	after, refunded, err := e.App.Sales.Refund(ctx, actor(owner), id, "30")
	if err != nil || !refunded.Equal(dec("30")) || after.Status != app.PaymentStatusPartiallyRefunded || !after.Remaining().Equal(dec("70")) {
		t.Fatalf("refund 30: got %+v, %s, %v", after, refunded, err)
	}
	if n := auditCount(t, e, "link_payment.refund", strconv.FormatInt(id, 10)); n != 1 {
		t.Errorf("refund audit rows: got %d, want 1", n)
	}
	wantTotals(t, "today after 30 back", try(mustOverview(t, e)).Periods[0].Link, 1, "70", 0, 1)

	// A REFUND webhook of the refund just recorded changes nothing.
	refundID := mustLinkPayment(t, e, id).Refunds[0].ID
	version, _ := e.App.Sales.Version(ctx)
	w := testWebhook{Type: "REFUND", Status: "SUCCESS", Payload: strconv.FormatInt(refundID, 10), TS: 5}
	if v, err := e.App.Sales.ReceiveWebhook(ctx, w.input("good")); err != nil || !v.Accepted || v.Payment != id {
		t.Errorf("refund webhook: got %+v, %v", v, err)
	}
	if again, _ := e.App.Sales.Version(ctx); again != version {
		t.Errorf("a refund already recorded moved the sales version %d → %d", version, again)
	}

	// One made in Craftgate's panel arrives by its webhook.
	panel, err := e.Reports.refund(ctx, id, dec("20"), false)
	if err != nil {
		t.Fatal(err)
	}
	w = testWebhook{Type: "REFUND", Status: "SUCCESS", Payload: strconv.FormatInt(panel.ID, 10), TS: 6}
	if v, err := e.App.Sales.ReceiveWebhook(ctx, w.input("good")); err != nil || v.Reason != app.WebhookRecorded {
		t.Errorf("panel refund webhook: got %+v, %v", v, err)
	}
	if p := mustLinkPayment(t, e, id); !p.Refunded.Equal(dec("50")) {
		t.Errorf("refunded: got %s, want 50", p.Refunded)
	}
	if _, _, err := e.App.Sales.Refund(ctx, actor(owner), id, "50"); err != nil {
		t.Fatal(err)
	}
	if p := mustLinkPayment(t, e, id); p.Status != app.PaymentStatusRefunded || p.Refundable() {
		t.Errorf("after the rest: got %s, want refunded, not refundable", p.Status)
	}
	if _, _, err := e.App.Sales.Refund(ctx, actor(owner), id, "1"); !errors.Is(err, app.ErrNotRefundable) {
		t.Errorf("refund of a refunded payment: got %v, want ErrNotRefundable", err)
	}
	wantTotals(t, "today, all back", try(mustOverview(t, e)).Periods[0].Link, 1, "0", 0, 3)
	if page, _ := e.App.Links.Search(ctx, app.LinkSearch{}); !page.Sales[link.ID].Revenue[0].Amount.IsZero() {
		t.Errorf("list of a wholly refunded link: got %+v, want a revenue of 0", page.Sales)
	}
}

func TestSales_RefundAnswerLost(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@example.com", app.RoleOwner, "pw")
	link := mustLink(t, e, "Çay", "100")
	made, lost, refused := e.Reports.pay(link.ID, "100", false), e.Reports.pay(link.ID, "100", false), e.Reports.pay(link.ID, "100", false)
	for _, id := range []int64{made, lost, refused} {
		mustWebhook(t, e, id, "SUCCESS")
	}
	timeout := &app.ProviderError{Provider: "craftgate", Kind: app.ProviderTimeout}
	e.Report.RefundFn = func(ctx context.Context, id int64, amount decimal.Decimal, whole bool) (*app.ProviderRefund, error) {
		switch id {
		case made: // Craftgate refunded, its answer was lost
			if _, err := e.Reports.refund(ctx, id, amount, whole); err != nil {
				return nil, err
			}
			return nil, timeout
		case lost: // the request never arrived
			return nil, timeout
		}
		return nil, &app.ProviderError{Provider: "craftgate", Kind: app.ProviderRefused, Code: "3004"}
	}
	for _, id := range []int64{made, lost, refused} {
		if _, _, err := e.App.Sales.Refund(ctx, actor(owner), id, "40"); err == nil {
			t.Fatalf("refund of %d: got nil error", id)
		}
	}
	intent := func(id int64) app.LinkRefund {
		rs, err := e.DB.LinkRefundsOf(ctx, id)
		if err != nil || len(rs) != 1 {
			t.Fatalf("intents of %d: got %+v, %v", id, rs, err)
		}
		return rs[0]
	}
	if r := intent(refused); r.Status != app.RefundFailed || r.Problem == "" {
		t.Errorf("refused: got %+v, want failed with the problem", r)
	}
	if r := intent(made); r.Status != app.RefundOpen {
		t.Errorf("answer lost: got %s, want open", r.Status)
	}
	// While an intent is open, what it asks for is not refundable again.
	if _, _, err := e.App.Sales.Refund(ctx, actor(owner), lost, "70"); !errors.Is(err, app.ErrNotRefundable) {
		t.Errorf("refund past an open intent: got %v, want ErrNotRefundable", err)
	}
	e.Clock.Advance(3 * time.Minute)
	if err := e.App.Sales.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if r := intent(made); r.Status != app.RefundDone || r.RefundID == 0 {
		t.Errorf("answer lost, refund made: got %+v, want done with Craftgate's refund", r)
	}
	if p := mustLinkPayment(t, e, made); !p.Refunded.Equal(dec("40")) {
		t.Errorf("refunded after the catch-up: got %s, want 40", p.Refunded)
	}
	if r := intent(lost); r.Status != app.RefundFailed || r.Problem != "refund.not_made" {
		t.Errorf("never made: got %+v, want failed, refund.not_made", r)
	}
	if p := mustLinkPayment(t, e, lost); !p.Refunded.IsZero() {
		t.Errorf("never made: refunded %s, want 0", p.Refunded)
	}
}

// TestSales_RefundAnswerWithoutID: Craftgate refunded but named no refund
// id. The owner hears it went through and is not recorded yet
// (ErrRefundUnrecorded, with the amount), the intent stays open, and the
// catch-up records the refund from reporting.
func TestSales_RefundAnswerWithoutID(t *testing.T) {
	t.Parallel()
	e, owner, _, id := paidSale(t)
	e.Report.RefundFn = func(ctx context.Context, paymentID int64, amount decimal.Decimal, whole bool) (*app.ProviderRefund, error) {
		rf, err := e.Reports.refund(ctx, paymentID, amount, whole)
		if err != nil {
			return nil, err
		}
		anonymous := *rf
		anonymous.ID = 0
		return &anonymous, nil
	}
	_, refunded, err := e.App.Sales.Refund(ctx, actor(owner), id, "25")
	if !errors.Is(err, app.ErrRefundUnrecorded) || !refunded.Equal(dec("25")) {
		t.Fatalf("refund answered without an id: got %s, %v; want 25 and ErrRefundUnrecorded", refunded, err)
	}
	if p := mustLinkPayment(t, e, id); !p.Refunded.IsZero() {
		t.Errorf("before the catch-up: refunded %s, want nothing recorded yet", p.Refunded)
	}
	e.Clock.Advance(3 * time.Minute)
	if err := e.App.Sales.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	rs, err := e.DB.LinkRefundsOf(ctx, id)
	if err != nil || len(rs) != 1 || rs[0].Status != app.RefundDone || rs[0].RefundID == 0 {
		t.Fatalf("intent after the catch-up: got %+v, %v; want one, done, with Craftgate's refund", rs, err)
	}
	if p := mustLinkPayment(t, e, id); !p.Refunded.Equal(dec("25")) {
		t.Errorf("after the catch-up: refunded %s, want 25", p.Refunded)
	}
}

func TestSales_CatchUpRecoversLostWebhooks(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	link := mustLink(t, e, "Çay", "100")
	e.Clock.Advance(-40 * 24 * time.Hour)
	e.Reports.pay(link.ID, "1", false) // before the first pass's backfill
	e.Clock.Advance(40*24*time.Hour - time.Hour)
	paid := e.Reports.pay(link.ID, "100", false)
	e.Clock.Advance(time.Hour)
	declined := e.Reports.pay(link.ID, "100", true)
	if err := e.App.Sales.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if p := mustLinkPayment(t, e, paid); p.LinkID != link.ID || p.Status != app.PaymentStatusPaid {
		t.Errorf("lost webhook: got %+v", *p)
	}
	if p := mustLinkPayment(t, e, declined); p.Status != app.PaymentStatusFailed {
		t.Errorf("lost decline: got %s", p.Status)
	}
	o := mustOverview(t, e)
	wantTotals(t, "30 days", try(o).Periods[2].Link, 1, "100", 1, 0)

	// Again: nothing new, nothing written.
	e.Clock.Advance(time.Minute)
	if err := e.App.Sales.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if again := mustOverview(t, e); again.Version != o.Version {
		t.Errorf("a second pass moved the sales version %d → %d", o.Version, again.Version)
	}
	// A payment made since shows at the next pass, and a refund of it made
	// in Craftgate's panel at the pass after (the pass reads again the
	// last minutes before its cursor).
	later := e.Reports.pay(link.ID, "50", false)
	e.Clock.Advance(time.Minute)
	if err := e.App.Sales.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	mustLinkPayment(t, e, later)
	if _, err := e.Reports.refund(ctx, later, dec("10"), false); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Minute)
	if err := e.App.Sales.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	wantTotals(t, "30 days later", try(mustOverview(t, e)).Periods[2].Link, 2, "140", 1, 1)
}

func TestSales_CatchUpWalksLinks(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	kept := mustLink(t, e, "Kahve", "10")
	gone := mustLink(t, e, "Çay", "5")
	e.Links.put(app.Link{ID: 900, Name: "Ilık süt", Price: dec("20"), Currency: "TRY", Status: app.LinkStatusActive})
	if err := e.Links.delete(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(time.Minute)
	if err := e.App.Sales.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	names := func(q app.LinkSearch) string {
		links, _, err := e.DB.SearchLinks(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var s string
		for _, l := range links {
			s += l.Name + ";"
		}
		return s
	}
	if got := names(app.LinkSearch{Sort: app.LinkSortName}); got != "Ilık süt;Kahve;" {
		t.Errorf("local record after the walk: got %q, want the panel's link in and the deleted one out", got)
	}
	page, err := e.App.Links.Search(ctx, app.LinkSearch{Name: "ilik"})
	if err != nil || len(page.Links) != 1 || page.Links[0].ID != 900 || !page.Local {
		t.Errorf("search ilik: got %+v, %v, want Ilık süt from the local record", page, err)
	}
	if l, err := e.DB.LocalLink(ctx, kept.ID); err != nil || l.Name != "Kahve" {
		t.Errorf("kept link: got %+v, %v", l, err)
	}
}

func TestSales_QRPaymentsCounted(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	p := MustPaidPayment(t, e, "40")
	failed := MustStartPayment(t, e, "5")
	e.Payments.set(failed.MerchantUniqueCode, app.ProviderFailed, "")
	if _, _, err := e.App.Payments.Check(ctx, app.System, failed.MerchantUniqueCode); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.App.Payments.Refund(ctx, app.System, p.MerchantUniqueCode, "15"); err != nil {
		t.Fatal(err)
	}
	today := try(mustOverview(t, e)).Periods[0]
	wantTotals(t, "QR today", today.QR, 1, "25", 1, 1)
	wantTotals(t, "links today", today.Link, 0, "0", 0, 0)
	sales, total, err := e.App.Sales.List(ctx, app.SaleFilter{Source: app.SaleSourceQR, Status: app.PaymentStatusPartiallyRefunded})
	if err != nil || total != 1 || sales[0].Ref != p.MerchantUniqueCode || !sales[0].Revenue().Equal(dec("25")) {
		t.Errorf("QR sales: got %+v (%d), %v", sales, total, err)
	}
}

func TestSales_OverviewDaysInShopZone(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	link := mustLink(t, e, "Çay", "100")
	// t0 is 09:26 in Istanbul (06:26 UTC). 23:30 UTC yesterday is 02:30
	// today there; 20:30 UTC yesterday is 23:30 yesterday there.
	utc := t0.UTC()
	midnightUTC := time.Date(utc.Year(), utc.Month(), utc.Day(), 0, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{midnightUTC.Add(-30 * time.Minute), midnightUTC.Add(-210 * time.Minute)} {
		e.Clock.Advance(at.Sub(e.Clock.Now()))
		mustWebhook(t, e, e.Reports.pay(link.ID, "10", false), "SUCCESS")
	}
	e.Clock.Advance(t0.Sub(e.Clock.Now()))
	o := mustOverview(t, e)
	if len(o.Days) != app.OverviewDays || o.Days[len(o.Days)-1].Hour() != 0 || o.Days[len(o.Days)-1].Day() != 14 {
		t.Fatalf("days: got %d ending %v, want 30 ending at 14 March's midnight", len(o.Days), o.Days[len(o.Days)-1])
	}
	daily := try(o).Daily
	wantTotals(t, "14 March", daily[len(daily)-1].Link, 1, "10", 0, 0)
	wantTotals(t, "13 March", daily[len(daily)-2].Link, 1, "10", 0, 0)
	wantTotals(t, "7 days", try(o).Periods[1].Link, 2, "20", 0, 0)

	// The shop moves to UTC: its days are rebuilt, both sales on 13 March.
	e.cfg.Location = time.UTC
	moved := e.Restart()
	if err := moved.Sales.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	inUTC, err := moved.Sales.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	daily = try(inUTC).Daily
	wantTotals(t, "14 March in UTC", daily[len(daily)-1].Link, 0, "0", 0, 0)
	wantTotals(t, "13 March in UTC", daily[len(daily)-2].Link, 2, "20", 0, 0)
	if inUTC.Version <= o.Version {
		t.Errorf("the rebuild left the sales version at %d", inUTC.Version)
	}
}
