package handlers

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/web/qr"
)

// paymentQRCacheControl keeps a payment's code out of shared caches: it is
// one payment's, behind the sign-in. Browsers may store it but must
// revalidate on every use, which keeps the sign-in and role checks on each
// display and costs only a 304 thanks to the ETag; a fresh-for-minutes
// policy would save little on a screen that loads the image once, and
// would show it from cache after sign-out on a shared counter computer.
const paymentQRCacheControl = "private, no-cache"

// QR serves GET /payments/:code/qr.png?size=N: Paywall's own image as it
// came, or the text or URL it sent encoded through the shared cache. The
// size is clamped like the links' codes; it does not apply to an image.
func (h *Payments) QR(c echo.Context) error {
	p, err := h.payment(c)
	if err != nil {
		return err
	}
	if p.QRContent == "" {
		return errNotFound
	}
	size, err := qrSize(c)
	if err != nil {
		return err
	}
	img, err := h.qrImage(p, size)
	if err != nil {
		return err
	}
	qr.Serve(c.Response(), c.Request(), img, paymentQRCacheControl)
	return nil
}

// qrImage is the provider's own image when the QR detail holds one, else
// a code drawn from its content.
func (h *Payments) qrImage(p *app.Payment, size int) (qr.Image, error) {
	data, mime, ok := h.payments.QRImage(p)
	if !ok { // text or a URL, to draw
		return h.qr.PNG(p.QRContent, size)
	}
	sum := sha256.Sum256(data)
	return qr.Image{Data: data, ETag: `"` + hex.EncodeToString(sum[:16]) + `"`, ContentType: mime}, nil
}
