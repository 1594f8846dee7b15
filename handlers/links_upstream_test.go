package handlers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"linkdesk/web/webtest"
)

// faultCraftgate is a scripted Craftgate: answer decides each response and
// calls counts requests by method.
type faultCraftgate struct {
	*httptest.Server
	calls map[string]*atomic.Int64
}

func newFaultCraftgate(tb testing.TB, answer func(w http.ResponseWriter, r *http.Request)) *faultCraftgate {
	tb.Helper()
	f := &faultCraftgate{calls: map[string]*atomic.Int64{}}
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		f.calls[m] = &atomic.Int64{}
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n, ok := f.calls[r.Method]; ok {
			n.Add(1)
		}
		answer(w, r)
	}))
	tb.Cleanup(f.Close)
	return f
}

// blockUntilGone answers nothing until the client gives up: a timeout. The
// body is read first: only then does the server watch the connection and
// cancel the request's context when the client hangs up.
func blockUntilGone(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// htmlError is what a proxy in front of the API sends on a crash.
func htmlError(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusInternalServerError)
	w.Write([]byte("<html><body><h1>500 Internal Server Error</h1></body></html>"))
}

// cannedLink answers GET /craftlink/v1/products/7 with a link.
const cannedLink = `{"data":{"id":7,"name":"Kahve","description":"d","status":"ACTIVE","price":10,"currency":"TRY",
"stock":null,"soldCount":0,"token":"t","enabledInstallments":[1],"url":"https://pay.example/t","channel":"kasa",
"conversationId":"CONV","externalId":"EXT","multiPayment":false,"expiresAt":null}}`

func answerRetrieve(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/craftlink/v1/products/7") {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(cannedLink))
		return true
	}
	return false
}

func TestLinksIndexUpstreamFailure(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name    string
		url     func(t *testing.T) string
		status  int
		message string
	}{
		{"timeout", func(t *testing.T) string { return newFaultCraftgate(t, blockUntilGone).URL }, http.StatusGatewayTimeout, "zamanında yanıt vermedi"},
		{"500 not JSON", func(t *testing.T) string { return newFaultCraftgate(t, htmlError).URL }, http.StatusBadGateway, "beklenmeyen bir yanıt"},
		{"unreachable", func(*testing.T) string { return closed.URL }, http.StatusServiceUnavailable, "ulaşılamıyor"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newLinksEnv(t, webtest.Options{CraftgateURL: tt.url(t), ClientTimeout: 300 * time.Millisecond})
			doc, _ := page(t, env.viewer.Get(t, "/links?name=kahve&currency=TRY"), tt.status)
			problem := doc.Find(testid("links-problem"))
			if !strings.Contains(problem.Find(testid("error-message")).Text(), tt.message) {
				t.Errorf("message: got %q, want it to say %q", problem.Text(), tt.message)
			}
			if got, _ := problem.Find(testid("links-retry")).Attr("href"); got != "/links?currency=TRY&name=kahve" {
				t.Errorf("retry link: got %q", got)
			}
			if got, _ := doc.Find(testid("link-search")).Attr("value"); got != "kahve" {
				t.Errorf("filters not kept: name %q", got)
			}
			if doc.Find(testid("export-csv")).Length() != 0 {
				t.Error("CSV download offered while the list cannot be read")
			}

			resp := env.viewer.Get(t, "/links?name=kahve", hx...)
			frag, html := page(t, resp, tt.status)
			wantFragment(t, resp, html)
			if frag.Find(testid("links-problem")).Length() != 1 {
				t.Errorf("fragment lacks the problem: %s", excerpt(html))
			}
		})
	}
}

