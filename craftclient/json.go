package craftclient

import (
	"strconv"
	"unicode/utf8"
)

// This file writes request bodies without encoding/json's reflection. The
// bytes must be exactly what json.Marshal writes for the same fields (a
// fuzz test compares them), so the body signed and sent does not depend on
// which encoder produced it.

// jsonAppender is a request body that writes its own JSON. Craftgate.send
// prefers it to json.Marshal, which would call MarshalJSON and then scan
// and compact the result once more.
type jsonAppender interface {
	appendJSON(dst []byte) []byte
}

// jsonObject writes the members of one JSON object in order.
type jsonObject struct {
	b     []byte
	empty bool
}

func newJSONObject(dst []byte) jsonObject {
	return jsonObject{b: append(dst, '{'), empty: true}
}

// key writes the member name; name must need no escaping.
func (o *jsonObject) key(name string) {
	if !o.empty {
		o.b = append(o.b, ',')
	}
	o.empty = false
	o.b = append(o.b, '"')
	o.b = append(o.b, name...)
	o.b = append(o.b, '"', ':')
}

func (o *jsonObject) string(name, value string) {
	o.key(name)
	o.b = appendJSONString(o.b, value)
}

// stringOmitEmpty is a string field tagged omitempty.
func (o *jsonObject) stringOmitEmpty(name, value string) {
	if value != "" {
		o.string(name, value)
	}
}

func (o *jsonObject) int(name string, n int64) {
	o.key(name)
	o.b = strconv.AppendInt(o.b, n, 10)
}

func (o *jsonObject) bool(name string, v bool) {
	o.key(name)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *jsonObject) amount(name string, a Amount) {
	o.key(name)
	o.b = a.appendJSON(o.b)
}

func (o *jsonObject) dateTime(name string, d DateTime) {
	o.key(name)
	o.b = d.appendJSON(o.b)
}

// ints writes a JSON array; nil is written as [] (callers that want null
// or omission decide before calling).
func (o *jsonObject) ints(name string, ns []int) {
	o.key(name)
	o.b = append(o.b, '[')
	for i, n := range ns {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = strconv.AppendInt(o.b, int64(n), 10)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) end() []byte { return append(o.b, '}') }

const hexDigits = "0123456789abcdef"

// appendJSONString writes s as encoding/json does by default: quotes,
// backslashes and control characters escaped, <, > and & as \u003c, \u003e
// and \u0026, U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '\\', '"':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
