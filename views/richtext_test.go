package views_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"linkdesk/views"
)

func richString(t testing.TB, s string) string {
	t.Helper()
	var b bytes.Buffer
	if err := views.RichText(s).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestRichText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "Kahve 1 kg", "Kahve 1 kg"},
		{"bold", "**Ücretsiz** kargo", "<strong>Ücretsiz</strong> kargo"},
		{"two bolds", "**a** ve **b**", "<strong>a</strong> ve <strong>b</strong>"},
		{"newline", "Satır 1\nSatır 2", "Satır 1<br>Satır 2"},
		{"CRLF", "a\r\nb", "a<br>b"},
		{"Craftgate's \\n", `a\nb`, "a<br>b"},
		{"unpaired marker", "5 ** 2", "5 ** 2"},
		{"empty pair", "****", "****"},
		{"bold does not cross lines", "**a\nb**", "**a<br>b**"},
		{"HTML is text", `<script>alert(1)</script>`, "&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"HTML inside bold", `**<img src=x onerror=alert(1)>**`, "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>"},
		{"quotes and ampersands", `"A & B" 'C'`, "&#34;A &amp; B&#34; &#39;C&#39;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := richString(t, tt.in); got != tt.want {
				t.Errorf("RichText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzRichText checks the description renderer with any input, HTML
// injection attempts among the seeds: its output is only text, <strong>
// and <br> (no attribute, no other element, no nesting), and it keeps
// every character typed but the bold markers.
func FuzzRichText(f *testing.F) {
	for _, s := range []string{"**a**", "a\nb", `a\nb`, "<b>x</b>", `**"><script>alert(1)</script>**`,
		"<!-- **x** -->", "&lt;**&amp;**", "*** ** ****", "\r\n**\r\n**", "<br>", "</strong><strong>", "\x00**\xff**"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := richString(t, in)
		nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
		if err != nil {
			t.Fatalf("output %q does not parse: %v", out, err)
		}
		var text strings.Builder
		var walk func(n *html.Node, inBold bool)
		walk = func(n *html.Node, inBold bool) {
			switch {
			case n.Type == html.TextNode:
				text.WriteString(n.Data)
			case n.Type == html.ElementNode && n.Data == "br" && len(n.Attr) == 0:
				text.WriteByte('\n')
			case n.Type == html.ElementNode && n.Data == "strong" && len(n.Attr) == 0 && !inBold && n.FirstChild != nil:
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c, true)
				}
			default:
				t.Fatalf("RichText(%q) = %q: unexpected node %v %q", in, out, n.Type, n.Data)
			}
		}
		for _, n := range nodes {
			walk(n, false)
		}
		// NUL is dropped first (so it cannot split a CRLF), as the renderer does.
		norm := strings.NewReplacer("\r\n", "\n", `\n`, "\n").Replace(strings.ReplaceAll(in, "\x00", ""))
		strip := func(s string) string { return strings.ReplaceAll(s, "*", "") }
		// The HTML parser drops NUL, shows invalid UTF-8 as U+FFFD and a
		// lone \r as a newline, as browsers do: compare what one would show.
		clean := func(s string) string {
			s = strings.NewReplacer("\x00", "", "\r", "\n").Replace(s)
			return strings.ToValidUTF8(s, "\uFFFD")
		}
		if got, want := clean(strip(text.String())), clean(strip(norm)); got != want {
			t.Fatalf("RichText(%q) shows %q, want the text %q", in, got, want)
		}
	})
}
