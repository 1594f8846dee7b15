package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Craftgate webhooks (craftgate-notes §6): after each payment and refund the sandbox
// POSTs a JSON event to Config.CraftgateWebhookURL, signed with CraftgateWebhookKey.
// Events are written in the transaction that causes them (an outbox) and delivered in
// the background, so the payer's page never waits; failed deliveries are retried with
// backoff, every attempt is recorded, and Close stops the work. Events still pending
// when the sandbox stops are resumed by the next New on the same database.

// linkPaymentEvent is the sandbox's answer to an open point (craftgate-notes §6, §8: no
// link-specific event is documented): a link payment fires CHECKOUTFORM_AUTH, the event
// of Craftgate's hosted checkout, with payloadId = the payment id and status SUCCESS or
// FAILURE. Correct it here once the live API is known.
const linkPaymentEvent = "CHECKOUTFORM_AUTH"

// refundEvent fires after each refund, with payloadId = the refund id.
const refundEvent = "REFUND"

// webhookSignatureHeader carries Base64(HMAC-SHA256(key, eventType + eventTimestamp +
// status + payloadId)).
const webhookSignatureHeader = "x-cg-signature-v1"

// defaultWebhookRetryDelays are the waits before each retry: six attempts over about
// half a minute.
var defaultWebhookRetryDelays = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}

// Webhook event states in sandbox_webhook_events.
const (
	eventPending   = "PENDING"
	eventDelivered = "DELIVERED"
	eventFailed    = "FAILED"
)

// webhookSignature signs an event as Craftgate does.
func webhookSignature(key, eventType string, eventTimestamp int64, status, payloadID string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(eventType + strconv.FormatInt(eventTimestamp, 10) + status + payloadID))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// webhookBody is the JSON Craftgate POSTs. eventTime is a local date-time without zone;
// the sandbox's is UTC.
type webhookBody struct {
	EventType      string `json:"eventType"`
	EventTime      string `json:"eventTime"`
	EventTimestamp int64  `json:"eventTimestamp"`
	Status         string `json:"status"`
	PayloadID      string `json:"payloadId"`
}

// webhookEvent is one event to deliver.
type webhookEvent struct {
	id       int64
	url      string
	body     webhookBody
	attempts int // made so far
}

// webhooks delivers events. It is safe for concurrent use.
type webhooks struct {
	url, key string
	delays   []time.Duration
	db       *sql.DB
	client   *http.Client
	now      func() time.Time
	log      *slog.Logger

	// ctx bounds the background deliveries, not any request; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newWebhooks(cfg Config, client *http.Client, now func() time.Time, log *slog.Logger) *webhooks {
	ctx, cancel := context.WithCancel(context.Background())
	h := &webhooks{
		url:    cfg.CraftgateWebhookURL,
		key:    cfg.CraftgateWebhookKey,
		delays: cfg.CraftgateWebhookRetryDelays,
		db:     cfg.DB,
		client: client,
		now:    now,
		log:    log,
		ctx:    ctx,
		cancel: cancel,
	}
	if h.delays == nil {
		h.delays = defaultWebhookRetryDelays
	}
	return h
}

// record writes an event in tx, the transaction of the payment or refund it reports,
// and returns it for send once tx commits. It records nothing when no webhook URL is
// configured.
func (h *webhooks) record(ctx context.Context, tx *sql.Tx, eventType, status, payloadID string, at time.Time) (*webhookEvent, error) {
	if h.url == "" {
		return nil, nil
	}
	at = at.UTC().Truncate(time.Second)
	ev := &webhookEvent{url: h.url, body: webhookBody{
		EventType:      eventType,
		EventTime:      at.Format(craftTimeLayout),
		EventTimestamp: at.Unix(),
		Status:         status,
		PayloadID:      payloadID,
	}}
	body, err := json.Marshal(ev.body)
	if err != nil {
		return nil, fmt.Errorf("sandbox: encode webhook: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO sandbox_webhook_events (url, event_type, status, payload_id,
			event_time, event_timestamp, body, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.url, eventType, status, payloadID, ev.body.EventTime, ev.body.EventTimestamp, string(body),
		eventPending, at.Format(dbTimeLayout))
	if err != nil {
		return nil, fmt.Errorf("sandbox: record webhook: %w", err)
	}
	if ev.id, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("sandbox: record webhook: %w", err)
	}
	return ev, nil
}

