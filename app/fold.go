package app

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// FoldName is a name as link searches compare it: lower case by Turkish
// rules, without accents, and with every i (i, ı, İ, I) the same letter, so
// "cay" finds "Çay" and "ilik" finds "Ilık" whatever keyboard typed them.
// Folding works letter by letter, so a name containing a text still
// contains it folded: a search over folded names finds at least what a
// case-sensitive one would.
func FoldName(s string) string {
	s = strings.ToLowerSpecial(unicode.TurkishCase, s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // a combining accent: ç is c + U+0327
		case r == 'ı':
			b.WriteRune('i')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
