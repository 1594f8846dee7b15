package app

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an application error; the web layer maps each code to an
// HTTP status and a page, the CLI to an exit status.
type Code string

// Error codes.
const (
	CodeInvalid     Code = "invalid"
	CodeForbidden   Code = "forbidden"
	CodeNotFound    Code = "not_found"
	CodeConflict    Code = "conflict"
	CodeTooMany     Code = "too_many"    // throttled: Error.Wait says for how long
	CodeUnavailable Code = "unavailable" // a dependency cannot answer now
	CodeInternal    Code = "internal"
)

// Error is an application error. Message is a catalog key, so it can be
// shown in the person's language; Fields holds per-field catalog keys for a
// form; Err is the cause, logged but never shown.
type Error struct {
	Code    Code
	Message string
	Fields  FieldErrors
	// Wait is how long a throttled caller must wait (CodeTooMany).
	Wait time.Duration
	Err  error
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if len(e.Fields) > 0 {
		s += fmt.Sprintf(" %v", map[string]string(e.Fields))
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is match an *Error by its code and message, so a
// refusal that wraps its cause (an ErrToggleRefused carrying the
// provider's answer) still is the named error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == e.Message
}

// Errorf returns an *Error with a catalog key as message.
func Errorf(code Code, messageKey string) *Error {
	return &Error{Code: code, Message: messageKey}
}

// invalidFields is the error of an input whose fields break the rules.
func invalidFields(fields FieldErrors) *Error {
	return &Error{Code: CodeInvalid, Message: "error.422", Fields: fields}
}

// ErrorCode returns the code of the *Error in err's chain, or CodeInternal.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorFields returns the field errors of the *Error in err's chain, if any.
func ErrorFields(err error) FieldErrors {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Storage errors: adapters wrap them (errors.Is finds them) so the core
// never sees a driver's own codes.
var (
	// ErrNotFound means the record asked for does not exist.
	ErrNotFound = &Error{Code: CodeNotFound, Message: "error.404"}
	// ErrConflict means a change collides with existing data: a duplicate
	// unique value, or a record that changed meanwhile.
	ErrConflict = &Error{Code: CodeConflict, Message: "error.409"}
	// ErrUnavailable means the database cannot be reached right now.
	ErrUnavailable = &Error{Code: CodeUnavailable, Message: "error.db_unavailable"}
	// ErrBadText refuses text no engine can store alike: bytes that are
	// not UTF-8, or the NUL character (PostgreSQL refuses both).
	ErrBadText = &Error{Code: CodeInvalid, Message: "error.invalid_text"}
)

// FieldErrors maps a field's name to the catalog key of its problem. Only
// the first problem of a field is kept: later ones would repeat what the
// person must fix anyway.
type FieldErrors map[string]string

// Add records key for field unless the field already has a problem.
func (fe *FieldErrors) Add(field, key string) {
	if *fe == nil {
		*fe = FieldErrors{}
	}
	if _, ok := (*fe)[field]; !ok {
		(*fe)[field] = key
	}
}

// err is nil without problems, else the invalid-input error carrying them.
func (fe FieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	return invalidFields(fe)
}
