package store

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"
)

// Callback kinds: the browser form posted to the success or fail URL, or
// the provider's server-to-server JSON notification.
const (
	CallbackKindSuccess = "success"
	CallbackKindFail    = "fail"
	CallbackKindServer  = "server"
)

// MaxCallbackPayload caps the stored payload in bytes. Callback routes are
// public, so a huge body must not become a huge row. Paywall's callbacks
// are well under 1 KiB, so a real one is kept whole, and the start of a
// larger payload is what an operator needs.
const MaxCallbackPayload = 4 << 10

// CallbackRecord is one provider callback as received, accepted or refused.
type CallbackRecord struct {
	ID                 int64
	At                 time.Time
	MerchantUniqueCode string // as sent; may name no payment
	Kind               string // CallbackKindSuccess, CallbackKindFail or CallbackKindServer
	Accepted           bool
	Reason             string // why it was refused, or what it changed
	RemoteIP           string
	Payload            string // the raw body, truncated to MaxCallbackPayload
}

// RecordCallback stores c and sets its ID; a zero At becomes Now().
func (db *DB) RecordCallback(ctx context.Context, c *CallbackRecord) error {
	switch c.Kind {
	case CallbackKindSuccess, CallbackKindFail, CallbackKindServer:
	default:
		return fmt.Errorf("store: record callback: %w", invalidf("unknown kind %q", c.Kind))
	}
	if c.At.IsZero() {
		c.At = db.now()
	}
	c.At = c.At.UTC()
	c.TruncatePayload(MaxCallbackPayload)
	err := db.db.QueryRowContext(ctx, `INSERT INTO callbacks
		(at, merchant_unique_code, kind, accepted, reason, remote_ip, payload)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		formatTime(c.At), c.MerchantUniqueCode, c.Kind, c.Accepted, c.Reason, c.RemoteIP, c.Payload).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("store: record callback for %s: %w", c.MerchantUniqueCode, mapErr(err))
	}
	return nil
}

// TruncatePayload cuts the payload to at most n bytes without splitting a
// character, for a caller that keeps less of it than RecordCallback does.
func (c *CallbackRecord) TruncatePayload(n int) {
	if len(c.Payload) <= n {
		return
	}
	for n > 0 && !utf8.RuneStart(c.Payload[n]) {
		n--
	}
	c.Payload = c.Payload[:n]
}

// CallbacksFor returns the callbacks recorded for a merchant unique code,
// oldest first.
func (db *DB) CallbacksFor(ctx context.Context, merchantUniqueCode string) ([]CallbackRecord, error) {
	records, err := queryAll(ctx, db.db, scanCallback, `SELECT id, at, merchant_unique_code, kind, accepted, reason, remote_ip, payload
		FROM callbacks WHERE merchant_unique_code = ? ORDER BY id`, merchantUniqueCode)
	if err != nil {
		return nil, fmt.Errorf("store: callbacks for %s: %w", merchantUniqueCode, err)
	}
	return records, nil
}

func scanCallback(s rowScanner) (CallbackRecord, error) {
	var (
		c   CallbackRecord
		at  string
		err error
	)
	if err := s.Scan(&c.ID, &at, &c.MerchantUniqueCode, &c.Kind, &c.Accepted, &c.Reason, &c.RemoteIP, &c.Payload); err != nil {
		return CallbackRecord{}, err
	}
	c.At, err = parseTime(at)
	return c, err
}
