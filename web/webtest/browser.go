package webtest

// Browser tests use chromedp ≥ 0.20, whose API differs from most examples
// online: chromedp.Do(ctx, actions...) runs actions that return nothing,
// chromedp.Run(ctx, action) runs one action and returns its value
// (Text, Value, Evaluate[T], FullScreenshot(quality)); selectors are typed
// (chromedp.CSS("[data-testid=x]"), chromedp.ID("name")); protocol commands
// go through chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{…});
// events are iterators (chromedp.Events(ctx, page.JavascriptDialogOpening)).
// See the module's docs/API.md.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"linkdesk/app"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium (or $CHROMIUM).
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser starts a headless Chromium for one test and returns its context.
// Without Chromium the test is skipped, except under CI, where it fails:
// browser tests must run there.
func Browser(tb testing.TB) context.Context {
	tb.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			tb.Fatal("CI is set but no Chromium was found: install Debian's chromium")
		}
		tb.Skip("no Chromium found; browser tests skipped (they run under CI)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(tb.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// A whole browser flow gets two minutes; a hung page fails the test
	// instead of hanging CI.
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	tb.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	// An empty navigation starts the browser now, so a start failure is
	// reported here and not in the middle of a flow.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// SignIn gives the browser the app's sign-in cookie for u.
func (a *App) SignIn(tb testing.TB, ctx context.Context, u *app.User) {
	tb.Helper()
	ck := a.SessionCookie(tb, u)
	httpOnly := true
	_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{
		Name: ck.Name, Value: ck.Value, URL: a.URL + "/", HTTPOnly: &httpOnly,
	})
	if err != nil {
		tb.Fatalf("set session cookie: %v", err)
	}
}

// AcceptDialogs answers every confirm() and alert() in the tab with OK, as
// a person confirming a delete would. It runs until ctx ends.
func AcceptDialogs(ctx context.Context) {
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}

// Screenshot saves a full-page PNG under screenshots/ (git-ignored) beside
// the test, for a person to look at after a run.
func Screenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll("screenshots", 0o755); err != nil {
		tb.Logf("screenshot dir: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join("screenshots", name+".png"), png, 0o644); err != nil {
		tb.Logf("screenshot %s: %v", name, err)
	}
}
