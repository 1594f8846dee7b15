package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"linkdesk/app"

	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

// callbackForm is the form Paywall posts for p, signed with the sandbox's
// hash key over the given amount text.
func callbackForm(p *app.Payment, success bool, amount string) url.Values {
	id := strconv.FormatInt(p.APMTransactionID, 10)
	f := url.Values{
		"date": {"2026-01-02T10:00:00.000000"}, "status": {strconv.FormatBool(success)},
		"errorCode": {"0"}, "errorMessage": {""}, "uniqueCode": {p.UniqueCode},
		"merchantUniqueCode": {p.MerchantUniqueCode}, "amount": {amount}, "apmTransactionId": {id},
	}
	f.Set("hash", craftclient.PaywallCallbackHash(webtest.SandboxHashKey, id, p.MerchantUniqueCode, amount))
	return f
}

// resign recomputes the hash after a test changed the signed fields.
func resign(f url.Values) url.Values {
	f.Set("hash", craftclient.PaywallCallbackHash(webtest.SandboxHashKey, f.Get("apmTransactionId"), f.Get("merchantUniqueCode"), f.Get("amount")))
	return f
}

// postCallback posts as Paywall does: no session, no CSRF token.
func (e *payEnv) postCallback(t *testing.T, token, kind, contentType, payload string, header ...string) (int, string) {
	t.Helper()
	resp := e.ta.Anonymous(t).Do(t, http.MethodPost, "/callbacks/paywall/"+token+"/"+kind,
		strings.NewReader(payload), append(header, "Content-Type", contentType)...)
	return resp.StatusCode, strings.TrimSpace(body(t, resp))
}

func (e *payEnv) postForm(t *testing.T, token, kind string, f url.Values) (int, string) {
	t.Helper()
	return e.postCallback(t, token, kind, "application/x-www-form-urlencoded", f.Encode())
}

func settleCount(events []app.AuditEvent) int {
	n := 0
	for _, e := range events {
		if e.Action == "payment.settle" {
			n++
		}
	}
	return n
}

func TestCallbackRefusals(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("12,50", "TRY", "Sahte bildirim"))
	p := env.payment(t, code)
	tests := []struct {
		name   string
		token  string
		kind   string
		form   url.Values
		status int
		reason string
	}{
		{"forged hash", p.CallbackToken, "success", func() url.Values {
			f := callbackForm(p, true, "12.50")
			f.Set("hash", strings.Repeat("ab", 32))
			return f
		}(), 403, "hash_invalid"},
		{"no hash", p.CallbackToken, "success", func() url.Values { f := callbackForm(p, true, "12.50"); f.Del("hash"); return f }(), 403, "hash_invalid"},
		{"other amount", p.CallbackToken, "success", callbackForm(p, true, "1.25"), 400, "amount_mismatch"},
		{"unknown token", strings.Repeat("0f", 32), "success", callbackForm(p, true, "12.50"), 404, "unknown_token"},
		{"unknown code", p.CallbackToken, "success", func() url.Values {
			f := callbackForm(p, true, "12.50")
			f.Set("merchantUniqueCode", "someone-elses-code")
			return resign(f)
		}(), 400, "code_mismatch"},
		{"other transaction", p.CallbackToken, "success", func() url.Values {
			f := callbackForm(p, true, "12.50")
			f.Set("apmTransactionId", strconv.FormatInt(p.APMTransactionID+1, 10))
			return resign(f)
		}(), 400, "transaction_mismatch"},
		{"success on the fail URL", p.CallbackToken, "fail", callbackForm(p, true, "12.50"), 400, "status_mismatch"},
		{"malformed", p.CallbackToken, "success", func() url.Values { f := callbackForm(p, true, "12.50"); f.Set("status", "maybe"); return f }(), 400, "malformed"},
		// Signed and consistent, but Paywall says nobody has paid yet.
		{"not paid upstream", p.CallbackToken, "success", callbackForm(p, true, "12.50"), 409, "not_confirmed"},
	}
	stray := 0
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, reason := env.postForm(t, tt.token, tt.kind, tt.form)
			if status != tt.status || reason != tt.reason {
				t.Errorf("got %d %q, want %d %q", status, reason, tt.status, tt.reason)
			}
			// A callback is kept with the payment its token names, never
			// with the one its body names; one whose token names no
			// payment is kept apart.
			recorded := env.callbacks(t, code)
			var last app.Callback
			if tt.token == p.CallbackToken {
				if len(recorded) != i+1-stray {
					t.Fatalf("%d callbacks recorded with the payment, want %d", len(recorded), i+1-stray)
				}
				last = recorded[len(recorded)-1]
			} else {
				stray++
				strays, err := env.ta.Store.StrayCallbacks(context.Background())
				if err != nil || len(strays) != stray || len(recorded) != i+1-stray {
					t.Fatalf("stray callbacks %d (%v), with the payment %d; want %d apart and none attached", len(strays), err, len(recorded), stray)
				}
				last = strays[0]
			}
			if last.Accepted || last.Reason != tt.reason || last.RemoteIP != "127.0.0.1" || !strings.Contains(last.Payload, "merchantUniqueCode=") {
				t.Errorf("recorded %+v, want refused with %q from 127.0.0.1 and the payload", last, tt.reason)
			}
			if len(env.callbacks(t, "someone-elses-code")) != 0 {
				t.Error("a callback was kept under the code its body names")
			}
		})
	}
	if p := env.payment(t, code); p.Status != app.PaymentStatusPending {
		t.Errorf("after refused callbacks the payment is %s, want pending", p.Status)
	}
	if n := settleCount(env.audits(t, code)); n != 0 {
		t.Errorf("%d settle audits, want none", n)
	}
	// The token guards the public URL: it never reaches the log.
	if logs := env.ta.Logs.String(); strings.Contains(logs, p.CallbackToken) {
		t.Errorf("the callback token is in the log:\n%s", logs)
	}
}