func TestLinksCreateUpstreamFailure(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(w http.ResponseWriter, r *http.Request)
		status   int
		mayExist bool
	}{
		{"timeout", blockUntilGone, http.StatusGatewayTimeout, true},
		{"500 not JSON", htmlError, http.StatusBadGateway, true},
		{"503 envelope", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"errors":{"errorCode":"1099","errorDescription":"bakımda"}}`))
		}, http.StatusBadGateway, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cg := newFaultCraftgate(t, tt.answer)
			env := newLinksEnv(t, webtest.Options{CraftgateURL: cg.URL, ClientTimeout: 300 * time.Millisecond})
			form := with(linkForm("Kahve", "1.234,56"), "stock", "3")
			doc, _ := page(t, env.staff.PostForm(t, "/links", form), tt.status)
			if got := cg.calls["POST"].Load(); got != 1 {
				t.Errorf("got %d upstream creates, want exactly 1 (never retried)", got)
			}
			if doc.Find(testid("form-problem")).Length() != 1 {
				t.Fatal("no problem shown on the form")
			}
			if got := doc.Find(testid("may-exist")).Length() == 1; got != tt.mayExist {
				t.Errorf("may-exist warning shown = %v, want %v", got, tt.mayExist)
			}
			if got, _ := doc.Find(testid("check-list")).Attr("href"); got != "/links?name=Kahve" {
				t.Errorf("check-list link: got %q", got)
			}
			for field, want := range map[string]string{"name": "Kahve", "price": "1.234,56", "stock": "3", "channel": "kasa"} {
				if got, _ := doc.Find(testid("input-" + field)).Attr("value"); got != want {
					t.Errorf("%s not kept: got %q, want %q", field, got, want)
				}
			}
			if n := len(auditEvents(t, env.ta, "link.create")); n != 0 {
				t.Errorf("got %d audit rows for a failed create", n)
			}

			resp := env.staff.PostForm(t, "/links", form, hx...)
			_, html := page(t, resp, tt.status)
			wantFragment(t, resp, html)
		})
	}
}

func TestLinksCreateProviderRefusal(t *testing.T) {
	cg := newFaultCraftgate(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write([]byte(`{"errors":{"errorCode":"2003","errorDescription":"Fiyat sıfırdan büyük olmalıdır"}}`))
	})
	env := newLinksEnv(t, webtest.Options{CraftgateURL: cg.URL})
	doc, _ := page(t, env.staff.PostForm(t, "/links", linkForm("Kahve", "12,50")), http.StatusUnprocessableEntity)
	if got := doc.Find(testid("provider-code")).Text(); got != "Sağlayıcı kodu: 2003" {
		t.Errorf("provider code: got %q", got)
	}
	if got := doc.Find(testid("provider-error")).Text(); !strings.Contains(got, "Fiyat sıfırdan büyük olmalıdır") {
		t.Errorf("provider text: got %q", got)
	}
	if doc.Find(testid("error-price")).Length() != 1 {
		t.Error("the refused field is not marked")
	}
	if got, _ := doc.Find(testid("input-price")).Attr("value"); got != "12,50" {
		t.Errorf("price not kept: got %q", got)
	}
	if doc.Find(testid("may-exist")).Length() != 0 {
		t.Error("a refused create must not say the link may exist")
	}

	// A code the form cannot place still reaches the summary.
	cg2 := newFaultCraftgate(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write([]byte(`{"errors":{"errorCode":"4999","errorDescription":"Bilinmeyen kural"}}`))
	})
	env = newLinksEnv(t, webtest.Options{CraftgateURL: cg2.URL})
	doc, _ = page(t, env.staff.PostForm(t, "/links", linkForm("Kahve", "12,50")), http.StatusUnprocessableEntity)
	if got := doc.Find(testid("provider-code")).Text(); got != "Sağlayıcı kodu: 4999" {
		t.Errorf("unplaced provider code: got %q", got)
	}
}

func TestLinksUpdateUpstreamFailure(t *testing.T) {
	tests := []struct {
		name   string
		put    func(w http.ResponseWriter, r *http.Request)
		status int
		code   string
	}{
		{"500 not JSON", htmlError, http.StatusBadGateway, ""},
		{"timeout", blockUntilGone, http.StatusGatewayTimeout, ""},
		{"refused", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnprocessableEntity)
			w.Write([]byte(`{"errors":{"errorCode":"2010","errorDescription":"orderId için stok 1 olmalı"}}`))
		}, http.StatusUnprocessableEntity, "2010"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cg := newFaultCraftgate(t, func(w http.ResponseWriter, r *http.Request) {
				if !answerRetrieve(w, r) {
					tt.put(w, r)
				}
			})
			env := newLinksEnv(t, webtest.Options{CraftgateURL: cg.URL, ClientTimeout: 300 * time.Millisecond})
			form := with(linkForm("Yeni ad", "99,90"), "status", "PASSIVE")
			doc, _ := page(t, env.staff.PostForm(t, "/links/7", form), tt.status)
			if got, _ := doc.Find(testid("input-name")).Attr("value"); got != "Yeni ad" {
				t.Errorf("name not kept: got %q", got)
			}
			if _, ok := doc.Find(testid("status-PASSIVE")).Attr("checked"); !ok {
				t.Error("status not kept")
			}
			if tt.code != "" {
				if got := doc.Find(testid("provider-code")).Text(); !strings.Contains(got, tt.code) {
					t.Errorf("provider code: got %q", got)
				}
				if doc.Find(testid("error-orderId")).Length() != 1 {
					t.Error("code 2010 not placed on orderId")
				}
			} else if doc.Find(testid("form-problem")).Length() != 1 || doc.Find(testid("may-exist")).Length() != 0 {
				t.Error("want the problem alert without the create warning")
			}
			if got := cg.calls["PUT"].Load(); got != 1 {
				t.Errorf("got %d updates, want 1", got)
			}
		})
	}
}

func TestLinksStatusUpstreamFailure(t *testing.T) {
	cg := newFaultCraftgate(t, func(w http.ResponseWriter, r *http.Request) {
		if !answerRetrieve(w, r) {
			htmlError(w, r)
		}
	})
	env := newLinksEnv(t, webtest.Options{CraftgateURL: cg.URL})
	resp := env.staff.PostForm(t, "/links/7/status", url.Values{"status": {"PASSIVE"}}, hx...)
	doc, html := page(t, resp, http.StatusBadGateway)
	if got := resp.Header.Get("HX-Retarget"); got != "#flash" {
		t.Errorf("HX-Retarget: got %q, want #flash", got)
	}
	if doc.Find(testid("error-alert")).Length() != 1 || strings.Contains(html, "<html") {
		t.Errorf("want the error alert fragment: %s", excerpt(html))
	}
	if n := len(auditEvents(t, env.ta, "link.status")); n != 0 {
		t.Errorf("got %d audit rows for a failed change", n)
	}
}
