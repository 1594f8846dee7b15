package craftclient_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"linkdesk/craftclient"
)

// The two published vectors (craftgate-notes §6): the docs' and the Node
// client's sample.
var webhookVectors = []struct {
	name, key, body, signature string
}{
	{
		name:      "docs",
		key:       "1Q2w3E4r5T6y7U8i9Op",
		body:      `{"eventType":"API_AUTH","eventTime":"2022-01-01T09:30:32","eventTimestamp":1641018632,"status":"SUCCESS","payloadId":"2150001"}`,
		signature: "eNXKxfxUpVmp/wBrNUmOLjNXL0sYl0mh1s/rEB8K8NU=",
	},
	{
		name:      "node sample",
		key:       "Aoh7tReTybO6wOjBmOJFFsOR53SBojEp",
		body:      `{"eventType":"API_VERIFY_AND_AUTH","eventTime":"2022-08-26T16:40:21.395655","eventTimestamp":1661521221,"status":"SUCCESS","payloadId":"584"}`,
		signature: "0wRB5XqWJxwwPbn5Z9TcbHh8EGYFufSYTsRMB74N094=",
	},
}

func TestWebhookVectors(t *testing.T) {
	for _, v := range webhookVectors {
		t.Run(v.name, func(t *testing.T) {
			ev, err := craftclient.ParseWebhook([]byte(v.body))
			if err != nil {
				t.Fatal(err)
			}
			if got := craftclient.WebhookSignature(v.key, ev); got != v.signature {
				t.Errorf("WebhookSignature: got %v, want %v", got, v.signature)
			}
			if !craftclient.VerifyWebhook(v.key, v.signature, ev) {
				t.Error("VerifyWebhook: got false, want true")
			}
		})
	}
}

func TestVerifyWebhookRefuses(t *testing.T) {
	v := webhookVectors[0]
	good, err := craftclient.ParseWebhook([]byte(v.body))
	if err != nil {
		t.Fatal(err)
	}
	tampered := func(edit func(*craftclient.WebhookEvent)) *craftclient.WebhookEvent {
		ev := *good
		edit(&ev)
		return &ev
	}
	tests := []struct {
		name, key, signature string
		ev                   *craftclient.WebhookEvent
	}{
		{"other key", "another-key", v.signature, good},
		{"empty key", "", v.signature, good},
		{"empty signature", v.key, "", good},
		{"not base64", v.key, "%%%", good},
		{"short signature", v.key, "eNXKxfxU", good},
		{"nil event", v.key, v.signature, nil},
		{"event type changed", v.key, v.signature, tampered(func(ev *craftclient.WebhookEvent) { ev.EventType = craftclient.WebhookEventTypeRefund })},
		{"timestamp changed", v.key, v.signature, tampered(func(ev *craftclient.WebhookEvent) { ev.EventTimestamp++ })},
		{"status changed", v.key, v.signature, tampered(func(ev *craftclient.WebhookEvent) { ev.Status = craftclient.WebhookStatusFailure })},
		{"payload id changed", v.key, v.signature, tampered(func(ev *craftclient.WebhookEvent) { ev.PayloadID = "2150002" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if craftclient.VerifyWebhook(tt.key, tt.signature, tt.ev) {
				t.Error("got true, want false")
			}
		})
	}
	if got := craftclient.WebhookSignature(v.key, nil); got != "" {
		t.Errorf("WebhookSignature(nil): got %q, want empty", got)
	}
}

func TestParseWebhook(t *testing.T) {
	full := `{"eventType":"API_AUTH","eventTime":"2022-01-01T09:30:32","eventTimestamp":1641018632,"status":"SUCCESS",` +
		`"payloadId":"2150001","payload":{"paymentId":2150001,"paidPrice":10.5}}`
	ev, err := craftclient.ParseWebhook([]byte(full))
	if err != nil {
		t.Fatal(err)
	}
	if ev.EventType != craftclient.WebhookEventTypeAPIAuth || ev.EventTimestamp != 1641018632 ||
		ev.Status != craftclient.WebhookStatusSuccess || ev.PayloadID != "2150001" ||
		ev.EventTime.String() != "2022-01-01T09:30:32" || string(ev.Payload) != `{"paymentId":2150001,"paidPrice":10.5}` {
		t.Errorf("got %+v", ev)
	}

	tests := []struct {
		name, body string
		want       error // nil: accepted
		check      func(*craftclient.WebhookEvent) bool
	}{
		{name: "payload id as a number", body: `{"eventType":"REFUND","eventTimestamp":1,"status":"SUCCESS","payloadId":584}`,
			check: func(ev *craftclient.WebhookEvent) bool { return ev.PayloadID == "584" }},
		{name: "timestamp as a string", body: `{"eventType":"REFUND","eventTimestamp":"1661521221","status":"FAILURE","payloadId":"x"}`,
			check: func(ev *craftclient.WebhookEvent) bool { return ev.EventTimestamp == 1661521221 }},
		{name: "null payload", body: `{"eventType":"REFUND","eventTimestamp":1,"status":"SUCCESS","payloadId":"x","payload":null}`,
			check: func(ev *craftclient.WebhookEvent) bool { return ev.Payload == nil }},
		{name: "unreadable eventTime is dropped", body: `{"eventType":"REFUND","eventTime":"01.01.2022","eventTimestamp":1,"status":"SUCCESS","payloadId":"x"}`,
			check: func(ev *craftclient.WebhookEvent) bool { return ev.EventTime.IsZero() }},
		{name: "unknown event type is kept", body: `{"eventType":"LINK_PAID","eventTimestamp":1,"status":"SUCCESS","payloadId":"x"}`,
			check: func(ev *craftclient.WebhookEvent) bool { return ev.EventType == "LINK_PAID" }},
		{name: "not JSON", body: `eventType=API_AUTH`, want: craftclient.ErrWebhookMalformed},
		{name: "empty", body: ``, want: craftclient.ErrWebhookMalformed},
		{name: "array", body: `[]`, want: craftclient.ErrWebhookMalformed},
		{name: "no event type", body: `{"eventTimestamp":1,"status":"SUCCESS","payloadId":"x"}`, want: craftclient.ErrWebhookMalformed},
		{name: "no timestamp", body: `{"eventType":"REFUND","status":"SUCCESS","payloadId":"x"}`, want: craftclient.ErrWebhookMalformed},
		{name: "no status", body: `{"eventType":"REFUND","eventTimestamp":1,"payloadId":"x"}`, want: craftclient.ErrWebhookMalformed},
		{name: "no payload id", body: `{"eventType":"REFUND","eventTimestamp":1,"status":"SUCCESS"}`, want: craftclient.ErrWebhookMalformed},
		{name: "fractional timestamp", body: `{"eventType":"REFUND","eventTimestamp":1.5,"status":"SUCCESS","payloadId":"x"}`, want: craftclient.ErrWebhookMalformed},
		{name: "object as status", body: `{"eventType":"REFUND","eventTimestamp":1,"status":{},"payloadId":"x"}`, want: craftclient.ErrWebhookMalformed},
		{name: "too large", body: `{"eventType":"REFUND","eventTimestamp":1,"status":"SUCCESS","payloadId":"x","payload":"` +
			strings.Repeat("a", craftclient.MaxWebhookBytes) + `"}`, want: craftclient.ErrWebhookTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := craftclient.ParseWebhook([]byte(tt.body))
			switch {
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("got %v, %v; want %v", ev, err, tt.want)
			case tt.want == nil && err != nil:
				t.Errorf("got %v, want it accepted", err)
			case tt.want == nil && !tt.check(ev):
				t.Errorf("got %+v", ev)
			}
		})
	}
}

