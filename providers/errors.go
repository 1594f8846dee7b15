// Package providers adapts the craftclient SDK to the core's provider
// interfaces (app.LinkProvider, app.PaymentProvider): it converts wire
// types to the core's types and classifies every client error, in one
// place, into an *app.ProviderError the pages can explain.
package providers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"

	"linkdesk/app"
	"linkdesk/craftclient"
)

// classify turns an error of craftclient into an *app.ProviderError; a
// cancelled context or nil passes through unchanged.
func classify(provider string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	pe := &app.ProviderError{Provider: provider, Err: err}
	var (
		apiErr *craftclient.APIError
		ve     *craftclient.ValidationError
		netErr net.Error
	)
	switch {
	case errors.As(err, &ve):
		// The client refused to send it: nothing happened upstream.
		pe.Kind, pe.Field, pe.Description = app.ProviderRefused, ve.Field, ve.Message
	case craftclient.IsTimeout(err):
		pe.Kind = app.ProviderTimeout
	case errors.Is(err, craftclient.ErrMalformedResponse):
		pe.Kind = app.ProviderBadAnswer
	case errors.As(err, &apiErr):
		pe.Code, pe.Description, pe.Field, pe.Status = apiErr.Code, apiErr.Description, apiErr.Field, apiErr.HTTPStatus
		switch {
		case craftclient.IsNotFound(err):
			pe.Kind = app.ProviderNotFound
		case craftclient.IsValidation(err):
			pe.Kind = app.ProviderRefused
		case apiErr.HTTPStatus >= http.StatusInternalServerError && apiErr.Code == "":
			pe.Kind = app.ProviderBadAnswer
		default:
			pe.Kind = app.ProviderFailedCall
		}
	case errors.As(err, &netErr), errors.Is(err, io.ErrUnexpectedEOF):
		pe.Kind = app.ProviderUnreachable
	default:
		pe.Kind = app.ProviderBadAnswer
	}
	return pe
}
