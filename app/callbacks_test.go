package app_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
)

// paidCallback is the callback Paywall posts when p is paid.
func paidCallback(p *app.Payment) testCallback {
	return testCallback{Code: p.MerchantUniqueCode, Unique: p.UniqueCode, Txn: strconv.FormatInt(p.APMTransactionID, 10),
		Amount: p.Amount.StringFixed(2), Success: true}
}

func callbackInput(p *app.Payment, kind string, c testCallback) app.CallbackInput {
	return app.CallbackInput{Token: p.CallbackToken, Kind: kind, Body: c.body(), ContentType: "application/json", RemoteIP: "203.0.113.50"}
}

func mustCallbacks(tb testing.TB, e *Env, code string) []app.Callback {
	tb.Helper()
	cbs, err := e.App.Payments.Callbacks(ctx, code)
	if err != nil {
		tb.Fatalf("callbacks of %s: %v", code, err)
	}
	return cbs
}

// TestCallbacks_ConcurrentDuplicates posts one callback twenty times at
// once: the payment is settled once, audited once, and the callback is
// recorded once.
func TestCallbacks_ConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	p := MustStartPayment(t, e, "149,90")
	e.Payments.set(p.MerchantUniqueCode, app.ProviderPaid, "")
	in := callbackInput(p, app.CallbackKindSuccess, paidCallback(p))

	const n = 20
	// Paywall answers once all twenty are asking: each has read the
	// payment as pending, so they race to settle it, not to read it.
	var (
		mu     sync.Mutex
		asking int
		allIn  = make(chan struct{})
	)
	e.Paywall.QueryFn = func(ctx context.Context, code string) (*app.ProviderPayment, error) {
		mu.Lock()
		if asking++; asking == n {
			close(allIn)
		}
		mu.Unlock()
		select {
		case <-allIn:
		case <-time.After(time.Minute):
			return nil, errors.New("test: not all callbacks asked Paywall")
		}
		return e.Payments.query(ctx, code)
	}
	verdicts := make([]app.Verdict, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			verdicts[i], errs[i] = e.App.Payments.ReceiveCallback(ctx, in)
		})
	}
	close(start)
	wg.Wait()

	settled := 0
	for i, v := range verdicts {
		if errs[i] != nil {
			t.Fatalf("callback %d: %v", i, errs[i])
		}
		if !v.Accepted || v.Outcome != app.PaymentStatusPaid || v.Payment != p.MerchantUniqueCode {
			t.Fatalf("callback %d: got %+v, want accepted as paid", i, v)
		}
		switch v.Reason {
		case "settled":
			settled++
		case "duplicate":
		default:
			t.Fatalf("callback %d: reason %q", i, v.Reason)
		}
	}
	if settled != 1 {
		t.Errorf("callbacks that settled: got %d, want 1", settled)
	}
	if got := mustPayment(t, e, p.MerchantUniqueCode); got.Status != app.PaymentStatusPaid {
		t.Errorf("status: got %s, want paid", got.Status)
	}
	evs := auditEvents(t, e, app.AuditFilter{Action: "payment.settle", TargetID: p.MerchantUniqueCode})
	if len(evs) != 1 || evs[0].ActorEmail != app.ActorPaywall || evs[0].IP != "203.0.113.50" {
		t.Errorf("settle rows: got %+v, want one by Paywall", evs)
	}
	cbs := mustCallbacks(t, e, p.MerchantUniqueCode)
	if len(cbs) != 1 || !cbs[0].Accepted || cbs[0].Reason != "settled" || cbs[0].Kind != app.CallbackKindSuccess || cbs[0].Payload != string(in.Body) {
		t.Errorf("recorded callbacks: got %+v, want the one, settled", cbs)
	}

	// Another result the same (the server's notification): accepted,
	// changes nothing, recorded apart as it is a different post.
	server := paidCallback(p)
	server.Server = true
	v, err := e.App.Payments.ReceiveCallback(ctx, callbackInput(p, app.CallbackKindSuccess, server))
	if err != nil || !v.Accepted || v.Reason != "duplicate" {
		t.Errorf("server notification after settling: got %+v, %v, want an accepted duplicate", v, err)
	}
	if cbs := mustCallbacks(t, e, p.MerchantUniqueCode); len(cbs) != 2 || cbs[1].Kind != app.CallbackKindServer {
		t.Errorf("recorded callbacks: got %+v, want the server's too", cbs)
	}
	if n := auditCount(t, e, "payment.settle", p.MerchantUniqueCode); n != 1 {
		t.Errorf("settle rows: got %d, want 1", n)
	}
}

