package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
)

// The hosted payment page stands in for Craftgate's: it shows the link and takes a
// simulated payment, which bumps soldCount and uses up stock.

var (
	textLinkNotFound = text{"Ödeme linki bulunamadı.", "Payment link not found."}
	textLinkExpired  = text{"Bu ödeme linkinin süresi doldu.", "This payment link has expired."}
	textLinkPassive  = text{"Bu ödeme linki pasif durumda.", "This payment link is not active."}
	textLinkSoldOut  = text{"Bu ödeme linkinin stoğu tükendi.", "This payment link is sold out."}
	textLinkPaid     = text{"Ödemeniz alındı. Teşekkürler!", "Payment received. Thank you!"}
)

// refusal says why p cannot take a payment at now and with which status: 410 Gone for
// an expired link (permanent), 409 Conflict for PASSIVE or sold out (an update can lift it).
func (p product) refusal(now time.Time) (status int, why text, refused bool) {
	switch {
	case p.ExpiresAt != nil && !now.Before(*p.ExpiresAt):
		return http.StatusGone, textLinkExpired, true
	case p.Status != statusActive:
		return http.StatusConflict, textLinkPassive, true
	case p.Stock != nil && *p.Stock <= 0:
		return http.StatusConflict, textLinkSoldOut, true
	}
	return http.StatusOK, text{}, false
}

type linkView struct {
	Title, Name, Description, Price, Currency string
	Installments, Stock, ExpiresAt, Action    string
	SoldCount                                 int64
	Payable                                   bool
	Notice                                    *notice
}

func newLinkView(p product) linkView {
	v := linkView{
		Title:       p.Name,
		Name:        p.Name,
		Description: p.Description,
		Price:       plainDecimal(p.Price),
		Currency:    p.Currency,
		Action:      craftgatePrefix + "/pay/" + p.Token,
		SoldCount:   p.SoldCount,
	}
	parts := make([]string, len(p.Installments))
	for i, n := range p.Installments {
		parts[i] = strconv.Itoa(n)
	}
	v.Installments = strings.Join(parts, ", ")
	if v.Installments == "" {
		v.Installments = "1"
	}
	if p.Stock != nil {
		v.Stock = strconv.FormatInt(*p.Stock, 10)
	}
	if p.ExpiresAt != nil {
		v.ExpiresAt = p.ExpiresAt.Format(craftTimeLayout)
	}
	return v
}

func (s *Sandbox) linkPage(w http.ResponseWriter, r *http.Request) {
	p, err := findProduct(r.Context(), s.db, "token", r.PathValue("token"))
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	v := newLinkView(p)
	status, why, refused := p.refusal(s.nowUTC())
	if refused {
		v.Notice = errorNotice(why)
	} else {
		v.Payable = true
	}
	s.render(w, r, status, s.pages.link, v)
}

func (s *Sandbox) payLink(w http.ResponseWriter, r *http.Request) {
	now := s.nowUTC()
	p, paid, err := s.takeLinkPayment(r.Context(), r.PathValue("token"), now)
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	v := newLinkView(p)
	if paid {
		s.log.InfoContext(r.Context(), "link paid", "link_id", p.ID, "sold_count", p.SoldCount)
		v.Notice = okNotice(textLinkPaid)
		s.render(w, r, http.StatusOK, s.pages.link, v)
		return
	}
	status, why, refused := p.refusal(now)
	if !refused { // cannot happen: the update's conditions are refusal's negation
		s.linkError(w, r, fmt.Errorf("sandbox: link %d refused a payment without a reason", p.ID))
		return
	}
	v.Notice = errorNotice(why)
	s.render(w, r, status, s.pages.link, v)
}

// takeLinkPayment records one payment if the link can take it, and returns the link as
// it is afterwards. The conditional UPDATE comes first so the transaction holds SQLite's
// write lock before it reads; concurrent payments queue instead of overselling stock.
func (s *Sandbox) takeLinkPayment(ctx context.Context, token string, now time.Time) (product, bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return product{}, false, fmt.Errorf("sandbox: pay link: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	nowText := now.Format(dbTimeLayout)
	res, err := tx.ExecContext(ctx, `UPDATE sandbox_products
		SET sold_count = sold_count + 1, stock = stock - 1, updated_at = ?
		WHERE token = ? AND status = 'ACTIVE' AND (stock IS NULL OR stock > 0)
			AND (expires_at IS NULL OR expires_at > ?)`, nowText, token, nowText)
	if err != nil {
		return product{}, false, fmt.Errorf("sandbox: pay link: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return product{}, false, fmt.Errorf("sandbox: pay link: %w", err)
	}
	p, err := findProduct(ctx, tx, "token", token)
	if err != nil {
		return product{}, false, err
	}
	if err := tx.Commit(); err != nil {
		return product{}, false, fmt.Errorf("sandbox: pay link: commit: %w", err)
	}
	return p, n == 1, nil
}

// linkQR serves the PNG behind qrCodeUrl; it encodes the link's url.
func (s *Sandbox) linkQR(w http.ResponseWriter, r *http.Request) {
	p, err := findProduct(r.Context(), s.db, "token", r.PathValue("token"))
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	png, err := qrcode.Encode(linkURL(s.baseURL(r), p.Token), qrcode.Medium, 256)
	if err != nil {
		s.linkError(w, r, fmt.Errorf("sandbox: encode QR for link %d: %w", p.ID, err))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

func (s *Sandbox) linkError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errProductNotFound) {
		s.renderMessage(w, r, http.StatusNotFound, "Bulunamadı / Not found", errorNotice(textLinkNotFound))
		return
	}
	s.renderInternal(w, r, err)
}