// send delivers ev in the background. A nil ev, or any ev after Close, is ignored: a
// pending event stays in the database for the next sandbox.
func (h *webhooks) send(ev *webhookEvent) {
	if ev == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.deliver(h.ctx, ev)
	}()
}

// resume sends the events a previous sandbox left pending.
func (h *webhooks) resume(ctx context.Context) error {
	rows, err := h.db.QueryContext(ctx, `SELECT e.id, e.url, e.body,
			(SELECT count(*) FROM sandbox_webhook_deliveries d WHERE d.event_id = e.id)
		FROM sandbox_webhook_events e WHERE e.state = ? ORDER BY e.id`, eventPending)
	if err != nil {
		return fmt.Errorf("sandbox: read pending webhooks: %w", err)
	}
	defer rows.Close()
	var pending []*webhookEvent
	for rows.Next() {
		var (
			ev   webhookEvent
			body []byte
		)
		if err := rows.Scan(&ev.id, &ev.url, &body, &ev.attempts); err != nil {
			return fmt.Errorf("sandbox: read pending webhooks: %w", err)
		}
		if err := json.Unmarshal(body, &ev.body); err != nil {
			return fmt.Errorf("sandbox: webhook %d body: %w", ev.id, err)
		}
		pending = append(pending, &ev)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sandbox: read pending webhooks: %w", err)
	}
	for _, ev := range pending {
		h.send(ev)
	}
	return nil
}

// deliver POSTs ev until the merchant answers 2xx or the attempts run out, waiting
// h.delays between attempts. An attempt cut short by Close is not counted.
func (h *webhooks) deliver(ctx context.Context, ev *webhookEvent) {
	for {
		statusCode, failure := h.post(ctx, ev)
		if ctx.Err() != nil {
			return
		}
		ev.attempts++
		delivered := failure == "" && statusCode >= 200 && statusCode < 300
		state := eventPending
		switch {
		case delivered:
			state = eventDelivered
		case ev.attempts > len(h.delays):
			state = eventFailed
		}
		// Merchants put secrets in webhook URLs, so the log names only the host.
		shown := callbackOrigin(ev.url)
		h.log.InfoContext(ctx, "craftgate webhook sent", "webhook_id", ev.id, "event_type", ev.body.EventType,
			"attempt", ev.attempts, "url", shown, "http_status", statusCode, "err", strings.ReplaceAll(failure, ev.url, shown))
		// The attempt happened, so it is recorded even if Close comes meanwhile.
		if err := h.recordAttempt(context.WithoutCancel(ctx), ev, statusCode, failure, state); err != nil {
			h.log.ErrorContext(ctx, "record craftgate webhook", "webhook_id", ev.id, "err", err)
			return
		}
		if state != eventPending {
			return
		}
		wait := time.NewTimer(h.delays[ev.attempts-1])
		select {
		case <-ctx.Done():
			wait.Stop()
			return
		case <-wait.C:
		}
	}
}

// post sends ev once and returns the HTTP status, or the failure when there is none.
func (h *webhooks) post(ctx context.Context, ev *webhookEvent) (int, string) {
	body, err := json.Marshal(ev.body)
	if err != nil {
		return 0, err.Error()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ev.url, bytes.NewReader(body))
	if err != nil {
		return 0, "invalid webhook URL"
	}
	req.Header.Set("Content-Type", "application/json")
	if h.key != "" {
		req.Header.Set(webhookSignatureHeader, webhookSignature(h.key, ev.body.EventType,
			ev.body.EventTimestamp, ev.body.Status, ev.body.PayloadID))
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, ""
}

// recordAttempt stores one attempt and the event's state after it.
func (h *webhooks) recordAttempt(ctx context.Context, ev *webhookEvent, statusCode int, failure, state string) error {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	code := sql.NullInt64{Int64: int64(statusCode), Valid: failure == ""}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sandbox_webhook_deliveries (event_id, attempt, status_code, error, created_at)
		VALUES (?, ?, ?, ?, ?)`, ev.id, ev.attempts, code, failure, h.now().UTC().Format(dbTimeLayout)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sandbox_webhook_events SET state = ? WHERE id = ?`, state, ev.id); err != nil {
		return err
	}
	return tx.Commit()
}

// close stops the deliveries and waits for them to return.
func (h *webhooks) close() {
	h.mu.Lock()
	h.closed = true
	h.mu.Unlock()
	h.cancel()
	h.wg.Wait()
}
