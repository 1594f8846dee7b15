package sandbox

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are the small hosted HTML pages: the payment-link page, the wallet simulator
// and a plain message page. Each shares templates/layout.html.
type pages struct {
	link, wallet, message *template.Template
}

func parsePages() (*pages, error) {
	parse := func(name string) (*template.Template, error) {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		return t, nil
	}
	var (
		p   pages
		err error
	)
	if p.link, err = parse("link.html"); err != nil {
		return nil, err
	}
	if p.wallet, err = parse("wallet.html"); err != nil {
		return nil, err
	}
	if p.message, err = parse("message.html"); err != nil {
		return nil, err
	}
	return &p, nil
}

// notice is a bilingual status line on a page; Kind is "ok" or "error".
type notice struct {
	Kind   string
	TR, EN string
}

func okNotice(t text) *notice    { return &notice{"ok", t.tr, t.en} }
func errorNotice(t text) *notice { return &notice{"error", t.tr, t.en} }

type messageView struct {
	Title  string
	Notice *notice
}

// render writes a page with status; it buffers first so a template error can still
// become a clean 500.
func (s *Sandbox) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, data any) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "path", r.URL.Path, "err", err)
		http.Error(w, "sandbox: render page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderMessage writes a page carrying only a notice, e.g. "not found".
func (s *Sandbox) renderMessage(w http.ResponseWriter, r *http.Request, status int, title string, n *notice) {
	s.render(w, r, status, s.pages.message, messageView{Title: title, Notice: n})
}

// renderInternal is the page for an unexpected error; the error is logged, not shown.
func (s *Sandbox) renderInternal(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "sandbox page failed", "path", r.URL.Path, "err", err)
	s.renderMessage(w, r, http.StatusInternalServerError, "Hata / Error",
		errorNotice(text{"Beklenmeyen bir hata oluştu.", "An unexpected error occurred."}))
}
