package handlers

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"linkdesk/craftclient"
	"linkdesk/views"
)

// Code classifies an application error; the central error handler maps each
// code to an HTTP status and a page.
type Code string

const (
	CodeInvalid   Code = "invalid"
	CodeForbidden Code = "forbidden"
	CodeNotFound  Code = "not_found"
	CodeConflict  Code = "conflict"
	CodeInternal  Code = "internal"
)

// Error is an application error whose Message is a catalog key, so it can be
// shown in the user's language, and Err the cause, logged but never shown.
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// NewError returns an *Error with a catalog key as message.
func NewError(code Code, messageKey string) *Error {
	return &Error{Code: code, Message: messageKey}
}

// ErrorCode returns the code of an *Error in err's chain, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// statusByCode maps application codes to HTTP statuses.
var statusByCode = map[Code]int{
	CodeInvalid:   http.StatusBadRequest,
	CodeForbidden: http.StatusForbidden,
	CodeNotFound:  http.StatusNotFound,
	CodeConflict:  http.StatusConflict,
	CodeInternal:  http.StatusInternalServerError,
}

// Problem is how an error is shown: a status, a catalog key and an optional
// verbatim detail such as the provider's error code.
type Problem struct {
	Status  int
	Message string // catalog key
	Detail  string // the provider's error code, if any
}

// Info is p as the person reads it: the message in their language and the
// provider's code to quote to support.
func (p Problem) Info(l views.Locale) views.ErrorInfo {
	info := views.ErrorInfo{Status: p.Status, Message: l.T(p.Message)}
	if p.Detail != "" {
		info.Detail = l.Tf("error.upstream_code", p.Detail)
	}
	return info
}

// Explain classifies any error a handler returns into what the user sees.
// Provider errors name the provider's code so support can look it up;
// internal errors say nothing about their cause.
func Explain(err error) Problem {
	var appErr *Error
	var httpErr *echo.HTTPError
	var apiErr *craftclient.APIError
	switch {
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
	case craftclient.IsTimeout(err):
		return Problem{Status: http.StatusGatewayTimeout, Message: "error.504"}
	case errors.Is(err, craftclient.ErrMalformedResponse):
		return Problem{Status: http.StatusBadGateway, Message: "error.502"}
	case errors.As(err, &apiErr):
		if craftclient.IsNotFound(err) {
			return Problem{Status: http.StatusNotFound, Message: "error.404", Detail: apiErr.Code}
		}
		return Problem{Status: http.StatusBadGateway, Message: "error.502", Detail: apiErr.Code}
	case isNetError(err):
		return Problem{Status: http.StatusServiceUnavailable, Message: "error.503"}
	}
	return Problem{Status: http.StatusInternalServerError, Message: "error.500"}
}

func isNetError(err error) bool {
	var netErr net.Error // *net.OpError is one
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF)
}
