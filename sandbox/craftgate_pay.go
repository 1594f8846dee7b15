package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skip2/go-qrcode"
)

// The hosted payment page stands in for Craftgate's checkout: it shows the link, takes
// a card, and records the attempt as a payment (craftgate_payment.go). A success bumps
// soldCount and uses up stock; the test cards decide the outcome.

var (
	textLinkNotFound = text{"Ödeme linki bulunamadı.", "Payment link not found."}
	textLinkExpired  = text{"Bu ödeme linkinin süresi doldu.", "This payment link has expired."}
	textLinkPassive  = text{"Bu ödeme linki pasif durumda.", "This payment link is not active."}
	textLinkSoldOut  = text{"Bu ödeme linkinin stoğu tükendi.", "This payment link is sold out."}

	textNameRequired = text{"Kart sahibinin adını girin.", "Enter the cardholder's name."}
	textCardNumber   = text{"Geçerli bir kart numarası girin.", "Enter a valid card number."}
	textExpiryFormat = text{"Son kullanma tarihini AA/YY biçiminde girin.", "Enter the expiry date as MM/YY."}
	textCardExpired  = text{"Kartın son kullanma tarihi geçmiş.", "The card has expired."}
	textCVC          = text{"CVC 3 veya 4 haneli olmalıdır.", "The CVC must have 3 or 4 digits."}
	textInstallment  = text{"Bu linkin sunduğu bir taksit seçin.", "Choose an installment this link offers."}
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

// offeredInstallments are the installment counts a payer may choose; a link without
// enabledInstallments takes single payments.
func (p product) offeredInstallments() []int {
	if len(p.Installments) == 0 {
		return []int{1}
	}
	return p.Installments
}

// cardForm is the payment form as the payer typed it.
type cardForm struct {
	Name, Number, Expiry, CVC, Installment string
}

func readCardForm(r *http.Request) cardForm {
	return cardForm{
		Name:        r.PostFormValue("name"),
		Number:      r.PostFormValue("number"),
		Expiry:      r.PostFormValue("expiry"),
		CVC:         r.PostFormValue("cvc"),
		Installment: r.PostFormValue("installment"),
	}
}

// check validates the form for a link offering installments at now, and returns the
// card or the first problem, in the order of the form's fields.
func (f cardForm) check(now time.Time, installments []int) (card, *text) {
	name := strings.TrimSpace(f.Name)
	if name == "" {
		return card{}, &textNameRequired
	}
	number := strings.NewReplacer(" ", "", "-", "").Replace(f.Number)
	if !validCardNumber(number) {
		return card{}, &textCardNumber
	}
	month, year, ok := parseExpiry(f.Expiry)
	if !ok {
		return card{}, &textExpiryFormat
	}
	// A card is valid through the last day of its expiry month.
	if !now.Before(time.Date(year, time.Month(month)+1, 1, 0, 0, 0, 0, time.UTC)) {
		return card{}, &textCardExpired
	}
	if cvc := strings.TrimSpace(f.CVC); len(cvc) < 3 || len(cvc) > 4 || !allDigits(cvc) {
		return card{}, &textCVC
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.Installment))
	if err != nil || !slices.Contains(installments, n) {
		return card{}, &textInstallment
	}
	return card{holder: name, number: number, installment: n}, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// validCardNumber: 12 to 19 digits passing the Luhn check.
func validCardNumber(number string) bool {
	if len(number) < 12 || len(number) > 19 || !allDigits(number) {
		return false
	}
	sum := 0
	for i := range len(number) {
		d := int(number[len(number)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// parseExpiry reads MM/YY, MM/YYYY or MMYY, with spaces anywhere.
func parseExpiry(v string) (month, year int, ok bool) {
	v = strings.ReplaceAll(v, " ", "")
	m, y, found := strings.Cut(v, "/")
	if !found {
		if len(v) != 4 {
			return 0, 0, false
		}
		m, y = v[:2], v[2:]
	}
	if len(m) < 1 || len(m) > 2 || !allDigits(m) || (len(y) != 2 && len(y) != 4) || !allDigits(y) {
		return 0, 0, false
	}
	month, _ = strconv.Atoi(m)
	year, _ = strconv.Atoi(y)
	if len(y) == 2 {
		year += 2000
	}
	return month, year, month >= 1 && month <= 12
}

type installmentOption struct {
	Value         int
	TR, EN, Total string
	Selected      bool
}

type testCardView struct {
	Number, TR, EN string
}

type linkView struct {
	Title, Name, Description, Price, Currency string
	Installments, Stock, ExpiresAt, Action    string
	SoldCount                                 int64
	Payable                                   bool
	Notice                                    *notice
	Form                                      cardForm
	Options                                   []installmentOption
	TestCards                                 []testCardView
}

// newLinkView shows p, with form's values filled in again (never the CVC).
func newLinkView(p product, form cardForm) linkView {
	v := linkView{
		Title:       p.Name,
		Name:        p.Name,
		Description: p.Description,
		Price:       plainDecimal(p.Price),
		Currency:    p.Currency,
		Action:      craftgatePrefix + "/pay/" + p.Token,
		SoldCount:   p.SoldCount,
		Form:        cardForm{Name: form.Name, Number: form.Number, Expiry: form.Expiry},
	}
	parts := make([]string, 0, len(p.Installments))
	for _, n := range p.offeredInstallments() {
		parts = append(parts, strconv.Itoa(n))
		opt := installmentOption{
			Value:    n,
			TR:       strconv.Itoa(n) + " taksit",
			EN:       strconv.Itoa(n) + " installments",
			Total:    plainDecimal(paidPrice(p.Price, n)) + " " + p.Currency,
			Selected: form.Installment == strconv.Itoa(n),
		}
		if n == 1 {
			opt.TR, opt.EN = "Tek çekim", "single payment"
		}
		v.Options = append(v.Options, opt)
	}
	v.Installments = strings.Join(parts, ", ")
	if p.Stock != nil {
		v.Stock = strconv.FormatInt(*p.Stock, 10)
	}
	if p.ExpiresAt != nil {
		v.ExpiresAt = p.ExpiresAt.Format(craftTimeLayout)
	}
	for _, c := range testCards {
		tc := testCardView{Number: c.number, TR: "Başarılı", EN: "succeeds"}
		if c.decline != nil {
			tc.TR, tc.EN = c.decline.desc.tr, c.decline.desc.en
		}
		v.TestCards = append(v.TestCards, tc)
	}
	return v
}

func (s *Sandbox) linkPage(w http.ResponseWriter, r *http.Request) {
	p, err := findProduct(r.Context(), s.db, "token", r.PathValue("token"))
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	s.renderLink(w, r, p, cardForm{}, nil, s.nowUTC())
}

// renderLink shows p's page: the refusal when p cannot take a payment at now, else the
// form with n (an outcome or a problem) above it, at status.
func (s *Sandbox) renderLink(w http.ResponseWriter, r *http.Request, p product, form cardForm, n *notice, now time.Time) {
	v := newLinkView(p, form)
	status, why, refused := p.refusal(now)
	if refused {
		v.Notice = errorNotice(why)
		s.render(w, r, status, s.pages.link, v)
		return
	}
	v.Payable = true
	v.Notice = n
	if n != nil && n.Kind == "error" {
		status = http.StatusUnprocessableEntity
	}
	s.render(w, r, status, s.pages.link, v)
}

func (s *Sandbox) payLink(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	now := s.nowUTC()
	token := r.PathValue("token")
	p, err := findProduct(ctx, s.db, "token", token)
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	if _, _, refused := p.refusal(now); refused {
		s.renderLink(w, r, p, cardForm{}, nil, now)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	form := readCardForm(r)
	c, problem := form.check(now, p.offeredInstallments())
	if problem != nil {
		s.renderLink(w, r, p, form, errorNotice(*problem), now)
		return
	}
	p, pay, refused, err := s.takeLinkPayment(ctx, token, c, now)
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	if refused { // the link changed since it was read
		s.renderLink(w, r, p, cardForm{}, nil, now)
		return
	}
	s.log.InfoContext(ctx, "link payment", "link_id", p.ID, "payment_id", pay.ID,
		"payment_status", pay.Status, "sold_count", p.SoldCount)
	id := strconv.FormatInt(pay.ID, 10)
	if pay.Status == paymentSuccess {
		v := newLinkView(p, cardForm{})
		v.Notice = okNotice(text{"Ödemeniz alındı. Teşekkürler! Ödeme no: " + id,
			"Payment received. Thank you! Payment id: " + id})
		s.render(w, r, http.StatusOK, s.pages.link, v)
		return
	}
	why := paymentErrors[pay.ErrorCode].desc
	v := newLinkView(p, form)
	v.Payable = true
	v.Notice = errorNotice(text{"Ödeme reddedildi: " + why.tr + " Ödeme no: " + id,
		"Payment declined: " + why.en + " Payment id: " + id})
	s.render(w, r, http.StatusPaymentRequired, s.pages.link, v)
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