func TestCallbacks_Refused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		kind    string
		edit    func(c *testCallback)
		body    string // instead of the callback, when set
		paywall app.ProviderStatus
		query   error
		reason  string
		asked   bool // whether Paywall is asked to confirm
	}{
		{name: "forged hash", edit: func(c *testCallback) { c.Forged = true }, reason: "hash_invalid"},
		{name: "wrong amount", edit: func(c *testCallback) { c.Amount = "1.00" }, reason: "amount_mismatch"},
		{name: "no amount", edit: func(c *testCallback) { c.Amount = "" }, reason: "amount_mismatch"},
		{name: "wrong code", edit: func(c *testCallback) { c.Code = "someone-elses-code" }, reason: "code_mismatch"},
		{name: "wrong transaction", edit: func(c *testCallback) { c.Txn = "1" }, reason: "transaction_mismatch"},
		{name: "wrong Paywall code", edit: func(c *testCallback) { c.Unique = "PW-999" }, reason: "transaction_mismatch"},
		{name: "success posted to the fail URL", kind: app.CallbackKindFail, reason: "status_mismatch"},
		{name: "not JSON", body: "<html>", reason: "malformed"},
		{name: "not confirmed", paywall: app.ProviderOpen, reason: "not_confirmed", asked: true},
		{name: "confirmation unavailable", query: &app.ProviderError{Provider: "paywall", Kind: app.ProviderUnreachable}, reason: "confirm_unavailable", asked: true},
	}
	e := MustOpenEnv(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := MustStartPayment(t, e, "149,90")
			st := tt.paywall
			if st == app.ProviderOpen && !tt.asked {
				st = app.ProviderPaid // only the callback is wrong
			}
			e.Payments.set(p.MerchantUniqueCode, st, "")
			e.Paywall.QueryFn = e.Payments.query
			if tt.query != nil {
				e.Paywall.QueryFn = func(context.Context, string) (*app.ProviderPayment, error) { return nil, tt.query }
			}
			c := paidCallback(p)
			if tt.edit != nil {
				tt.edit(&c)
			}
			kind := tt.kind
			if kind == "" {
				kind = app.CallbackKindSuccess
			}
			in := callbackInput(p, kind, c)
			if tt.body != "" {
				in.Body = []byte(tt.body)
			}
			queries := e.Paywall.Calls("Query")
			v, err := e.App.Payments.ReceiveCallback(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if v.Accepted || v.Reason != tt.reason || v.Payment != p.MerchantUniqueCode {
				t.Fatalf("got %+v, want refused as %s", v, tt.reason)
			}
			if asked := e.Paywall.Calls("Query") > queries; asked != tt.asked {
				t.Errorf("Paywall asked to confirm: got %v, want %v", asked, tt.asked)
			}
			if got := mustPayment(t, e, p.MerchantUniqueCode); got.Status != app.PaymentStatusPending {
				t.Errorf("status: got %s, want pending", got.Status)
			}
			if n := auditCount(t, e, "payment.settle", p.MerchantUniqueCode); n != 0 {
				t.Errorf("settle rows: got %d, want 0", n)
			}
			cbs := mustCallbacks(t, e, p.MerchantUniqueCode)
			if len(cbs) != 1 || cbs[0].Accepted || cbs[0].Reason != tt.reason || cbs[0].RemoteIP != "203.0.113.50" {
				t.Errorf("recorded: got %+v, want the refusal", cbs)
			}
			// Posted again, it is recorded once.
			if _, err := e.App.Payments.ReceiveCallback(ctx, in); err != nil {
				t.Fatal(err)
			}
			if cbs := mustCallbacks(t, e, p.MerchantUniqueCode); len(cbs) != 1 {
				t.Errorf("recorded after a repeat: got %d, want 1", len(cbs))
			}
		})
	}
}

