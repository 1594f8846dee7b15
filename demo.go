package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"linkdesk/app"
	"linkdesk/server"
)

const demoUsage = `usage:
  linkdesk demo [-data DIR]      fill the sandbox with a Turkish coffee shop's links and payments
  linkdesk -demo [-addr …]       the same, then serve the dashboard

The demo data covers the three weeks before the first run: payment links
with sales on Craftgate's side (the sandbox's payment records) and QR
payments taken at the counter (paid, declined, expired, refunded). It goes
only into the sandbox: with provider credentials set it is refused. Running
it again adds nothing that is there already.

flags:`

// demoDays is how far back the demo's sales go.
const demoDays = 21

// demoAnchorKey stores the day the demo was first seeded: every later run
// plans the same sales at the same moments, so it finds them and adds none.
const demoAnchorKey = "demo_anchor"

var demoActor = app.Actor{Name: app.ActorDemo, IP: "local"}

// runDemoCommand seeds the demo data and exits.
func runDemoCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("linkdesk demo", flag.ContinueOnError)
	data := fs.String("data", envOr(getenv, "LINKDESK_DATA", defaultDataDir), "data directory (LINKDESK_DATA)")
	if err := parseFlags(fs, args, demoUsage, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return configErrorf("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := LoadConfig([]string{"-data", *data}, getenv, stdout)
	if err != nil {
		return err
	}
	return seedDemo(ctx, cfg, newLogger(cfg, stderr), stdout)
}

// errDemoLive refuses demo data where real money moves.
var errDemoLive = configErrorf("demo data goes only into the sandbox, and provider credentials are set " +
	"(CRAFTGATE_API_KEY or PAYWALL_PUBLIC_KEY): unset them, or use another -data folder without them")

// seedDemo runs Linkdesk on a private loopback listener, with clocks it
// sets back to each sale's moment, and makes the sales through the same
// paths real ones take: links through the core, their payments on the
// sandbox's hosted payment page, QR payments started through the core and
// paid or declined in the sandbox's wallet, whose callback settles them.
func seedDemo(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer) error {
	if cfg.Craftgate.Live() || cfg.Paywall.Live() {
		return errDemoLive
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	self := "http://" + ln.Addr().String()
	clock := &demoClock{}
	// Each sale is a dozen requests: only problems are worth a line.
	scfg := cfg.Server(self, slog.New(warnOnly{log.Handler()}))
	scfg.Now, scfg.SandboxNow, scfg.CallbackURL = clock.Now, clock.Now, self
	srv, err := server.New(ctx, scfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()
	hs := &http.Server{Handler: srv.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()

	anchor, err := demoAnchor(ctx, srv.App, cfg.Sales.Location)
	if err != nil {
		return err
	}
	s := &demoSeeder{app: srv.App, clock: clock, self: self, http: &http.Client{Timeout: 30 * time.Second}, timeout: srv.App.Payments.Timeout()}
	plan := newDemoPlan(anchor)
	if err := s.links(ctx, plan); err != nil {
		return err
	}
	if err := s.payments(ctx, plan.payments); err != nil {
		return err
	}
	fmt.Fprintf(out, "demo: %d links and %d link payments added (%d links there already); %d QR payments added (%d there already)\n",
		s.linksAdded, s.linkPaymentsAdded, s.linksFound, s.paymentsAdded, s.paymentsFound)
	return nil
}

// warnOnly passes on warnings and errors only.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnOnly{h.Handler.WithAttrs(attrs)}
}
func (h warnOnly) WithGroup(name string) slog.Handler { return warnOnly{h.Handler.WithGroup(name)} }

// demoAnchor is the day the demo was first seeded (today on the first run),
// at midnight in the shop's zone, where the dashboard's days begin.
func demoAnchor(ctx context.Context, core *app.App, shop *time.Location) (time.Time, error) {
	v, err := core.Setting(ctx, demoAnchorKey, func() (string, error) {
		return time.Now().In(shop).Format(time.DateOnly), nil
	})
	if err != nil {
		return time.Time{}, err
	}
	return time.ParseInLocation(time.DateOnly, v, shop)
}

// demoClock is the seeded server's clock: set to a sale's moment while it
// is made, the real time otherwise.
type demoClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

func (c *demoClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = t
}

// demoSeeder makes the planned sales and counts what it added.
type demoSeeder struct {
	app     *app.App
	clock   *demoClock
	self    string // the private listener, for the sandbox's pages
	http    *http.Client
	timeout time.Duration

	linksAdded, linksFound, linkPaymentsAdded int
	paymentsAdded, paymentsFound              int
}

// links creates each planned link that is not there (by its name) and
// pays it on the sandbox's hosted page at its planned moments; a link
// found is left as it is, its sales with it.
func (s *demoSeeder) links(ctx context.Context, plan demoPlan) error {
	for _, dl := range plan.links {
		found, err := s.findLink(ctx, dl.in.Name)
		if err != nil {
			return err
		}
		if found {
			s.linksFound++
			continue
		}
		s.clock.Set(plan.start.Add(dl.createdAt))
		l, err := s.app.Links.Create(ctx, demoActor, dl.in)
		if err != nil {
			return fmt.Errorf("demo link %q: %w", dl.in.Name, err)
		}
		s.linksAdded++
		for _, sale := range dl.sales {
			if err := s.payLink(ctx, l, sale); err != nil {
				return err
			}
		}
		if dl.passiveAt > 0 {
			s.clock.Set(plan.start.Add(dl.passiveAt))
			if _, err := s.app.Links.SetStatus(ctx, demoActor, l.ID, app.LinkStatusPassive); err != nil {
				return fmt.Errorf("demo link %q: %w", dl.in.Name, err)
			}
		}
	}
	s.clock.Set(time.Time{})
	return nil
}

func (s *demoSeeder) findLink(ctx context.Context, name string) (bool, error) {
	page, err := s.app.Links.Search(ctx, app.LinkSearch{Name: name, Size: 100})
	if err != nil {
		return false, fmt.Errorf("demo: search the sandbox's links: %w", err)
	}
	for _, l := range page.Links {
		if l.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// payLink pays a link as a customer would, on the sandbox's hosted page.
func (s *demoSeeder) payLink(ctx context.Context, l *app.Link, sale demoSale) error {
	u, err := url.Parse(l.URL)
	if err != nil {
		return err
	}
	s.clock.Set(sale.at)
	form := url.Values{"name": {sale.holder}, "number": {sale.card}, "expiry": {"12/39"}, "cvc": {"123"},
		"installment": {strconv.Itoa(sale.installment)}}
	status, err := s.post(ctx, u.Path, form)
	if err != nil {
		return fmt.Errorf("demo: pay link %q: %w", l.Name, err)
	}
	// 200 paid, 402 declined: both are recorded as the link's payments.
	if status != http.StatusOK && status != http.StatusPaymentRequired {
		return fmt.Errorf("demo: pay link %q: the hosted page answered %d", l.Name, status)
	}
	s.linkPaymentsAdded++
	return nil
}

// payments takes each planned QR payment that is not there yet (by its
// moment and description) and gives it its outcome.
func (s *demoSeeder) payments(ctx context.Context, plan []demoQR) error {
	defer s.clock.Set(time.Time{})
	ws, err := s.app.Payments.Wallets(ctx, "TRY")
	if err != nil || len(ws) == 0 {
		return errors.Join(errors.New("demo: the sandbox offers no QR wallet"), err)
	}
	wallet := strconv.Itoa(ws[0].ConnectionID)
	for _, q := range plan {
		there, _, err := s.app.Payments.List(ctx, app.PaymentFilter{From: q.at, To: q.at.Add(time.Second)})
		if err != nil {
			return err
		}
		if len(there) > 0 {
			s.paymentsFound++
			continue
		}
		s.clock.Set(q.at)
		p, err := s.app.Payments.Start(ctx, demoActor, app.PaymentDraft{Amount: q.amount, Currency: "TRY", Description: q.description, Wallet: wallet})
		if err != nil {
			return fmt.Errorf("demo payment %q: %w", q.description, err)
		}
		if err := s.settle(ctx, p, q); err != nil {
			return fmt.Errorf("demo payment %q: %w", q.description, err)
		}
		s.paymentsAdded++
	}
	return nil
}

// settle gives a started payment its planned outcome: the customer pays
// or declines in the sandbox's wallet (its callback settles the payment),
// or nobody scans and the check after the timeout expires it; a refund
// follows some paid ones.
func (s *demoSeeder) settle(ctx context.Context, p *app.Payment, q demoQR) error {
	if q.outcome == app.PaymentStatusExpired {
		s.clock.Set(q.at.Add(s.timeout + time.Minute))
		_, _, err := s.app.Payments.Check(ctx, app.System, p.MerchantUniqueCode)
		return err
	}
	action := "pay"
	if q.outcome == app.PaymentStatusFailed {
		action = "decline"
	}
	u, err := url.Parse(p.QRContent)
	if err != nil {
		return err
	}
	s.clock.Set(q.at.Add(q.scanAfter))
	if status, err := s.post(ctx, u.Path+"/"+action, nil); err != nil || status != http.StatusOK {
		return errors.Join(fmt.Errorf("the wallet answered %d", status), err)
	}
	// The callback settled it; should it have been lost, ask Paywall.
	if _, _, err := s.app.Payments.Check(ctx, app.System, p.MerchantUniqueCode); err != nil {
		return err
	}
	if q.refund == "" {
		return nil
	}
	s.clock.Set(q.at.Add(3 * time.Hour))
	_, _, err = s.app.Payments.Refund(ctx, demoActor, p.MerchantUniqueCode, q.refund)
	return err
}

// post sends a form to the private listener, as a browser would.
func (s *demoSeeder) post(ctx context.Context, path string, form url.Values) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.self+path, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}
