package views

import (
	"context"
	"io"
	"strings"

	"github.com/a-h/templ"
)

// RichText renders a link description the way Craftgate's payment page
// formats it: **bold** and line breaks (a newline, or the two characters
// \n that Craftgate documents), everything else as escaped text. A "**"
// without its partner on the same line stays as typed. The output holds
// no markup but <strong> and <br>: the text is escaped before any tag is
// written, so nothing a person types can become HTML.
func RichText(s string) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, richHTML(s))
		return err
	})
}

// walkRich reads a description into its pieces: text (as typed), bold
// text and line breaks. A "**" closes at the next "**" on its line; an
// empty pair ("****") and a lone "**" are text. NUL characters, which
// browsers drop, are dropped first, so "**\x00**" is no empty bold.
func walkRich(s string, text, bold func(string), br func()) {
	s = strings.ReplaceAll(s, "\x00", "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, `\n`, "\n")
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			br()
		}
		for {
			open := strings.Index(line, "**")
			if open < 0 {
				break
			}
			rest := line[open+2:]
			end := strings.Index(rest, "**")
			if end < 0 {
				break
			}
			text(line[:open])
			if end == 0 {
				text("****")
			} else {
				bold(rest[:end])
			}
			line = rest[end+2:]
		}
		text(line)
	}
}

func richHTML(s string) string {
	var b strings.Builder
	walkRich(s,
		func(t string) { b.WriteString(templ.EscapeString(t)) },
		func(t string) { b.WriteString("<strong>" + templ.EscapeString(t) + "</strong>") },
		func() { b.WriteString("<br>") })
	return b.String()
}
