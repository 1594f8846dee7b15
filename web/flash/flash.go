// Package flash keeps one-time messages ("Payment link created.") in a signed
// cookie between a POST and the page its redirect shows.
package flash

import (
	"encoding/json"
	"net/http"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

// Kind is how a message looks.
type Kind string

const (
	KindSuccess Kind = "success"
	KindInfo    Kind = "info"
	KindError   Kind = "error"
)

// Message is one flash message, already in the user's language.
type Message struct {
	Kind Kind   `json:"k"`
	Text string `json:"t"`
	Undo *Undo  `json:"u,omitempty"`
}

// Undo is what a message offers to put back: the links a deactivation
// changed, reactivated by one button beside the message, and the page to
// return to afterwards.
type Undo struct {
	Links []int64 `json:"l"`
	Next  string  `json:"n"`
}

// MaxUndoLinks bounds the links one undo names: messages travel in a
// cookie (4 kB with its signature), and a thousand ids would not fit.
// Beyond it the message offers no undo; the list's bulk activate remains.
const MaxUndoLinks = 100

const (
	valuesKey = "m"
	storeKey  = "linkdesk.flash.store"
)

// box is where a request's flashes are kept: the store and the cookie name.
type box struct {
	store sessions.Store
	name  string
}

// Middleware makes the cookie store, with the cookie's name, available to
// Add, Peek and Clear.
func Middleware(store sessions.Store, cookieName string) echo.MiddlewareFunc {
	b := box{store: store, name: cookieName}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			c.Set(storeKey, b)
			return next(c)
		}
	}
}

func session(c echo.Context) *sessions.Session {
	b, ok := c.Get(storeKey).(box)
	if !ok {
		return nil
	}
	// A tampered or expired cookie yields a fresh session: flashes are
	// best-effort and must never fail a request.
	s, _ := b.store.Get(c.Request(), b.name)
	return s
}

func read(s *sessions.Session) []Message {
	raw, _ := s.Values[valuesKey].(string)
	if raw == "" {
		return nil
	}
	var msgs []Message
	if json.Unmarshal([]byte(raw), &msgs) != nil {
		return nil
	}
	return msgs
}

func save(c echo.Context, s *sessions.Session) {
	s.Options.HttpOnly = true
	s.Options.SameSite = http.SameSiteLaxMode
	s.Options.Path = "/"
	_ = s.Save(c.Request(), c.Response())
}

// Add queues a message for the next page shown to this browser.
func Add(c echo.Context, kind Kind, text string) { add(c, Message{Kind: kind, Text: text}) }

// SuccessUndo queues a success message offering u; with no links, or more
// than MaxUndoLinks, it is a plain success message.
func SuccessUndo(c echo.Context, text string, u Undo) {
	m := Message{Kind: KindSuccess, Text: text}
	if len(u.Links) > 0 && len(u.Links) <= MaxUndoLinks {
		m.Undo = &u
	}
	add(c, m)
}

func add(c echo.Context, m Message) {
	s := session(c)
	if s == nil {
		return
	}
	msgs := append(read(s), m)
	b, _ := json.Marshal(msgs)
	s.Values[valuesKey] = string(b)
	save(c, s)
}

// Success queues a success message.
func Success(c echo.Context, text string) { Add(c, KindSuccess, text) }

// Error queues an error message.
func Error(c echo.Context, text string) { Add(c, KindError, text) }

// Peek returns the queued messages without removing them.
func Peek(c echo.Context) []Message {
	s := session(c)
	if s == nil {
		return nil
	}
	return read(s)
}

// Clear removes the queued messages once they have been shown.
func Clear(c echo.Context) {
	s := session(c)
	if s == nil || len(read(s)) == 0 {
		return
	}
	delete(s.Values, valuesKey)
	s.Options.MaxAge = -1
	save(c, s)
}
