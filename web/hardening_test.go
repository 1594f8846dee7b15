package web_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

// rawRequest writes head (the request line and headers) and an optional
// start of a body on a fresh connection and returns the status line the
// server answers with, without ever sending the rest of the body.
func rawRequest(t *testing.T, base, head, body string) string {
	t.Helper()
	u, _ := url.Parse(base)
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, head+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	return strings.TrimSpace(line)
}

// TestBodyLimits: a body is bounded before anything reads it, so an
// anonymous request cannot make the server read or keep a large one, and
// multipart is refused where no route takes a file (issue #11, finding 4).
func TestBodyLimits(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	tests := []struct {
		name, head, want string
	}{
		{"200 MB multipart sign-in", "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 209715200\r\n",
			"HTTP/1.1 415"},
		{"1 MB form", "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1048576\r\n",
			"HTTP/1.1 413"},
		{"1 MB callback", "POST /callbacks/paywall/abc/success HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1048576\r\n",
			"HTTP/1.1 413"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Only the head is sent: an answer proves nothing waited for
			// the body.
			if got := rawRequest(t, ta.URL, tt.head, ""); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %s", got, tt.want)
			}
		})
	}
	// A chunked body with no declared length is cut off at the limit.
	big := strings.NewReader("email=" + strings.Repeat("a", 200<<10) + "&password=x")
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/login", io.NopCloser(big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || resp.StatusCode >= 500 {
		t.Errorf("an endless form: status %d, want it refused", resp.StatusCode)
	}
	if n := len(acctAudit(t, ta, "auth.login_failed")); n != 0 {
		t.Errorf("refused bodies wrote %d audit rows, want none", n)
	}
}

// TestLongFieldsAreRefused: every text field has a limit; a sign-in with a
// huge e-mail is refused with the field's message and writes nothing
// (issue #11, finding 1).
func TestLongFieldsAreRefused(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	c := acctAnon(t, ta)
	long := strings.Repeat("a", 300) + "@shop.example"
	resp := c.PostForm(t, "/login", url.Values{"email": {long}, "password": {"whatever it is"}}, "Accept-Language", "en")
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a 300-character e-mail: status %d, want 422", resp.StatusCode)
	}
	if msg := acctText(acctDoc(t, resp), "error-email"); msg == "" {
		t.Error("the e-mail field carries no message")
	}
	if n := len(acctAudit(t, ta, "auth.login_failed")); n != 0 {
		t.Errorf("%d audit rows for a refused form, want none", n)
	}
	// Repeated refusals for one e-mail and address write one row, not one each.
	for range 20 {
		c.PostForm(t, "/login", url.Values{"email": {"owner@shop.example"}, "password": {"a wrong password"}})
	}
	failed, throttled := len(acctAudit(t, ta, "auth.login_failed")), len(acctAudit(t, ta, "auth.login_throttled"))
	if failed != 1 || throttled != 1 {
		t.Errorf("20 wrong passwords wrote %d failure rows and %d throttle rows, want 1 and 1", failed, throttled)
	}
}

