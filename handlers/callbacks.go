package handlers

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/views"
)

// CallbackService judges provider callbacks (*app.Payments).
type CallbackService interface {
	ReceiveCallback(ctx context.Context, in app.CallbackInput) (app.Verdict, error)
}

// maxCallbackBytes bounds what is read of a callback: Paywall's are well
// under 1 KiB.
const maxCallbackBytes = 16 << 10

// Callbacks receives Paywall's results, posted to the URLs given when each
// payment started. The core judges them; this answers a browser in words
// and a server with a status and a code.
type Callbacks struct {
	site Site
	core CallbackService
}

// NewCallbacks returns the callback handlers.
func NewCallbacks(site Site, core CallbackService) *Callbacks {
	return &Callbacks{site: site, core: core}
}

// Success receives a result posted to the success URL.
func (h *Callbacks) Success(c echo.Context) error { return h.receive(c, app.CallbackKindSuccess) }

// Fail receives a result posted to the fail URL.
func (h *Callbacks) Fail(c echo.Context) error { return h.receive(c, app.CallbackKindFail) }

// verdictStatus is the HTTP status of each refusal; acceptances are 200.
var verdictStatus = map[string]int{
	"unknown_token":        http.StatusNotFound,
	"malformed":            http.StatusBadRequest,
	"code_mismatch":        http.StatusBadRequest,
	"amount_mismatch":      http.StatusBadRequest,
	"transaction_mismatch": http.StatusBadRequest,
	"status_mismatch":      http.StatusBadRequest,
	"hash_invalid":         http.StatusForbidden,
	"already_final":        http.StatusConflict,
	"not_confirmed":        http.StatusConflict,
	"confirm_unavailable":  http.StatusServiceUnavailable,
}

func (h *Callbacks) receive(c echo.Context, kind string) error {
	r := c.Request()
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxCallbackBytes+1))
	in := app.CallbackInput{
		Token: c.Param("token"), Kind: kind, Body: body, ContentType: r.Header.Get(echo.HeaderContentType),
		RemoteIP: c.RealIP(), ReadFailed: readErr != nil || len(body) > maxCallbackBytes,
	}
	v, err := h.core.ReceiveCallback(r.Context(), in)
	if err != nil {
		return err
	}
	log := LoggerFrom(c).With("payment", v.Payment, "kind", kind, "reason", v.Reason, "remote_ip", in.RemoteIP)
	if v.Accepted {
		log.Info("payment callback accepted")
	} else {
		log.Warn("payment callback refused")
	}
	return h.answer(c, v)
}

// answer tells a browser in words and a server in a status and a code.
func (h *Callbacks) answer(c echo.Context, v app.Verdict) error {
	status := http.StatusOK
	if !v.Accepted {
		status = verdictStatus[v.Reason]
		if status == 0 {
			status = http.StatusBadRequest
		}
	}
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMETextHTML) {
		outcome := "refused"
		if v.Accepted {
			outcome = string(v.Outcome)
		}
		page := views.CallbackResultPage(h.site.Meta(c, "", "callback.title"), views.CallbackResult{Outcome: outcome})
		return render(c, status, page, nil)
	}
	if v.Accepted {
		return c.String(http.StatusOK, "OK")
	}
	return c.String(status, v.Reason)
}
