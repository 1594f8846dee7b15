package sandbox_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"linkdesk/sandbox"
)

// webhookSign is a test-only Craftgate webhook signer written from the docs
// (craftgate-notes §6): Base64(HMAC-SHA256(key, eventType+eventTimestamp+status+payloadId)).
func webhookSign(key, eventType string, eventTimestamp int64, status, payloadID string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(eventType + strconv.FormatInt(eventTimestamp, 10) + status + payloadID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestWebhookSignatureVectors(t *testing.T) {
	tests := []struct {
		key, eventType string
		timestamp      int64
		status, id     string
		want           string
	}{
		{"1Q2w3E4r5T6y7U8i9Op", "API_AUTH", 1641018632, "SUCCESS", "2150001", "eNXKxfxUpVmp/wBrNUmOLjNXL0sYl0mh1s/rEB8K8NU="},
		{"Aoh7tReTybO6wOjBmOJFFsOR53SBojEp", "API_VERIFY_AND_AUTH", 1661521221, "SUCCESS", "584", "0wRB5XqWJxwwPbn5Z9TcbHh8EGYFufSYTsRMB74N094="},
	}
	for _, tt := range tests {
		if got := webhookSign(tt.key, tt.eventType, tt.timestamp, tt.status, tt.id); got != tt.want {
			t.Errorf("%s %s: got %s, want %s", tt.eventType, tt.id, got, tt.want)
		}
	}
}

// receivedWebhook is one POST the merchant's endpoint got.
type receivedWebhook struct {
	signature, contentType string
	raw                    []byte
	body                   struct {
		EventType      string
		EventTime      string
		EventTimestamp int64
		Status         string
		PayloadID      string `json:"payloadId"`
	}
}

// webhookReceiver is the merchant's endpoint. It answers statuses in turn, then 200;
// while hold is open it keeps each request waiting until release.
type webhookReceiver struct {
	*httptest.Server
	got chan receivedWebhook

	mu       sync.Mutex
	statuses []int
	hold     chan struct{}
}

func newWebhookReceiver(tb testing.TB, statuses ...int) *webhookReceiver {
	tb.Helper()
	rcv := &webhookReceiver{got: make(chan receivedWebhook, 100), statuses: statuses}
	rcv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		h := receivedWebhook{signature: r.Header.Get("x-cg-signature-v1"), contentType: r.Header.Get("Content-Type"), raw: raw}
		_ = json.Unmarshal(raw, &h.body)
		rcv.mu.Lock()
		status, hold := http.StatusOK, rcv.hold
		if len(rcv.statuses) > 0 {
			status, rcv.statuses = rcv.statuses[0], rcv.statuses[1:]
		}
		rcv.mu.Unlock()
		rcv.got <- h
		if hold != nil {
			<-hold
		}
		w.WriteHeader(status)
	}))
	tb.Cleanup(rcv.Close)
	return rcv
}

// next waits for the next webhook.
func (rcv *webhookReceiver) next(tb testing.TB) receivedWebhook {
	tb.Helper()
	select {
	case h := <-rcv.got:
		return h
	case <-time.After(5 * time.Second):
		tb.Fatal("timed out waiting for a webhook")
		return receivedWebhook{}
	}
}

// waitFor polls cond until it holds or five seconds pass.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

const webhookKey = "whk-sandbox-test"

// fastRetries keeps retry tests quick; the schedule is what is tested, not its length.
var fastRetries = []time.Duration{time.Millisecond, 2 * time.Millisecond}

type deliveryRow struct {
	attempt int
	status  sql.NullInt64
	failure string
}

// eventState reads the newest webhook event with payloadID and its delivery attempts.
func eventState(tb testing.TB, db *sql.DB, payloadID string) (string, []deliveryRow) {
	tb.Helper()
	var (
		id    int64
		state string
	)
	if err := db.QueryRow(`SELECT id, state FROM sandbox_webhook_events WHERE payload_id = ? ORDER BY id DESC LIMIT 1`,
		payloadID).Scan(&id, &state); err != nil {
		tb.Fatalf("read webhook event %s: %v", payloadID, err)
	}
	rows, err := db.Query(`SELECT attempt, status_code, error FROM sandbox_webhook_deliveries WHERE event_id = ? ORDER BY id`, id)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []deliveryRow
	for rows.Next() {
		var d deliveryRow
		if err := rows.Scan(&d.attempt, &d.status, &d.failure); err != nil {
			tb.Fatal(err)
		}
		out = append(out, d)
	}
	return state, out
}