func TestCallbacks_UnknownToken(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	p := MustStartPayment(t, e, "149,90")
	e.Payments.set(p.MerchantUniqueCode, app.ProviderPaid, "")
	// Someone who knows a payment's code but not its token.
	c := paidCallback(p)
	huge := strings.Repeat("x", 64<<10)
	inputs := []app.CallbackInput{
		{Token: strings.Repeat("0", 64), Kind: app.CallbackKindSuccess, Body: c.body(), RemoteIP: "198.51.100.66"},
		{Token: "", Kind: app.CallbackKindFail, Body: c.body(), RemoteIP: "198.51.100.66"},
		{Token: "short", Kind: app.CallbackKindSuccess, Body: []byte(huge), RemoteIP: "198.51.100.66"},
		// Bytes no database stores alike, in the token and the body.
		{Token: "tok\xff\x00en", Kind: app.CallbackKindSuccess, Body: []byte(strings.Repeat("\xff\x00", 3000)), RemoteIP: "198.51.100.66"},
	}
	for i, in := range inputs {
		v, err := e.App.Payments.ReceiveCallback(ctx, in)
		if err != nil {
			t.Fatalf("stray %d: %v", i, err)
		}
		if v.Accepted || v.Reason != "unknown_token" || v.Payment != "" {
			t.Errorf("stray %d: got %+v, want refused as unknown_token, naming no payment", i, v)
		}
	}
	strays := e.Store.strayCalls()
	if len(strays) != len(inputs) {
		t.Fatalf("strays kept: got %d, want %d", len(strays), len(inputs))
	}
	for i, s := range strays {
		if s.keep <= 0 || s.keep > 1000 {
			t.Errorf("stray %d: keep %d, want a small bound", i, s.keep)
		}
		if len(s.c.Payload) > 1<<10 || s.c.MerchantUniqueCode != "" || s.c.Reason != "unknown_token" {
			t.Errorf("stray %d: got %d bytes for %q (%s), want at most 1 KiB for no payment", i, len(s.c.Payload), s.c.MerchantUniqueCode, s.c.Reason)
		}
	}
	for _, code := range []string{p.MerchantUniqueCode, ""} {
		if cbs := mustCallbacks(t, e, code); len(cbs) != 0 {
			t.Errorf("callbacks of %q: got %+v, want none", code, cbs)
		}
	}
	if got := mustPayment(t, e, p.MerchantUniqueCode); got.Status != app.PaymentStatusPending {
		t.Errorf("status: got %s, want pending", got.Status)
	}
	if n := e.Paywall.Calls("ParseCallback") + e.Paywall.Calls("Query"); n != 0 {
		t.Errorf("strays were parsed or confirmed %d times, want 0", n)
	}
}

func TestCallbacks_LateContrary(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	paid := MustStartPayment(t, e, "149,90")
	e.Payments.set(paid.MerchantUniqueCode, app.ProviderPaid, "")
	if v, err := e.App.Payments.ReceiveCallback(ctx, callbackInput(paid, app.CallbackKindSuccess, paidCallback(paid))); err != nil || v.Reason != "settled" {
		t.Fatalf("paid callback: got %+v, %v", v, err)
	}
	failure := paidCallback(paid)
	failure.Success = false
	v, err := e.App.Payments.ReceiveCallback(ctx, callbackInput(paid, app.CallbackKindFail, failure))
	if err != nil || v.Accepted || v.Reason != "already_final" {
		t.Errorf("a failure after paid: got %+v, %v, want refused as already_final", v, err)
	}
	if got := mustPayment(t, e, paid.MerchantUniqueCode); got.Status != app.PaymentStatusPaid {
		t.Errorf("status: got %s, want paid", got.Status)
	}
	cbs := mustCallbacks(t, e, paid.MerchantUniqueCode)
	if len(cbs) != 2 || cbs[1].Accepted || cbs[1].Reason != "already_final" || cbs[1].Kind != app.CallbackKindFail {
		t.Errorf("recorded: got %+v, want the late failure refused", cbs)
	}

	// Money arriving for a payment the reconciler expired is refused too:
	// a person refunds it at Paywall.
	expired := MustStartPayment(t, e, "20")
	e.Clock.Advance(app.DefaultPaymentTimeout)
	if err := e.App.Payments.ReconcileOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustPayment(t, e, expired.MerchantUniqueCode); got.Status != app.PaymentStatusExpired {
		t.Fatalf("status: got %s, want expired", got.Status)
	}
	v, err = e.App.Payments.ReceiveCallback(ctx, callbackInput(expired, app.CallbackKindSuccess, paidCallback(expired)))
	if err != nil || v.Accepted || v.Reason != "already_final" {
		t.Errorf("paid after expiry: got %+v, %v, want refused as already_final", v, err)
	}
	if got := mustPayment(t, e, expired.MerchantUniqueCode); got.Status != app.PaymentStatusExpired {
		t.Errorf("status: got %s, want expired", got.Status)
	}
	if n := auditCount(t, e, "payment.settle", ""); n != 2 {
		t.Errorf("settle rows: got %d, want 2 (paid, expired)", n)
	}
}
