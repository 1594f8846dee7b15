package web_test

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"linkdesk/app"
	"linkdesk/web/webtest"
)

// clientHeader lets the test play several clients behind one proxy: the
// proxy reports it as the client's address, as nginx reports $remote_addr.
const clientHeader = "X-Test-Client"

// behindProxy starts a reverse proxy in front of the app that sets
// X-Forwarded-For to the client's address (taken from clientHeader, since
// every test client comes from the loopback address).
func behindProxy(t *testing.T, ta *webtest.App) string {
	t.Helper()
	target, _ := url.Parse(ta.URL)
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Header.Set("X-Forwarded-For", r.In.Header.Get(clientHeader))
		r.Out.Header.Del(clientHeader)
	}}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

func loopbackNet() []*net.IPNet {
	_, n, _ := net.ParseCIDR("127.0.0.1/32")
	return []*net.IPNet{n}
}

// TestBehindTrustedProxy: behind a proxy Linkdesk trusts, each client is
// known by its own address, so one client's wrong passwords do not lock
// out another and the audit log names the client, not the proxy.
func TestBehindTrustedProxy(t *testing.T) {
	ta := webtest.New(t, webtest.Options{TrustedProxies: loopbackNet()})
	u := acctUser(t, ta, "staff@shop.example", app.RoleStaff)
	proxy := behindProxy(t, ta)
	login := func(client, password string) int {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, Timeout: acctPatience, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		base, _ := url.Parse(proxy)
		jar.SetCookies(base, []*http.Cookie{{Name: "linkdesk_csrf", Value: "proxy-test-csrf-token-0123456789", Path: "/"}})
		form := url.Values{"email": {u.Email}, "password": {password}, "_csrf": {"proxy-test-csrf-token-0123456789"}}
		req, _ := http.NewRequest(http.MethodPost, proxy+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(clientHeader, client)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range app.LoginMaxFailures {
		login("203.0.113.7", "not the password")
	}
	if got := login("203.0.113.7", acctPassword); got != http.StatusTooManyRequests {
		t.Errorf("the guessing client with the right password: status %d, want 429", got)
	}
	if got := login("198.51.100.20", acctPassword); got != http.StatusSeeOther {
		t.Errorf("another client behind the same proxy: status %d, want 303 (signed in)", got)
	}
	failed := acctAudit(t, ta, "auth.login_failed")
	signedIn := acctAudit(t, ta, "auth.login")
	if len(failed) != 1 || failed[0].IP != "203.0.113.7" || len(signedIn) != 1 || signedIn[0].IP != "198.51.100.20" {
		t.Errorf("audit rows %+v and %+v, want the clients' own addresses", failed, signedIn)
	}
}

// TestSpoofedForwardedFor: from an address Linkdesk does not trust,
// X-Forwarded-For is ignored, whatever it says.
func TestSpoofedForwardedFor(t *testing.T) {
	_, elsewhere, _ := net.ParseCIDR("10.9.9.9/32")
	for _, trusted := range [][]*net.IPNet{nil, {elsewhere}} {
		ta := webtest.New(t, webtest.Options{TrustedProxies: trusted})
		acctUser(t, ta, "staff@shop.example", app.RoleStaff)
		c := acctAnon(t, ta)
		for range app.LoginMaxFailures + 1 {
			c.PostForm(t, "/login", url.Values{"email": {"staff@shop.example"}, "password": {"not the password"}},
				"X-Forwarded-For", "203.0.113."+time.Now().Format("05"))
		}
		if rows := acctAudit(t, ta, "auth.login_failed"); len(rows) != 1 || rows[0].IP != "127.0.0.1" {
			t.Errorf("trusting %v: audit rows %+v, want one from the connection's own address", trusted, rows)
		}
		resp := c.PostForm(t, "/login", url.Values{"email": {"staff@shop.example"}, "password": {acctPassword}}, "X-Forwarded-For", "198.51.100.1")
		if resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("trusting %v: a new spoofed address escaped the throttle (status %d)", trusted, resp.StatusCode)
		}
	}
}