func TestCallbackReplayAndFinalState(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("12.5", "TRY", "Tekrar"))
	p := env.payment(t, code)
	env.wallet(t, p.UniqueCode, "pay")
	p = env.payment(t, code)
	settledAt := *p.SettledAt

	// The same callback again: same answer, nothing changes.
	if status, reason := env.postForm(t, p.CallbackToken, "success", callbackForm(p, true, "12.50")); status != 200 || reason != "OK" {
		t.Errorf("replay: got %d %q, want 200 OK", status, reason)
	}
	// A contrary result for a paid payment is refused.
	if status, reason := env.postForm(t, p.CallbackToken, "fail", callbackForm(p, false, "12.50")); status != 409 || reason != "already_final" {
		t.Errorf("fail after paid: got %d %q, want 409 already_final", status, reason)
	}
	after := env.payment(t, code)
	if after.Status != app.PaymentStatusPaid || !after.SettledAt.Equal(settledAt) {
		t.Errorf("after replays: %s settled %v, want paid at %v", after.Status, after.SettledAt, settledAt)
	}
	var got []string
	for _, c := range env.callbacks(t, code) {
		got = append(got, fmt.Sprintf("%s:%v:%s", c.Kind, c.Accepted, c.Reason))
	}
	if want := "success:true:settled,success:true:duplicate,fail:false:already_final"; strings.Join(got, ",") != want {
		t.Errorf("recorded %v, want %s", got, want)
	}
	if n := settleCount(env.audits(t, code)); n != 1 {
		t.Errorf("%d settle audits, want exactly 1", n)
	}
}

