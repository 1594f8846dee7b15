package web_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"linkdesk/app"
	"linkdesk/handlers"
	"linkdesk/web/webtest"
)

// TestBrowserImportTemplate imports the Turkish template as a shop owner
// would: download it, upload it unchanged, read the preview, start, watch
// the progress bar reach 100 % on its own, and download the report.
func TestBrowserImportTemplate(t *testing.T) {
	ctx := webtest.Browser(t)
	ta := webtest.New(t, webtest.Options{Imports: &app.ImportsConfig{Poll: 100 * time.Millisecond}})
	staff := ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "parola-parola-1")
	resp := ta.As(t, staff).Get(t, "/links/import/template?lang=tr&format=xlsx")
	data, _ := io.ReadAll(resp.Body)
	file := filepath.Join(t.TempDir(), "linkdesk-tr.xlsx")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ck := ta.SessionCookie(t, staff)
	for _, c := range []network.SetCookieParams{
		{Name: ck.Name, Value: ck.Value, URL: ta.URL, HTTPOnly: new(true)},
		{Name: handlers.LangCookie, Value: "tr", URL: ta.URL},
	} {
		if _, err := chromedp.Call(ctx, network.SetCookie, c); err != nil {
			t.Fatal(err)
		}
	}

	open(t, ctx, ta.URL+"/links")
	clickAndLoad(t, ctx, `[data-testid="import-links"]`)
	do(t, ctx, "choose the file", chromedp.SetUploadFiles(chromedp.CSS(`[data-testid="import-file"]`), []string{file}))
	clickAndLoad(t, ctx, `[data-testid="import-upload"]`)
	if got := text(t, ctx, `[data-testid="import-good"]`); !strings.HasPrefix(got, "1 satır") {
		t.Fatalf("preview: %q, want the example row ready", got)
	}
	webtest.Screenshot(t, ctx, "import-01-preview")
	clickAndLoad(t, ctx, `[data-testid="import-start"]`)
	waitFor(t, ctx, "the bar at 100 %", `document.querySelector('[data-testid="import-bar"]')?.dataset.percent === "100"`)
	if got := text(t, ctx, `[data-testid="import-created"]`); got != "Oluşturulan: 1" {
		t.Errorf("created: %q", got)
	}
	webtest.Screenshot(t, ctx, "import-02-done")
	report, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
		var x = new XMLHttpRequest();
		x.open("GET", document.querySelector('[data-testid="import-report"]').href, false);
		x.send();
		return x.status + "\n" + x.responseText;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(report, "200\n") || !strings.Contains(report, "oluşturuldu") || !strings.Contains(report, "/pay/") {
		t.Errorf("report:\n%s", report)
	}
}
