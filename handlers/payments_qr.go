package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"linkdesk/craftclient"
)

// Pixel sizes of a payment's QR code: big by default, because it is
// scanned across the counter.
const (
	paymentQRSize    = 512
	paymentQRMinSize = 128
	paymentQRMaxSize = 1024
)

// qrImage is an encoded QR code with its validator.
type qrImage struct {
	Data        []byte
	ETag        string // strong, quoted
	ContentType string
}

// qrImages turns a payment's QR detail into an image.
type qrImages struct{}

func newQRImages() *qrImages { return &qrImages{} }

// forPayment returns Paywall's own image as it came, or encodes the text
// or URL Paywall sent.
func (q *qrImages) forPayment(d craftclient.QRDetail, size int) (qrImage, error) {
	if d.Kind() == craftclient.QRContentImage {
		data, mime, err := d.Image()
		if err != nil {
			return qrImage{}, err
		}
		return qrImage{Data: data, ETag: strongETag(data), ContentType: mime}, nil
	}
	data, err := qrcode.Encode(strings.TrimSpace(d.Content), qrcode.Medium, size)
	if err != nil {
		return qrImage{}, fmt.Errorf("payments: encode QR: %w", err)
	}
	return qrImage{Data: data, ETag: strongETag(data), ContentType: "image/png"}, nil
}

func strongETag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// qrSize reads ?size=, clamped to what reads well and stays cheap.
func qrSize(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("size"))
	if err != nil || n == 0 {
		return paymentQRSize
	}
	return min(max(n, paymentQRMinSize), paymentQRMaxSize)
}

// serveImage writes img, or 304 when the browser already has it. A
// payment's QR never changes once issued.
func serveImage(c echo.Context, img qrImage) {
	h := c.Response().Header()
	h.Set("ETag", img.ETag)
	h.Set("Cache-Control", "private, max-age=86400")
	for _, tag := range strings.Split(c.Request().Header.Get("If-None-Match"), ",") {
		if t := strings.TrimSpace(tag); t == "*" || strings.TrimPrefix(t, "W/") == img.ETag {
			c.Response().WriteHeader(http.StatusNotModified)
			return
		}
	}
	h.Set(echo.HeaderContentType, img.ContentType)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(img.Data)))
	c.Response().WriteHeader(http.StatusOK)
	_, _ = c.Response().Write(img.Data)
}