func TestCallbackJSONAndBrowser(t *testing.T) {
	env := newPayEnv(t, webtest.Options{CallbackURL: "http://127.0.0.1:1"})
	code := env.startPayment(t, env.staff, paymentForm("12.50", "TRY", "JSON"))
	p := env.payment(t, code)
	env.wallet(t, p.UniqueCode, "pay") // its form callback is lost

	id := strconv.FormatInt(p.APMTransactionID, 10)
	payload := fmt.Sprintf(`{"Id":%s,"Result":true,"ResultMessage":"Success","Amount":12.50,"UniqueCode":%q,"MerchantUniqueCode":%q,"Hash":%q}`,
		id, p.UniqueCode, code, craftclient.PaywallCallbackHash(webtest.SandboxHashKey, id, code, "12.50"))
	if status, reason := env.postCallback(t, p.CallbackToken, "success", "application/json", payload); status != 200 || reason != "OK" {
		t.Fatalf("JSON callback: got %d %q, want 200 OK", status, reason)
	}
	if got := env.payment(t, code).Status; got != app.PaymentStatusPaid {
		t.Errorf("after the JSON callback: %s, want paid", got)
	}
	if cbs := env.callbacks(t, code); len(cbs) != 1 || cbs[0].Kind != app.CallbackKindServer {
		t.Errorf("recorded %+v, want one server callback", cbs)
	}

	// A browser gets a page in both languages.
	resp := env.ta.Anonymous(t).Do(t, http.MethodPost, "/callbacks/paywall/"+p.CallbackToken+"/success",
		strings.NewReader(callbackForm(p, true, "12.50").Encode()),
		"Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html,application/xhtml+xml")
	doc := parseResp(t, resp)
	if resp.StatusCode != 200 || testID(doc, "callback-result").AttrOr("data-outcome", "") != "paid" || doc.Find("section[lang]").Length() != 2 {
		t.Errorf("browser answer %d outcome %q, want 200 paid in two languages", resp.StatusCode, testID(doc, "callback-result").AttrOr("data-outcome", ""))
	}
	resp = env.ta.Anonymous(t).Do(t, http.MethodPost, "/callbacks/paywall/nope/fail",
		strings.NewReader("status=false&merchantUniqueCode=x"), "Content-Type", "application/x-www-form-urlencoded", "Accept", "text/html")
	if doc := parseResp(t, resp); resp.StatusCode != 404 || testID(doc, "callback-result").AttrOr("data-outcome", "") != "refused" {
		t.Errorf("unknown token for a browser: got %d, want 404 with the refused page", resp.StatusCode)
	}
	if cbs, _ := env.ta.Store.StrayCallbacks(context.Background()); len(cbs) != 1 || cbs[0].Reason != "unknown_token" {
		t.Errorf("unknown token kept as %+v", cbs)
	}
	if cbs, _ := env.ta.Store.CallbacksFor(context.Background(), "x"); len(cbs) != 0 {
		t.Errorf("a callback naming no payment was attached to the code its body names: %+v", cbs)
	}
}

// Anyone can post to a callback URL: what is kept of a body is capped,
// and tighter for a token that names no payment.
func TestCallbackPayloadCaps(t *testing.T) {
	env := newPayEnv(t, webtest.Options{})
	code := env.startPayment(t, env.staff, paymentForm("12.50", "TRY", "Büyük gövde"))
	p := env.payment(t, code)
	padding := "&pad=" + strings.Repeat("a", 10<<10)
	tests := []struct {
		name    string
		token   string
		form    url.Values
		reason  string
		maxKept int
	}{
		{"unknown token", strings.Repeat("0f", 32), url.Values{"status": {"true"}, "merchantUniqueCode": {"stranger"}}, "unknown_token", 1 << 10},
		// Signed and consistent, so judged in full (nobody has paid yet).
		{"known token", p.CallbackToken, callbackForm(p, true, "12.50"), "not_confirmed", app.MaxCallbackPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := tt.form.Encode() + padding
			if _, reason := env.postCallback(t, tt.token, "success", "application/x-www-form-urlencoded", payload); reason != tt.reason {
				t.Fatalf("got %q, want %q", reason, tt.reason)
			}
			cbs := env.callbacks(t, code)
			if tt.token != p.CallbackToken {
				cbs, _ = env.ta.Store.StrayCallbacks(context.Background())
			}
			if len(cbs) != 1 {
				t.Fatalf("%d callbacks recorded, want 1", len(cbs))
			}
			if got := cbs[0].Payload; len(got) != tt.maxKept || !strings.HasPrefix(payload, got) {
				t.Errorf("kept %d bytes of the payload, want its first %d", len(got), tt.maxKept)
			}
		})
	}
}
