package providers_test

import (
	"errors"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/providers"
)

func TestSalesParseWebhook(t *testing.T) {
	s := providers.NewSales(craftclient.NewCraftgate("http://127.0.0.1:1", "k", "s"), "webhook-key", time.UTC)
	body := []byte(`{"eventType":"CHECKOUTFORM_AUTH","eventTime":"2025-03-14T06:26:53","eventTimestamp":1741933613,"status":"SUCCESS","payloadId":"42"}`)
	ev, err := craftclient.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	good := craftclient.WebhookSignature("webhook-key", ev)
	got, err := s.ParseWebhook(body, good)
	if err != nil {
		t.Fatalf("signed: got %v", err)
	}
	if got.Type != "CHECKOUTFORM_AUTH" || got.PayloadID != "42" || got.Status != "SUCCESS" || got.Key == "" ||
		!got.At.Equal(time.Date(2025, 3, 14, 6, 26, 53, 0, time.UTC)) {
		t.Errorf("got %+v", got)
	}
	again, _ := s.ParseWebhook(body, good)
	if again.Key != got.Key {
		t.Error("the same event got two keys")
	}
	other, _ := s.ParseWebhook([]byte(`{"eventType":"CHECKOUTFORM_AUTH","eventTimestamp":1741933613,"status":"FAILURE","payloadId":"42"}`),
		craftclient.WebhookSignature("webhook-key", &craftclient.WebhookEvent{EventType: "CHECKOUTFORM_AUTH", EventTimestamp: 1741933613, Status: "FAILURE", PayloadID: "42"}))
	if other == nil || other.Key == got.Key {
		t.Error("a different status got the same key")
	}
	for _, tt := range []struct {
		name      string
		body      []byte
		signature string
		want      error
	}{
		{"wrong key", body, craftclient.WebhookSignature("other-key", ev), app.ErrWebhookForged},
		{"no signature", body, "", app.ErrWebhookForged},
		{"not JSON", []byte("{"), good, app.ErrWebhookMalformed},
		{"no payload id", []byte(`{"eventType":"REFUND","eventTimestamp":1,"status":"SUCCESS"}`), good, app.ErrWebhookMalformed},
	} {
		if _, err := s.ParseWebhook(tt.body, tt.signature); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	unkeyed := providers.NewSales(craftclient.NewCraftgate("http://127.0.0.1:1", "k", "s"), "", time.UTC)
	if _, err := unkeyed.ParseWebhook(body, good); !errors.Is(err, app.ErrWebhookForged) {
		t.Errorf("no key configured: got %v, want every webhook refused", err)
	}
}
