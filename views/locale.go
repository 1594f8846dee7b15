package views

import (
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Lang is a UI language. Turkish is the default: the dashboard is used at
// Turkish shop counters first.
type Lang string

const (
	LangTR Lang = "tr"
	LangEN Lang = "en"
)

// Langs lists the supported languages in the order the switcher shows them.
var Langs = []Lang{LangTR, LangEN}

// ParseLang returns the language for a tag such as "en", "en-GB" or "tr-TR".
func ParseLang(tag string) (Lang, bool) {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_;"); i >= 0 {
		tag = tag[:i]
	}
	switch Lang(tag) {
	case LangTR, LangEN:
		return Lang(tag), true
	}
	return "", false
}

// LangFromAcceptLanguage picks the first supported language in an
// Accept-Language header, honouring q-values in their written order (browsers
// send them sorted).
func LangFromAcceptLanguage(header string) (Lang, bool) {
	for _, part := range strings.Split(header, ",") {
		tag, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(q) == "q=0" {
			continue
		}
		if l, ok := ParseLang(tag); ok {
			return l, true
		}
	}
	return "", false
}

// Locale carries the language and formats text, money and dates for it.
// Components receive it as their first parameter.
type Locale struct {
	Lang Lang
}

// NewLocale returns the locale for l, falling back to Turkish.
func NewLocale(l Lang) Locale {
	if l != LangEN {
		l = LangTR
	}
	return Locale{Lang: l}
}

// T returns the message for key. A missing key shows itself, so it is
// noticed in review; a test checks that every key used in the views exists.
func (l Locale) T(key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if l.Lang == LangEN {
		return m.en
	}
	return m.tr
}

// Tf formats the message for key with args (fmt verbs in the catalog).
func (l Locale) Tf(key string, args ...any) string {
	return fmt.Sprintf(l.T(key), args...)
}

// currencySymbols holds the symbols shoppers recognise; other currencies
// show their ISO code.
var currencySymbols = map[string]string{"TRY": "₺", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

// Money formats an amount in the locale's style: Turkish "1.234,56 ₺"
// (the suffix form Turkish shop software uses), English "₺1,234.56".
func (l Locale) Money(amount decimal.Decimal, currency string) string {
	num := l.Number(amount, CurrencyPlaces(currency))
	sym, ok := currencySymbols[currency]
	if l.Lang == LangEN {
		if ok {
			if strings.HasPrefix(num, "-") {
				return "-" + sym + num[1:]
			}
			return sym + num
		}
		return currency + " " + num
	}
	if !ok {
		sym = currency
	}
	return num + " " + sym
}

// Number formats a decimal with fixed places and the locale's separators.
func (l Locale) Number(d decimal.Decimal, places int32) string {
	s := d.StringFixed(places)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	group, point := ",", "."
	if l.Lang == LangTR {
		group, point = ".", ","
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	if frac != "" {
		b.WriteString(point)
		b.WriteString(frac)
	}
	return b.String()
}

var monthsTR = [12]string{"Oca", "Şub", "Mar", "Nis", "May", "Haz", "Tem", "Ağu", "Eyl", "Eki", "Kas", "Ara"}

// Date formats a day: "5 Oca 2026" / "5 Jan 2026".
func (l Locale) Date(t time.Time) string {
	if l.Lang == LangEN {
		return t.Format("2 Jan 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsTR[t.Month()-1], t.Year())
}

// DateTime formats a moment: "5 Oca 2026 14:30" / "5 Jan 2026, 14:30".
func (l Locale) DateTime(t time.Time) string {
	if l.Lang == LangEN {
		return l.Date(t) + ", " + t.Format("15:04")
	}
	return l.Date(t) + " " + t.Format("15:04")
}
