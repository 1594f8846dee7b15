package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/web/webtest"
)

// plantedErrors are rows that break one rule each, by the line they go on.
var plantedErrors = map[int][]string{
	10:  {"", "10", "TRY", "1"},                    // no name
	50:  {"Bozuk fiyat", "on lira", "TRY", "1"},    // price not a number
	90:  {"Sıfır", "0", "TRY", "1"},                // price not positive
	130: {"Dev", "1000000000000", "TRY", "1"},      // too large
	170: {"Para", "10", "XYZ", "1"},                // unknown currency
	210: {"Taksit", "10", "TRY", "13"},             // installment out of range
	250: {"Taksitsiz", "10", "TRY", ""},            // no installment
	290: {"Stok", "10", "TRY", "1", "0"},           // stock below 1
	330: {"Stok yazı", "10", "TRY", "1", "çok"},    // stock not a number
	370: {"Sipariş", "10", "TRY", "1", "5", "S-1"}, // order id needs stock 1
	410: {"Geçmiş", "10", "TRY", "1", "", "", "01.01.2020"},
	450: {"Tarih", "10", "TRY", "1", "", "", "yarın"},
	490: {"Durum", "10", "TRY", "1", "", "", "", "belki"},
	530: {strings.Repeat("u", app.MaxLinkNameLen+1), "10", "TRY", "1"},
	570: {"Uzun kanal", "10", "TRY", "1", "", "", "", "", strings.Repeat("k", app.MaxLinkChannelLen+1)},
	610: {"Negatif", "-5", "TRY", "1"},
	650: {"Boş fiyat", "", "TRY", "1"},
	690: {"Yen kuruş", "10,5", "JPY", "1"},
	730: {"Taksit yazı", "10", "TRY", "bir"},
	770: {"Çift", "10", "TRY", "1", "", "", "", "", "", "ÜRÜN-0005"}, // external id of line 6
}

// importCSV is a Turkish-Excel CSV of n data rows: good ones, except on
// the planted lines. Line 1 is the header, so row i is on line i+1.
func importCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeffAd;Tutar;Para birimi;Taksit seçenekleri;Stok;Sipariş no;Son geçerlilik;Durum;Kanal;Harici no\n")
	for i := 1; i <= n; i++ {
		line := i + 1
		cells, bad := plantedErrors[line]
		if !bad {
			cells = []string{fmt.Sprintf("Ürün %d", i), fmt.Sprintf("%d,50", 10+i%90), "TRY", "1,3", "", "", "", "Aktif", "mağaza",
				fmt.Sprintf("ÜRÜN-%04d", line)}
		}
		for len(cells) < 10 {
			cells = append(cells, "")
		}
		for j, c := range cells {
			if strings.ContainsAny(c, ";\"") {
				cells[j] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
		}
		b.WriteString(strings.Join(cells, ";") + "\n")
	}
	return b.Bytes()
}

// upload posts a file to the import form and returns the response.
func upload(t *testing.T, c *webtest.Client, name string, data []byte) *http.Response {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("_csrf", c.CSRF())
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(data)
	_ = w.Close()
	return c.Do(t, http.MethodPost, "/links/import", strings.NewReader(body.String()), "Content-Type", w.FormDataContentType())
}

// previewOf uploads a file and follows the redirect to its preview.
func previewOf(t *testing.T, c *webtest.Client, data []byte) (string, *goquery.Document) {
	t.Helper()
	resp := upload(t, c, "ürünler.csv", data)
	if resp.StatusCode != http.StatusSeeOther {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %d\n%s", resp.StatusCode, b)
	}
	page := resp.Header.Get("Location")
	return page, acctDoc(t, c.Get(t, page))
}

