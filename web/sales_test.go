package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"linkdesk/app"
	"linkdesk/craftclient"
	"linkdesk/server"
	"linkdesk/web/webtest"
)

// Issue #12 over real HTTP: a payer pays a link on the sandbox's hosted
// page, the sandbox posts its signed webhook to /callbacks/craftgate, and
// the link's page, the overview and /sales show the payment.

// Test cards of the sandbox's hosted page.
const (
	cardOK       = "5528790000000008"
	cardDeclined = "4111111111111129"
)

// salesApp starts a dashboard with an owner, a staff member and a viewer.
// dropWebhooks points the sandbox's webhooks at a closed port, so they
// are lost and only the catch-up finds the payments.
func salesApp(t *testing.T, dropWebhooks bool) (ta *webtest.App, owner, staff, viewer *webtest.Client) {
	t.Helper()
	opts := webtest.Options{}
	if dropWebhooks {
		opts.CallbackURL = "http://127.0.0.1:1"
	}
	return salesAppWith(t, opts)
}

func salesAppWith(t *testing.T, opts webtest.Options) (ta *webtest.App, owner, staff, viewer *webtest.Client) {
	t.Helper()
	ta = webtest.New(t, opts)
	owner = ta.As(t, acctUser(t, ta, "owner@shop.example", app.RoleOwner))
	staff = ta.As(t, acctUser(t, ta, "staff@shop.example", app.RoleStaff))
	viewer = ta.As(t, acctUser(t, ta, "viewer@shop.example", app.RoleViewer))
	return ta, owner, staff, viewer
}

// lateEveningUTC is a clock that runs from 22:30 UTC of today.
func lateEveningUTC() func() time.Time {
	start := time.Now()
	evening := time.Date(start.Year(), start.Month(), start.Day(), 22, 30, 0, 0, time.UTC)
	return func() time.Time { return evening.Add(time.Since(start)) }
}