func TestWebhooksOnPaymentsAndRefunds(t *testing.T) {
	rcv := newWebhookReceiver(t)
	srv := MustServe(t, sandbox.Config{CraftgateWebhookURL: rcv.URL + "/callbacks/craftgate", CraftgateWebhookKey: webhookKey})
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	_, _, paid := pay(t, srv, link.Token, payForm(cardSuccess))
	success := rcv.next(t)
	_, _, declined := pay(t, srv, link.Token, payForm(cardInsufficient))
	failure := rcv.next(t)
	rf := decodeRefund(t, refundPayment(t, srv, fmt.Sprintf(`{"paymentId":%d,"refundPrice":4}`, paid), http.StatusOK))
	refund := rcv.next(t)

	tests := []struct {
		name                       string
		got                        receivedWebhook
		eventType, status, payload string
	}{
		{"successful link payment", success, "CHECKOUTFORM_AUTH", "SUCCESS", fmt.Sprint(paid)},
		{"declined link payment", failure, "CHECKOUTFORM_AUTH", "FAILURE", fmt.Sprint(declined)},
		{"refund", refund, "REFUND", "SUCCESS", fmt.Sprint(rf.ID)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.got.body
			if b.EventType != tt.eventType || b.Status != tt.status || b.PayloadID != tt.payload {
				t.Errorf("got %s, want eventType %s status %s payloadId %s", tt.got.raw, tt.eventType, tt.status, tt.payload)
			}
			if b.EventTime != "2026-03-01T09:30:15" || b.EventTimestamp != testStart.Truncate(time.Second).Unix() {
				t.Errorf("got eventTime %s eventTimestamp %d, want the payment's time", b.EventTime, b.EventTimestamp)
			}
			wantKinds(t, "webhook", tt.got.raw, map[string]string{
				"eventType": "string", "eventTime": "string", "eventTimestamp": "number", "status": "string", "payloadId": "string",
			})
			if want := webhookSign(webhookKey, b.EventType, b.EventTimestamp, b.Status, b.PayloadID); tt.got.signature != want {
				t.Errorf("got x-cg-signature-v1 %q, want %q", tt.got.signature, want)
			}
			if tt.got.contentType != "application/json" {
				t.Errorf("got Content-Type %q, want application/json", tt.got.contentType)
			}
		})
	}
}

// A 500 is retried; the 200 after it ends the retries. Both attempts are recorded.
func TestWebhookRetriesUntilDelivered(t *testing.T) {
	rcv := newWebhookReceiver(t, http.StatusInternalServerError)
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "s.db"))
	srv := MustServe(t, sandbox.Config{DB: db, CraftgateWebhookURL: rcv.URL, CraftgateWebhookRetryDelays: fastRetries})
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	_, _, id := pay(t, srv, link.Token, payForm(cardSuccess))
	first, second := rcv.next(t), rcv.next(t)
	if string(first.raw) != string(second.raw) || first.signature != "" {
		t.Errorf("got %s then %s (signature %q), want the same unsigned event twice", first.raw, second.raw, first.signature)
	}
	payload := fmt.Sprint(id)
	waitFor(t, "the event to be delivered", func() bool { s, _ := eventState(t, db, payload); return s == "DELIVERED" })
	_, attempts := eventState(t, db, payload)
	want := []deliveryRow{{1, sql.NullInt64{Int64: 500, Valid: true}, ""}, {2, sql.NullInt64{Int64: 200, Valid: true}, ""}}
	if fmt.Sprint(attempts) != fmt.Sprint(want) {
		t.Errorf("got attempts %v, want %v", attempts, want)
	}
}

