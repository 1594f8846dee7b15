package handlers

import (
	"context"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
)

// WebhookService judges Craftgate's webhooks (*app.Sales).
type WebhookService interface {
	ReceiveWebhook(ctx context.Context, in app.WebhookInput) (app.WebhookVerdict, error)
}

// maxWebhookBytes bounds what is read of a webhook: Craftgate's are a few
// hundred bytes.
const maxWebhookBytes = 16 << 10

// webhookSignatureHeader carries Craftgate's signature of a webhook.
const webhookSignatureHeader = "x-cg-signature-v1"

// webhookStatus is the HTTP status of each refusal; acceptances are 200.
// Craftgate retries anything but 2xx, which is what a refusal of reporting
// being unavailable, or not knowing the payment yet, wants.
var webhookStatus = map[string]int{
	app.WebhookMalformed:   http.StatusBadRequest,
	app.WebhookForged:      http.StatusUnauthorized,
	app.WebhookUnknown:     http.StatusNotFound,
	app.WebhookUnavailable: http.StatusServiceUnavailable,
}

// Webhooks receives Craftgate's webhooks at POST /callbacks/craftgate.
type Webhooks struct{ core WebhookService }

// NewWebhooks returns the webhook handler.
func NewWebhooks(core WebhookService) *Webhooks { return &Webhooks{core: core} }

// Craftgate judges one webhook and answers with a status and a code.
func (h *Webhooks) Craftgate(c echo.Context) error {
	r := c.Request()
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxWebhookBytes+1))
	in := app.WebhookInput{
		Body: body, Signature: r.Header.Get(webhookSignatureHeader), RemoteIP: c.RealIP(),
		ReadFailed: readErr != nil || len(body) > maxWebhookBytes,
	}
	v, err := h.core.ReceiveWebhook(r.Context(), in)
	if err != nil {
		return err
	}
	log := LoggerFrom(c).With("payment", v.Payment, "reason", v.Reason, "remote_ip", in.RemoteIP)
	if v.Accepted {
		log.Info("craftgate webhook accepted")
		return c.String(http.StatusOK, v.Reason)
	}
	log.Warn("craftgate webhook refused")
	status := webhookStatus[v.Reason]
	if status == 0 {
		status = http.StatusBadRequest
	}
	return c.String(status, v.Reason)
}