// TestLogoutEndsTheSessionOnTheServer: a cookie copied before sign-out is
// of no use after it; "sign out everywhere" ends every session (issue #11,
// finding 3).
func TestLogoutEndsTheSessionOnTheServer(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	staff := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	here := acctSignIn(t, ta, staff.Email, acctPassword)
	copied := acctAnon(t, ta)
	base, _ := url.Parse(ta.URL)
	copied.Jar.SetCookies(base, here.Jar.Cookies(base))
	if resp := copied.Get(t, "/account"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the copied cookie before sign-out: status %d, want 200", resp.StatusCode)
	}
	acctExpectRedirect(t, here.PostForm(t, "/logout", nil), "/login")
	acctExpectRedirect(t, copied.Get(t, "/account"), "/login")
	form := url.Values{"name": {"Sızma"}, "price": {"10"}, "currency": {"TRY"}, "enabledInstallments": {"1"}}
	if resp := copied.PostForm(t, "/links", form); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("creating a link with the copied cookie: %d → %q, want sent to sign in", resp.StatusCode, resp.Header.Get("Location"))
	}

	phone, laptop := acctSignIn(t, ta, staff.Email, acctPassword), acctSignIn(t, ta, staff.Email, acctPassword)
	acctExpectRedirect(t, laptop.PostForm(t, "/account/logout-everywhere", nil), "/login")
	acctExpectRedirect(t, phone.Get(t, "/account"), "/login")
	acctExpectRedirect(t, laptop.Get(t, "/account"), "/login")
	if n := len(acctAudit(t, ta, "auth.logout_everywhere")); n != 1 {
		t.Errorf("%d sign-out-everywhere rows, want 1", n)
	}
}

// TestHTTPSSite: behind https the cookies carry the __Host- prefix and
// Secure, and pages send HSTS; link QR images are private to the browser
// (issue #11, finding 9).
func TestHTTPSSite(t *testing.T) {
	ta := webtest.New(t, webtest.Options{PublicURL: "https://linkdesk.shop.example"})
	resp := acctAnon(t, ta).Get(t, "/login")
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
		t.Errorf("HSTS %q, want a max-age", got)
	}
	var csrf *http.Cookie
	for _, ck := range resp.Cookies() {
		if strings.HasSuffix(ck.Name, "linkdesk_csrf") {
			csrf = ck
		}
	}
	if csrf == nil || csrf.Name != "__Host-linkdesk_csrf" || !csrf.Secure || csrf.Path != "/" || csrf.Domain != "" {
		t.Errorf("CSRF cookie %+v, want __Host-linkdesk_csrf, Secure, Path=/, no Domain", csrf)
	}
	owner := acctUser(t, ta, "owner@shop.example", app.RoleOwner)
	ck, err := ta.Server.SignIn(context.Background(), owner)
	if err != nil || ck.Name != "__Host-linkdesk_session" {
		t.Errorf("session cookie %v, %v; want __Host-linkdesk_session", ck, err)
	}

	plain := webtest.New(t, webtest.Options{})
	if got := acctAnon(t, plain).Get(t, "/login").Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("HSTS %q on a plain-http site, want none", got)
	}
	link, err := plain.Craftgate.Products.Create(context.Background(), craftclient.ProductRequest{Name: "Çay",
		Price: craftclient.NewAmount(decimal.NewFromInt(15)), Currency: craftclient.CurrencyTRY, EnabledInstallments: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	viewer := acctAs(t, plain, acctUser(t, plain, "viewer@shop.example", app.RoleViewer))
	qr := viewer.Get(t, fmt.Sprintf("/links/%d/qr.png", link.ID))
	if cc := qr.Header.Get("Cache-Control"); qr.StatusCode != http.StatusOK || !strings.HasPrefix(cc, "private") || !strings.Contains(qr.Header.Get("Vary"), "Cookie") {
		t.Errorf("link QR: %d, Cache-Control %q, Vary %q; want private and varying with the cookie", qr.StatusCode, cc, qr.Header.Get("Vary"))
	}
}

// TestTimedOutBodyIsLoggedAsClientClosed: a request whose body never
// arrives is logged as 499, not as the 200 nobody received (issue #11,
// finding 8).
func TestTimedOutBodyIsLoggedAsClientClosed(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	srv := httptest.NewUnstartedServer(ta.Server.Handler)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()
	head := "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n"
	rawRequest(t, srv.URL, head, "email=slow")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(ta.Logs.String(), `path=/login status=499`) {
		if time.Now().After(deadline) {
			t.Fatalf("no request logged as 499; log:\n%s", ta.Logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(ta.Logs.String(), `method=POST path=/login status=200`) {
		t.Error("the request was also logged as 200")
	}
}