// The attempts are bounded: after the schedule runs out the event is FAILED. A network
// error counts like a non-2xx answer and is recorded without a status.
func TestWebhookGivesUp(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close() // nothing listens here any more
	tests := []struct {
		name       string
		url        func(*webhookReceiver) string
		wantStatus sql.NullInt64
	}{
		{"always 503", func(r *webhookReceiver) string { return r.URL }, sql.NullInt64{Int64: 503, Valid: true}},
		{"unreachable", func(*webhookReceiver) string { return down.URL }, sql.NullInt64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newWebhookReceiver(t, 503, 503, 503, 503)
			db := MustOpenDB(t, filepath.Join(t.TempDir(), "s.db"))
			srv := MustServe(t, sandbox.Config{DB: db, CraftgateWebhookURL: tt.url(rcv), CraftgateWebhookRetryDelays: fastRetries})
			link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
			_, _, id := pay(t, srv, link.Token, payForm(cardSuccess))
			payload := fmt.Sprint(id)
			waitFor(t, "the event to fail", func() bool { s, _ := eventState(t, db, payload); return s == "FAILED" })
			_, attempts := eventState(t, db, payload)
			if len(attempts) != len(fastRetries)+1 {
				t.Fatalf("got %d attempts, want %d", len(attempts), len(fastRetries)+1)
			}
			for i, a := range attempts {
				if a.attempt != i+1 || a.status != tt.wantStatus || (a.failure == "") == !tt.wantStatus.Valid {
					t.Errorf("attempt %d: got %+v, want status %v", i+1, a, tt.wantStatus)
				}
			}
		})
	}
}

// The payer's page answers while the merchant's endpoint is still busy with the webhook.
func TestWebhookDoesNotDelayThePayer(t *testing.T) {
	rcv := newWebhookReceiver(t)
	hold := make(chan struct{})
	rcv.mu.Lock()
	rcv.hold = hold
	rcv.mu.Unlock()
	defer close(hold)
	srv := MustServe(t, sandbox.Config{CraftgateWebhookURL: rcv.URL})
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	mustPayLink(t, srv, link.Token) // would time out if the page waited for the webhook
	if h := rcv.next(t); h.body.EventType != "CHECKOUTFORM_AUTH" {
		t.Errorf("got %s, want the payment's webhook", h.raw)
	}
}

// Without a webhook URL no events are recorded.
func TestWebhooksOff(t *testing.T) {
	db := MustOpenDB(t, filepath.Join(t.TempDir(), "s.db"))
	srv := MustServe(t, sandbox.Config{DB: db})
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	mustPayLink(t, srv, link.Token)
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM sandbox_webhook_events`).Scan(&n); err != nil || n != 0 {
		t.Errorf("got %d events (err %v), want none", n, err)
	}
}

// Close stops a delivery waiting for its retry and returns at once; the event stays
// pending, and the next sandbox on the database delivers it.
func TestWebhookCloseAndResume(t *testing.T) {
	rcv := newWebhookReceiver(t, http.StatusInternalServerError)
	path := filepath.Join(t.TempDir(), "s.db")
	db := MustOpenDB(t, path)
	open := func() (*sandbox.Sandbox, *httptest.Server) {
		s, err := sandbox.New(context.Background(), sandbox.Config{DB: db, Now: newClock(testStart).Now,
			CraftgateWebhookURL: rcv.URL, CraftgateWebhookRetryDelays: []time.Duration{time.Hour}})
		if err != nil {
			t.Fatalf("sandbox.New: %v", err)
		}
		srv := httptest.NewServer(s.Handler())
		t.Cleanup(srv.Close)
		return s, srv
	}
	first, srv := open()
	link := mustCreateProduct(t, srv, `{"name":"n","price":10,"currency":"TRY","enabledInstallments":[1]}`)
	_, _, id := pay(t, srv, link.Token, payForm(cardSuccess))
	payload := fmt.Sprint(id)
	rcv.next(t)
	waitFor(t, "the first attempt to be recorded", func() bool { _, a := eventState(t, db, payload); return len(a) == 1 })

	closed := make(chan struct{})
	go func() { _ = first.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a retry was waiting an hour")
	}
	if state, _ := eventState(t, db, payload); state != "PENDING" {
		t.Fatalf("after Close: got state %s, want PENDING", state)
	}

	second, _ := open()
	t.Cleanup(func() { _ = second.Close() })
	if h := rcv.next(t); h.body.PayloadID != payload {
		t.Errorf("resumed: got %s, want payment %s's webhook", h.raw, payload)
	}
	waitFor(t, "the resumed event to be delivered", func() bool { s, _ := eventState(t, db, payload); return s == "DELIVERED" })
	if _, attempts := eventState(t, db, payload); len(attempts) != 2 || attempts[1].attempt != 2 {
		t.Errorf("got attempts %v, want the resumed one numbered 2", attempts)
	}
}