func TestVerifyWebhookRequest(t *testing.T) {
	v := webhookVectors[1]
	post := func(method, body, signature string) *http.Request {
		r := httptest.NewRequest(method, "https://shop.test/craftgate/webhook", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if signature != "" {
			r.Header.Set(craftclient.WebhookSignatureHeader, signature)
		}
		return r
	}
	ev, err := craftclient.VerifyWebhookRequest(post(http.MethodPost, v.body, v.signature), v.key)
	if err != nil || ev.PayloadID != "584" {
		t.Fatalf("got %+v, %v; want the event", ev, err)
	}
	// The header name is matched in any case, as HTTP wants.
	r := post(http.MethodPost, v.body, "")
	r.Header.Set("X-CG-SIGNATURE-V1", v.signature)
	if _, err := craftclient.VerifyWebhookRequest(r, v.key); err != nil {
		t.Errorf("upper-case header: %v", err)
	}

	tests := []struct {
		name string
		r    *http.Request
		key  string
		want error
	}{
		{"GET", post(http.MethodGet, v.body, v.signature), v.key, craftclient.ErrWebhookMethod},
		{"no signature", post(http.MethodPost, v.body, ""), v.key, craftclient.ErrWebhookSignature},
		{"wrong signature", post(http.MethodPost, v.body, webhookVectors[0].signature), v.key, craftclient.ErrWebhookSignature},
		{"wrong key", post(http.MethodPost, v.body, v.signature), "other", craftclient.ErrWebhookSignature},
		{"no key configured", post(http.MethodPost, v.body, v.signature), "", craftclient.ErrWebhookSignature},
		{"body changed", post(http.MethodPost, strings.Replace(v.body, `"584"`, `"585"`, 1), v.signature), v.key, craftclient.ErrWebhookSignature},
		{"malformed", post(http.MethodPost, `{`, v.signature), v.key, craftclient.ErrWebhookMalformed},
		{"too large", post(http.MethodPost, strings.Repeat(" ", craftclient.MaxWebhookBytes+1), v.signature), v.key, craftclient.ErrWebhookTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if ev, err := craftclient.VerifyWebhookRequest(tt.r, tt.key); !errors.Is(err, tt.want) {
				t.Errorf("got %+v, %v; want %v", ev, err, tt.want)
			}
		})
	}
}