// payLink pays link id on the sandbox's hosted page with card, as a payer's
// browser posts the form, and returns Craftgate's payment id (the newest).
func payLink(t *testing.T, ta *webtest.App, id, card string) int64 {
	t.Helper()
	ctx := context.Background()
	n, _ := strconv.ParseInt(id, 10, 64)
	link, err := ta.Craftgate.Products.Retrieve(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(link.URL)
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"name": {"Ayşe Yılmaz"}, "number": {card}, "expiry": {"12/40"}, "cvc": {"123"}, "installment": {"1"}}
	resp := ta.Anonymous(t).Do(t, http.MethodPost, u.Path, strings.NewReader(form.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPaymentRequired {
		t.Fatalf("pay link %s with %s: got %d", id, card, resp.StatusCode)
	}
	page, err := ta.Craftgate.Payments.SearchPayments(ctx, craftclient.PaymentSearchRequest{PaymentSource: craftclient.PaymentSourcePayByLink, Size: 1})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("newest link payment: got %v, %v", page, err)
	}
	return page.Items[0].ID
}

// waitRecorded waits until payment id is in the local record: the
// sandbox delivers its webhook in the background, as Craftgate does.
func waitRecorded(t *testing.T, ta *webtest.App, id int64) *app.LinkPayment {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, err := ta.Core.Sales.Payment(context.Background(), id)
		if err == nil {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment %d never recorded: %v", id, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func salesDoc(t *testing.T, c *webtest.Client, path string, want int) *goquery.Document {
	t.Helper()
	resp := c.Get(t, path)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: got %d, want %d", path, resp.StatusCode, want)
	}
	return acctDoc(t, resp)
}

func TestSalesLinkPaymentByWebhook(t *testing.T) {
	ta, owner, staff, viewer := salesApp(t, false)
	id := mustPostLink(t, staff, url.Values{"name": {"Çay"}, "price": {"100"}, "currency": {"TRY"}, "enabledInstallments": {"1"}, "stock": {"10"}})
	paymentID := payLink(t, ta, id, cardOK)
	if p := waitRecorded(t, ta, paymentID); p.Status != app.PaymentStatusPaid || strconv.FormatInt(p.LinkID, 10) != id {
		t.Fatalf("recorded: got %+v, want paid through link %s", *p, id)
	}
	ref := strconv.FormatInt(paymentID, 10)

	for name, c := range map[string]*webtest.Client{"owner": owner, "staff": staff, "viewer": viewer} {
		doc := salesDoc(t, c, "/links/"+id, http.StatusOK)
		row := doc.Find(`[data-testid="link-payment-row"][data-ref="` + ref + `"]`)
		if row.Length() != 1 || acctText(doc, "link-payment-payer") != "Ayşe Yılmaz" || acctText(doc, "link-payment-status") != "Ödendi" {
			t.Errorf("%s: link page lacks the payment: %q", name, doc.Find(`[data-testid="link-sales"]`).Text())
		}
		if got := acctText(doc, "link-revenue"); got != "100,00 ₺" {
			t.Errorf("%s: link revenue: got %q, want 100,00 ₺", name, got)
		}
		if got := acctText(doc, "link-sold-stock"); got != "1 / 9" {
			t.Errorf("%s: sold / stock: got %q, want 1 / 9", name, got)
		}
		if refunds := doc.Find(`[data-testid="link-payment-refund"]`).Length(); (refunds == 1) != (name == "owner") {
			t.Errorf("%s: %d refund buttons", name, refunds)
		}
		home := salesDoc(t, c, "/", http.StatusOK)
		today := home.Find(`[data-testid="stat-TRY-1"]`)
		if got := strings.TrimSpace(today.Find(`[data-testid="revenue-link"]`).Text()); got != "100,00 ₺" {
			t.Errorf("%s: overview today by links: got %q, want 100,00 ₺", name, got)
		}
		if home.Find(`[data-testid="latest-sales"] [data-ref="`+ref+`"]`).Length() != 1 {
			t.Errorf("%s: overview's latest payments lack it", name)
		}
		if home.Find(`[data-testid="top-links-TRY"] a[href="/links/`+id+`"]`).Length() != 1 {
			t.Errorf("%s: overview's top links lack Çay", name)
		}
		sales := salesDoc(t, c, "/sales?source=link", http.StatusOK)
		if sales.Find(`[data-testid="sale-row"][data-ref="`+ref+`"]`).Length() != 1 {
			t.Errorf("%s: /sales lacks it", name)
		}
	}
	list := salesDoc(t, viewer, "/links", http.StatusOK)
	if got := strings.TrimSpace(list.Find(`tr[data-link-id="` + id + `"] [data-testid="link-revenue"]`).Text()); got != "100,00 ₺" {
		t.Errorf("links list revenue: got %q, want 100,00 ₺", got)
	}

	resp := viewer.Get(t, "/sales/export.csv?source=link")
	body := acctBody(t, resp)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "\ufeffsource,ref,created_at") ||
		!strings.Contains(body, "link,"+ref+",") || !strings.Contains(body, ",Çay,,100.00,0.00,TRY,paid,1,Ayşe Yılmaz,") {
		t.Errorf("CSV export: got %d\n%s", resp.StatusCode, body)
	}
	if r := viewer.Get(t, "/sales/link/"+ref+"/refund"); r.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's refund form: got %d, want 403", r.StatusCode)
	}
	if r := staff.PostForm(t, "/sales/link/"+ref+"/refund", url.Values{"amount": {"10"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("staff's refund: got %d, want 403", r.StatusCode)
	}
}

func TestSalesDeclinedCardIsAFailedAttempt(t *testing.T) {
	ta, owner, _, _ := salesApp(t, false)
	id := mustPostLink(t, owner, url.Values{"name": {"Çay"}, "price": {"100"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	paymentID := payLink(t, ta, id, cardDeclined)
	if p := waitRecorded(t, ta, paymentID); p.Status != app.PaymentStatusFailed || p.ErrorGroup != "DO_NOT_HONOUR" {
		t.Fatalf("declined: got %+v", *p)
	}
	doc := salesDoc(t, owner, "/links/"+id, http.StatusOK)
	if got := acctText(doc, "link-revenue"); got != "0,00 ₺" {
		t.Errorf("link revenue after a decline: got %q, want 0,00 ₺", got)
	}
	if acctText(doc, "link-payment-status") != "Başarısız" || doc.Find(`[data-testid="link-payment-refund"]`).Length() != 0 {
		t.Errorf("declined row: status %q, refundable", acctText(doc, "link-payment-status"))
	}
	home := salesDoc(t, owner, "/", http.StatusOK)
	today := home.Find(`[data-testid="stat-TRY-1"]`)
	if got := strings.TrimSpace(today.Find(`[data-testid="revenue"]`).Text()); got != "0,00 ₺" {
		t.Errorf("overview today: got %q, want 0,00 ₺", got)
	}
	if got := strings.TrimSpace(today.Find(`[data-testid="counts"]`).Text()); got != "0 ödeme · 0 iade · 1 başarısız deneme" {
		t.Errorf("overview counts: got %q", got)
	}
	sales := salesDoc(t, owner, "/sales?status=failed", http.StatusOK)
	if sales.Find(`[data-testid="sale-row"][data-status="failed"]`).Length() != 1 {
		t.Error("/sales?status=failed lacks the declined attempt")
	}
}

func TestSalesCatchUpFindsLostWebhook(t *testing.T) {
	ta := webtest.New(t, webtest.Options{CallbackURL: "http://127.0.0.1:1", SyncInterval: 50 * time.Millisecond})
	owner := ta.As(t, acctUser(t, ta, "owner@shop.example", app.RoleOwner))
	id := mustPostLink(t, owner, url.Values{"name": {"Çay"}, "price": {"100"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	first := payLink(t, ta, id, cardOK)
	if _, err := ta.Core.Sales.Payment(context.Background(), first); err == nil {
		t.Fatal("the payment is recorded though its webhook went to a closed port")
	}
	// The server's catch-up loop, as main runs it: its first pass finds
	// the first payment, a later pass the second.
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ta.Core.Sales.Run(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	second := payLink(t, ta, id, cardOK)

	deadline := time.Now().Add(20 * time.Second)
	for {
		doc := salesDoc(t, owner, "/links/"+id, http.StatusOK)
		rows := doc.Find(`[data-testid="link-payment-row"]`)
		if rows.Length() == 2 && acctText(doc, "link-revenue") == "200,00 ₺" {
			for _, ref := range []int64{first, second} {
				if rows.Filter(`[data-ref="`+strconv.FormatInt(ref, 10)+`"]`).Length() != 1 {
					t.Errorf("the link page lacks payment %d", ref)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the catch-up never showed both payments; the link page shows: %q", doc.Find(`[data-testid="link-sales"]`).Text())
		}
		time.Sleep(50 * time.Millisecond)
	}
	sales := salesDoc(t, owner, "/sales", http.StatusOK)
	if n := sales.Find(`[data-testid="sale-row"]`).Length(); n != 2 {
		t.Errorf("/sales after the catch-up: got %d rows, want 2", n)
	}
}

// signedWebhook is the webhook the sandbox would send, signed with the
// sandbox's key.
func signedWebhook(eventType, status, payloadID string, at int64) (body []byte, signature string) {
	body, _ = json.Marshal(map[string]any{"eventType": eventType, "eventTime": time.Unix(at, 0).UTC().Format(craftclient.DateTimeLayout),
		"eventTimestamp": at, "status": status, "payloadId": payloadID})
	ev := &craftclient.WebhookEvent{EventType: craftclient.WebhookEventType(eventType), EventTimestamp: at,
		Status: craftclient.WebhookStatus(status), PayloadID: payloadID}
	return body, craftclient.WebhookSignature(server.SandboxWebhookKey, ev)
}

func postWebhook(t *testing.T, ta *webtest.App, body []byte, signature string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ta.URL+"/callbacks/craftgate", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(craftclient.WebhookSignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, acctBody(t, resp)
}

func TestSalesWebhookForgedOrReplayedChangesNothing(t *testing.T) {
	ta, owner, _, _ := salesApp(t, true) // no webhook of the sandbox's own interferes
	ctx := context.Background()
	id := mustPostLink(t, owner, url.Values{"name": {"Çay"}, "price": {"100"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	paymentID := payLink(t, ta, id, cardOK)
	ref := strconv.FormatInt(paymentID, 10)
	now := time.Now().Unix()
	body, good := signedWebhook("CHECKOUTFORM_AUTH", "SUCCESS", ref, now)
	_, other := signedWebhook("CHECKOUTFORM_AUTH", "SUCCESS", ref, now+1)
	before, err := ta.Core.Sales.Version(ctx)
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name      string
		body      []byte
		signature string
		status    int
		reason    string
	}{
		{"no signature", body, "", http.StatusUnauthorized, app.WebhookForged},
		{"another event's signature", body, other, http.StatusUnauthorized, app.WebhookForged},
		{"not JSON", []byte("payloadId=" + ref), good, http.StatusBadRequest, app.WebhookMalformed},
		{"too large", []byte(strings.Repeat(" ", 20<<10) + string(body)), good, http.StatusBadRequest, app.WebhookMalformed},
	} {
		if status, reason := postWebhook(t, ta, tt.body, tt.signature); status != tt.status || reason != tt.reason {
			t.Errorf("%s: got %d %q, want %d %q", tt.name, status, reason, tt.status, tt.reason)
		}
	}
	if _, err := ta.Core.Sales.Payment(ctx, paymentID); err == nil {
		t.Fatal("a refused webhook recorded the payment")
	}
	if v, _ := ta.Core.Sales.Version(ctx); v != before {
		t.Errorf("refused webhooks moved the sales version %d → %d", before, v)
	}

	if status, reason := postWebhook(t, ta, body, good); status != http.StatusOK || reason != app.WebhookRecorded {
		t.Fatalf("genuine: got %d %q, want 200 recorded", status, reason)
	}
	version, _ := ta.Core.Sales.Version(ctx)
	if status, reason := postWebhook(t, ta, body, good); status != http.StatusOK || reason != app.WebhookDuplicate {
		t.Errorf("replay: got %d %q, want 200 duplicate", status, reason)
	}
	if again, _ := ta.Core.Sales.Version(ctx); again != version {
		t.Errorf("the replay moved the sales version %d → %d", version, again)
	}
	doc := salesDoc(t, owner, "/sales", http.StatusOK)
	if n := doc.Find(`[data-testid="sale-row"]`).Length(); n != 1 {
		t.Errorf("/sales after a replay: got %d rows, want 1", n)
	}

	unknownBody, unknownSig := signedWebhook("CHECKOUTFORM_AUTH", "SUCCESS", "999999", now)
	if status, reason := postWebhook(t, ta, unknownBody, unknownSig); status != http.StatusNotFound || reason != app.WebhookUnknown {
		t.Errorf("signed, unknown payment: got %d %q, want 404 unknown", status, reason)
	}
	if n := len(acctAudit(t, ta, "sales.webhook_unknown")); n != 1 {
		t.Errorf("audit rows of the unknown payment: got %d, want 1", n)
	}
	strays, err := ta.Store.StrayWebhooks(ctx)
	if err != nil || len(strays) != 4 {
		t.Errorf("kept refused webhooks: got %d, %v, want 4", len(strays), err)
	}
}

func TestSalesOwnerRefundsLinkPayment(t *testing.T) {
	ta, owner, _, viewer := salesApp(t, false)
	id := mustPostLink(t, owner, url.Values{"name": {"Çay"}, "price": {"100"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	paymentID := payLink(t, ta, id, cardOK)
	waitRecorded(t, ta, paymentID)
	ref := strconv.FormatInt(paymentID, 10)

	form := salesDoc(t, owner, "/sales/link/"+ref+"/refund", http.StatusOK)
	if v, _ := form.Find(`[data-testid="field-amount"]`).Attr("value"); v != "100,00" {
		t.Errorf("refund form's amount: got %q, want the remainder 100,00", v)
	}
	resp := owner.PostForm(t, "/sales/link/"+ref+"/refund", url.Values{"amount": {"150"}})
	if doc := acctDoc(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || acctText(doc, "error-amount") == "" {
		t.Errorf("refund over the remainder: got %d", resp.StatusCode)
	}
	acctExpectRedirect(t, owner.PostForm(t, "/sales/link/"+ref+"/refund", url.Values{"amount": {"30,5"}}), "/links/"+id)
	doc := salesDoc(t, owner, "/links/"+id, http.StatusOK)
	if acctText(doc, "flash-success") != "30,50 ₺ iade edildi." || acctText(doc, "link-revenue") != "69,50 ₺" ||
		acctText(doc, "link-payment-status") != "Kısmen iade edildi" {
		t.Errorf("after a partial refund: flash %q, revenue %q, status %q", acctText(doc, "flash-success"),
			acctText(doc, "link-revenue"), acctText(doc, "link-payment-status"))
	}
	if n := len(acctAudit(t, ta, "link_payment.refund")); n != 1 {
		t.Errorf("refund audit rows: got %d, want 1", n)
	}
	// Craftgate refunded exactly that much: a partial refund stays partial.
	p, err := ta.Craftgate.Payments.RetrievePayment(context.Background(), paymentID)
	if err != nil || p.RefundablePrice.String() != "69.5" {
		t.Errorf("at Craftgate: refundable %v, %v, want 69.5", p.RefundablePrice, err)
	}
	home := salesDoc(t, viewer, "/", http.StatusOK)
	today := home.Find(`[data-testid="stat-TRY-1"]`)
	if got := strings.TrimSpace(today.Find(`[data-testid="revenue"]`).Text()); got != "69,50 ₺" {
		t.Errorf("overview today after the refund: got %q, want 69,50 ₺", got)
	}
	acctExpectRedirect(t, owner.PostForm(t, "/sales/link/"+ref+"/refund", url.Values{"amount": {"69,50"}}), "/links/"+id)
	if r := owner.Get(t, "/sales/link/"+ref+"/refund"); r.StatusCode != http.StatusConflict {
		t.Errorf("refund form of a refunded payment: got %d, want 409", r.StatusCode)
	}
}

func TestSalesLinksListRevenueSortAndFoldedSearch(t *testing.T) {
	ta, owner, _, viewer := salesApp(t, false)
	cay := mustPostLink(t, owner, url.Values{"name": {"Çay"}, "price": {"10"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	ilik := mustPostLink(t, owner, url.Values{"name": {"Ilık süt"}, "price": {"30"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	mustPostLink(t, owner, url.Values{"name": {"Kahve"}, "price": {"20"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	waitRecorded(t, ta, payLink(t, ta, cay, cardOK))
	waitRecorded(t, ta, payLink(t, ta, cay, cardOK))
	waitRecorded(t, ta, payLink(t, ta, ilik, cardOK))

	names := func(path string) string {
		doc := salesDoc(t, viewer, path, http.StatusOK)
		var out []string
		doc.Find(`[data-testid="link-name"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return strings.Join(out, ",")
	}
	for _, tt := range []struct{ path, want string }{
		{"/links", "Kahve,Ilık süt,Çay"},
		{"/links?sort=revenue", "Ilık süt,Çay,Kahve"},
		{"/links?sort=revenue&reverse=1", "Kahve,Çay,Ilık süt"},
		{"/links?sort=last_sale", "Ilık süt,Çay,Kahve"},
		{"/links?sort=name", "Çay,Ilık süt,Kahve"},
		{"/links?name=cay", "Çay"},
		{"/links?name=ilik", "Ilık süt"},
		{"/links?name=ILIK&sort=price", "Ilık süt"},
	} {
		if got := names(tt.path); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.path, got, tt.want)
		}
	}
	doc := salesDoc(t, viewer, "/links?sort=revenue", http.StatusOK)
	if got, _ := doc.Find(`th[aria-sort="descending"] a`).Attr("href"); got != "/links?reverse=1&sort=revenue" {
		t.Errorf("the revenue heading's link: got %q, want it to reverse the sort", got)
	}
	row := doc.Find(`tr[data-link-id="` + cay + `"]`)
	if got := strings.TrimSpace(row.Find(`[data-testid="link-revenue"]`).Text()); got != "20,00 ₺" {
		t.Errorf("Çay's revenue: got %q, want 20,00 ₺", got)
	}
	if strings.TrimSpace(row.Find(`[data-testid="link-last-sale"]`).Text()) == "" {
		t.Error("Çay's last sale is empty")
	}
}

// TestOverviewPollsCheaply: the overview's poll answers 204 while nothing
// changed, and the fragment once a sale moved the version.
func TestOverviewPollsCheaply(t *testing.T) {
	ta, owner, _, _ := salesApp(t, false)
	doc := salesDoc(t, owner, "/", http.StatusOK)
	version, _ := doc.Find(`[data-testid="overview"]`).Attr("data-version")
	poll := "/?since=" + version
	if r := owner.Get(t, poll, "HX-Request", "true"); r.StatusCode != http.StatusNoContent {
		t.Fatalf("poll with nothing new: got %d, want 204", r.StatusCode)
	}
	id := mustPostLink(t, owner, url.Values{"name": {"Çay"}, "price": {"100"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	waitRecorded(t, ta, payLink(t, ta, id, cardOK))
	r := owner.Get(t, poll, "HX-Request", "true")
	body := acctBody(t, r)
	if r.StatusCode != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, `data-testid="overview"`) {
		t.Errorf("poll after a sale: got %d, want the overview fragment alone:\n%.300s", r.StatusCode, body)
	}
	if r := owner.Get(t, "/links/"+id+"/sales?since=0", "HX-Request", "true"); r.StatusCode != http.StatusOK {
		t.Errorf("link sales poll: got %d, want 200", r.StatusCode)
	}
	if r := owner.Get(t, fmt.Sprintf("/links/%d/sales", 999999)); r.StatusCode != http.StatusNotFound {
		t.Errorf("sales of an unknown link: got %d, want 404", r.StatusCode)
	}
}

// TestSalesListFiltersAndExport: /sales lists link and QR payments
// together; each filter narrows the list and its CSV export alike, and a
// bad filter is refused in the reader's language.
//
// Its clocks run in the late evening UTC, when it is already tomorrow in
// Istanbul, so a day taken in the server's zone instead of the shop's
// shows as a missing sale.
func TestSalesListFiltersAndExport(t *testing.T) {
	clock := lateEveningUTC()
	ta, owner, staff, viewer := salesAppWith(t, webtest.Options{Clock: clock, Now: clock})
	cay := mustPostLink(t, owner, url.Values{"name": {"Çay"}, "price": {"100"}, "currency": {"TRY"}, "enabledInstallments": {"1"}})
	kahve := mustPostLink(t, owner, url.Values{"name": {"Kahve"}, "price": {"5"}, "currency": {"USD"}, "enabledInstallments": {"1"}})
	paid := strconv.FormatInt(waitRecorded(t, ta, payLink(t, ta, cay, cardOK)).ID, 10)
	declined := strconv.FormatInt(waitRecorded(t, ta, payLink(t, ta, kahve, cardDeclined)).ID, 10)
	qr := mustStartPayment(t, ta, staff, "12,50", "Masa 4")
	mustWallet(t, ta, staff, qr, "pay")

	refs := func(path string) string {
		t.Helper()
		doc := salesDoc(t, viewer, path, http.StatusOK)
		var out []string
		doc.Find(`[data-testid="sale-row"]`).Each(func(_ int, s *goquery.Selection) {
			out = append(out, s.AttrOr("data-source", "")+":"+s.AttrOr("data-ref", "")+":"+s.AttrOr("data-status", ""))
		})
		slices.Sort(out)
		return strings.Join(out, ",")
	}
	// The QR payment is paid by the sandbox's callback, in the background.
	deadline := time.Now().Add(20 * time.Second)
	for refs("/sales?source=qr&status=paid") != "qr:"+qr+":paid" {
		if time.Now().After(deadline) {
			t.Fatalf("the QR payment never showed as paid in /sales: %s", refs("/sales"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	today := clock().In(app.DefaultLocation()).Format("2006-01-02")
	tomorrow := clock().In(app.DefaultLocation()).AddDate(0, 0, 1).Format("2006-01-02")
	sorted := func(rows ...string) string { slices.Sort(rows); return strings.Join(rows, ",") }
	all := sorted("link:"+declined+":failed", "link:"+paid+":paid", "qr:"+qr+":paid")
	for _, tt := range []struct{ query, want string }{
		{"", all},
		{"?from=" + today + "&to=" + today, all},
		{"?from=" + tomorrow, ""},
		{"?source=link", sorted("link:"+declined+":failed", "link:"+paid+":paid")},
		{"?source=qr", "qr:" + qr + ":paid"},
		{"?status=failed", "link:" + declined + ":failed"},
		{"?currency=USD", "link:" + declined + ":failed"},
		{"?currency=TRY&status=paid", sorted("link:"+paid+":paid", "qr:"+qr+":paid")},
		{"?link=" + cay, "link:" + paid + ":paid"},
	} {
		if got := refs("/sales" + tt.query); got != tt.want {
			t.Errorf("/sales%s: got %s, want %s", tt.query, got, tt.want)
		}
	}
	if doc := salesDoc(t, viewer, "/sales?link="+cay, http.StatusOK); !strings.Contains(acctText(doc, "sales-link"), "Çay") {
		t.Errorf("/sales?link= does not name the link: %q", acctText(doc, "sales-link"))
	}

	for lang, want := range map[string]string{"tr": "Kaynak link ya da QR olmalı.", "en": "The source must be links or QR."} {
		resp := viewer.Get(t, "/sales?source=cash", "Accept-Language", lang)
		doc := acctDoc(t, resp)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(doc.Find(`[data-testid="error-summary"]`).Text(), want) {
			t.Errorf("%s: bad source: got %d, %q", lang, resp.StatusCode, doc.Find(`[data-testid="error-summary"]`).Text())
		}
	}
	if r := viewer.Get(t, "/sales/export.csv?to=yesterday"); r.StatusCode != http.StatusBadRequest {
		t.Errorf("export with a bad day: got %d, want 400", r.StatusCode)
	}

	resp := viewer.Get(t, "/sales/export.csv?currency=TRY")
	body := acctBody(t, resp)
	lines := strings.Split(strings.TrimSpace(body), "\n")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") || len(lines) != 3 {
		t.Fatalf("CSV export of TRY: got %d %q %q, %d lines:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"),
			resp.Header.Get("Content-Disposition"), len(lines), body)
	}
	if !strings.Contains(body, "\nqr,"+qr+",") || !strings.Contains(body, ",12.50,0.00,TRY,paid,,,staff@shop.example") ||
		strings.Contains(body, "\nlink,"+declined+",") {
		t.Errorf("CSV export of TRY: want the QR payment with its staff and not the USD attempt:\n%s", body)
	}
}
