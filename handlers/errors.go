package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"linkdesk/app"
	"linkdesk/views"
)

// statusByCode maps the core's error codes to HTTP statuses.
var statusByCode = map[app.Code]int{
	app.CodeInvalid:     http.StatusBadRequest,
	app.CodeForbidden:   http.StatusForbidden,
	app.CodeNotFound:    http.StatusNotFound,
	app.CodeConflict:    http.StatusConflict,
	app.CodeTooMany:     http.StatusTooManyRequests,
	app.CodeUnavailable: http.StatusServiceUnavailable,
	app.CodeInternal:    http.StatusInternalServerError,
}

// statusByKind maps provider failures to what the person sees: a timeout
// is the provider being slow (504), no connection the provider being away
// (503), anything else a bad gateway.
var statusByKind = map[app.ProviderErrorKind]int{
	app.ProviderTimeout:     http.StatusGatewayTimeout,
	app.ProviderUnreachable: http.StatusServiceUnavailable,
	app.ProviderNotFound:    http.StatusNotFound,
	app.ProviderBadAnswer:   http.StatusBadGateway,
	app.ProviderRefused:     http.StatusBadGateway,
	app.ProviderFailedCall:  http.StatusBadGateway,
}

// Problem is how an error is shown: a status, a catalog key and an optional
// verbatim detail such as the provider's error code.
type Problem struct {
	Status  int
	Message string // catalog key
	Detail  string // the provider's error code, if any
}

// Error lets a Problem be returned where the refusal is known before any
// handler runs, such as a body over its route's limit.
func (p *Problem) Error() string { return fmt.Sprintf("%d %s", p.Status, p.Message) }

// Info is p as the person reads it: the message in their language and the
// provider's code to quote to support.
func (p Problem) Info(l views.Locale) views.ErrorInfo {
	info := views.ErrorInfo{Status: p.Status, Message: l.T(p.Message)}
	if p.Detail != "" {
		info.Detail = l.Tf("error.upstream_code", p.Detail)
	}
	return info
}

// Explain classifies any error a handler returns into what the person
// sees. Provider errors name the provider's code so support can look it
// up; internal errors say nothing about their cause.
func Explain(err error) Problem {
	var (
		appErr  *app.Error
		httpErr *echo.HTTPError
		problem *Problem
	)
	// The core's own error names the problem first: it may wrap the
	// provider's refusal that caused it.
	switch {
	case errors.As(err, &problem):
		return *problem
	case errors.As(err, &appErr):
		status, ok := statusByCode[appErr.Code]
		if !ok {
			status = http.StatusInternalServerError
		}
		msg := appErr.Message
		if msg == "" {
			msg = fmt.Sprintf("error.%d", status)
		}
		return Problem{Status: status, Message: msg}
	case errors.As(err, &httpErr):
		return Problem{Status: httpErr.Code, Message: fmt.Sprintf("error.%d", httpErr.Code)}
	}
	if pe, ok := app.AsProviderError(err); ok {
		status := statusByKind[pe.Kind]
		return Problem{Status: status, Message: fmt.Sprintf("error.%d", status), Detail: pe.Code}
	}
	return Problem{Status: http.StatusInternalServerError, Message: "error.500"}
}

// problemInfo is how an upstream failure is shown inside a page.
func problemInfo(c echo.Context, err error) views.ErrorInfo {
	p := Explain(err)
	LoggerFrom(c).Warn("provider call failed", "status", p.Status, "err", err)
	return p.Info(LocaleFrom(c))
}

// errBadForm is returned when a form body cannot be parsed at all.
var errBadForm = app.Errorf(app.CodeInvalid, "error.400")

// errNotFound is the page that does not exist.
var errNotFound = app.Errorf(app.CodeNotFound, "error.404")