// waitDone waits for the workers to finish an import.
func waitDone(t *testing.T, ta *webtest.App, page string) *app.ImportJob {
	t.Helper()
	id, _ := strconv.ParseInt(page[strings.LastIndex(page, "/")+1:], 10, 64)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		job, err := ta.Core.Imports.Job(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if job.State == app.ImportDone {
			return job
		}
		if time.Now().After(deadline) {
			t.Fatalf("import not done: %+v", job.Counts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countLinks(t *testing.T, ta *webtest.App) int64 {
	t.Helper()
	page, err := ta.Craftgate.Products.Search(context.Background(), craftclient.ProductSearchRequest{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	return page.TotalSize
}

func TestImportThousandRows(t *testing.T) {
	ta := webtest.New(t, webtest.Options{Imports: &app.ImportsConfig{Poll: 100 * time.Millisecond}})
	c := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "parola-parola-1"))
	file := importCSV(1000)

	page, doc := previewOf(t, c, file)
	var lines []int
	doc.Find("[data-testid=import-problem]").Each(func(_ int, s *goquery.Selection) {
		n, _ := strconv.Atoi(s.AttrOr("data-line", ""))
		lines = append(lines, n)
	})
	var want []int
	for line := range plantedErrors {
		want = append(want, line)
	}
	slices.Sort(want)
	if !slices.Equal(lines, want) {
		t.Fatalf("preview lists lines %v, want the planted %v", lines, want)
	}
	if got := doc.Find("[data-testid=import-good]").Text(); !strings.Contains(got, "980") {
		t.Errorf("preview says %q, want 980 good rows", got)
	}
	if n := countLinks(t, ta); n != 0 {
		t.Fatalf("the preview created %d links", n)
	}

	resp := c.PostForm(t, page+"/start", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	job := waitDone(t, ta, page)
	if job.Counts.Created != 980 || job.Counts.Refused+job.Counts.Failed+job.Counts.Exists != 0 {
		t.Fatalf("first import: %+v, want 980 created", job.Counts)
	}
	if n := countLinks(t, ta); n != 980 {
		t.Fatalf("provider has %d links, want 980", n)
	}

	// The report names every created link with its URL.
	report := c.Get(t, page+"/report.csv")
	b, _ := io.ReadAll(report.Body)
	if got := strings.Count(string(b), "/pay/"); report.StatusCode != http.StatusOK || got < 980 {
		t.Errorf("report: %d with %d link URLs", report.StatusCode, got)
	}

	// The same file again: the preview knows the rows, the import creates none.
	again, doc := previewOf(t, c, file)
	if got := doc.Find("[data-testid=import-known]").Text(); !strings.Contains(got, "980") {
		t.Errorf("re-import preview says %q, want 980 known rows", got)
	}
	c.PostForm(t, again+"/start", nil)
	job = waitDone(t, ta, again)
	if job.Counts.Created != 0 || job.Counts.Exists != 980 {
		t.Errorf("re-import: %+v, want none created and 980 skipped", job.Counts)
	}
	if n := countLinks(t, ta); n != 980 {
		t.Errorf("after re-importing, provider has %d links, want 980", n)
	}
	if n := len(auditRows(t, ta, "link.import")); n != 2 {
		t.Errorf("%d import audit rows, want 2", n)
	}
}

func auditRows(t *testing.T, ta *webtest.App, action string) []app.AuditEvent {
	t.Helper()
	evs, _, err := ta.Core.Audit.List(context.Background(), app.AuditFilter{Action: action, Limit: app.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestImportRefusesBadFiles(t *testing.T) {
	ta := webtest.New(t, webtest.Options{})
	c := ta.As(t, ta.CreateUser(t, "kasa@example.com", app.RoleStaff, "parola-parola-1"))
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"binary", []byte("\x89PNG\r\n\x1a\n\x00\x00"), "tablo dosyası değil"},
		{"windows-1254", []byte("Ad;Tutar\n\xc7ay;5\n"), "UTF-8 değil (2. satır)"},
		{"no name column", []byte("Tutar;Para birimi\n5;TRY\n"), "Ad sütunu yok"},
		{"formula", []byte("Ad;Tutar\nÇay;=2*3\n"), "2. satırda formül"},
		{"unknown column", []byte("Ad;Fiyatt\nÇay;5\n"), "“Fiyatt”"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := upload(t, c, "x.csv", tt.data)
			if resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", resp.StatusCode)
			}
			msg := acctDoc(t, resp).Find("[data-testid=import-error]").Text()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q, want it to say %q", msg, tt.want)
			}
		})
	}
	// An 11 MB file is refused before it is read: the client waits for
	// "100 Continue" and gets the refusal instead.
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/links/import", bytes.NewReader(make([]byte, app.MaxImportBytes+maxFormSlack)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("Expect", "100-continue")
	big := &http.Client{Jar: c.Jar, Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	if resp, err := big.Do(req); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("an 11 MB file: got %v %v, want 413", resp, err)
	}
	jobs, _ := ta.Core.Imports.Jobs(context.Background(), 10)
	if len(jobs) != 0 || countLinks(t, ta) != 0 {
		t.Errorf("refused files left %d jobs", len(jobs))
	}
}

// maxFormSlack is more than the multipart wrapping the upload limit allows.
const maxFormSlack = 1 << 20
