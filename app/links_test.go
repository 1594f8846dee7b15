package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"linkdesk/app"
)

func TestLinkDraft_Parse(t *testing.T) {
	t.Parallel()
	now := t0 // 09:26:53 in Istanbul (UTC+3)
	wall := func(y int, m time.Month, d, h, min, s int) *time.Time {
		t := time.Date(y, m, d, h, min, s, 0, time.UTC)
		return &t
	}
	base := app.LinkDraft{Name: "Kahve", Price: "149,90", Currency: "TRY", Installments: []string{"1"}}
	long := func(n int) string { return strings.Repeat("ş", n) }
	tests := []struct {
		name  string
		edit  func(d *app.LinkDraft)
		want  app.FieldErrors            // nil: valid
		check func(in app.LinkInput) any // for a valid draft: what is wrong, or nil
	}{
		{"as typed at the counter", func(d *app.LinkDraft) {}, nil, func(in app.LinkInput) any {
			if in.Name != "Kahve" || !in.Price.Equal(dec("149.90")) || in.Currency != "TRY" || !slices.Equal(in.Installments, []int{1}) ||
				in.Stock != nil || in.ExpiresAt != nil || in.Status != "" || in.OrderID != "" {
				return in
			}
			return nil
		}},
		{"Turkish thousands and decimals", func(d *app.LinkDraft) { d.Price = "1.234,56" }, nil, price("1234.56")},
		{"English decimals", func(d *app.LinkDraft) { d.Price = "1234.56" }, nil, price("1234.56")},
		{"half with three decimals", func(d *app.LinkDraft) { d.Price = "0,500" }, nil, price("0.5")},
		{"a lone thousands group", func(d *app.LinkDraft) { d.Price = "1.234" }, nil, price("1234")},
		{"currency sign", func(d *app.LinkDraft) { d.Price = " 149,90 ₺ " }, nil, price("149.90")},
		{"yen have no decimals", func(d *app.LinkDraft) { d.Currency, d.Price = " JPY ", "1.500" }, nil, price("1500")},
		{"dinars have three", func(d *app.LinkDraft) { d.Currency, d.Price = "KWD", "0,125" }, nil, price("0.125")},
		{"installments in one cell", func(d *app.LinkDraft) { d.Installments = []string{"1,3,6"} }, nil, installments(1, 3, 6)},
		{"installments mixed and repeated", func(d *app.LinkDraft) { d.Installments = []string{"6", "1;3", "3 9"} }, nil, installments(1, 3, 6, 9)},
		{"stock", func(d *app.LinkDraft) { d.Stock = " 25 " }, nil, func(in app.LinkInput) any {
			if in.Stock == nil || *in.Stock != 25 {
				return in.Stock
			}
			return nil
		}},
		{"order id with stock 1", func(d *app.LinkDraft) { d.OrderID, d.Stock = " ORD-1 ", "1" }, nil, func(in app.LinkInput) any {
			if in.OrderID != "ORD-1" || in.Stock == nil || *in.Stock != 1 {
				return in
			}
			return nil
		}},
		{"expiry later today", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-14T10:00" }, nil, expires(wall(2025, 3, 14, 10, 0, 0))},
		{"expiry with seconds", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-15T10:00:30" }, nil, expires(wall(2025, 3, 15, 10, 0, 30))},
		{"expiry with a space", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-15 10:00" }, nil, expires(wall(2025, 3, 15, 10, 0, 0))},
		{"expiry today, a bare day", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-14" }, nil, expires(wall(2025, 3, 14, 23, 59, 59))},
		{"expiry day first", func(d *app.LinkDraft) { d.ExpiresAt = "15.03.2025 18:30" }, nil, expires(wall(2025, 3, 15, 18, 30, 0))},
		{"expiry day first, bare", func(d *app.LinkDraft) { d.ExpiresAt = "15.03.2025" }, nil, expires(wall(2025, 3, 15, 23, 59, 59))},
		{"status", func(d *app.LinkDraft) { d.Status = " PASSIVE " }, nil, func(in app.LinkInput) any {
			if in.Status != app.LinkStatusPassive {
				return in.Status
			}
			return nil
		}},
		{"every text at its limit", func(d *app.LinkDraft) {
			d.Name, d.Description, d.Channel = "  "+long(app.MaxLinkNameLen)+" ", long(app.MaxLinkDescriptionLen), long(app.MaxLinkChannelLen)
			d.OrderID, d.ConversationID, d.ExternalID, d.Stock = long(app.MaxLinkIDLen), long(app.MaxLinkIDLen), long(app.MaxLinkIDLen), "1"
		}, nil, func(in app.LinkInput) any {
			if in.Name != long(app.MaxLinkNameLen) || in.ExternalID != long(app.MaxLinkIDLen) {
				return "texts not kept as typed, trimmed"
			}
			return nil
		}},

		{"no price", func(d *app.LinkDraft) { d.Price = " " }, app.FieldErrors{app.FieldPrice: "links.err.price_required"}, nil},
		{"price not a number", func(d *app.LinkDraft) { d.Price = "abc" }, app.FieldErrors{app.FieldPrice: "links.err.price_format"}, nil},
		{"negative price", func(d *app.LinkDraft) { d.Price = "-5" }, app.FieldErrors{app.FieldPrice: "links.err.price_format"}, nil},
		{"zero price", func(d *app.LinkDraft) { d.Price = "0,00" }, app.FieldErrors{app.FieldPrice: "links.err.price_positive"}, nil},
		{"huge price", func(d *app.LinkDraft) { d.Price = "1000000000000" }, app.FieldErrors{app.FieldPrice: "links.err.price_large"}, nil},
		{"three decimals in lira", func(d *app.LinkDraft) { d.Price = "0,505" }, app.FieldErrors{app.FieldPrice: "links.err.price_decimals"}, nil},
		{"decimals in yen", func(d *app.LinkDraft) { d.Currency, d.Price = "JPY", "1,5" }, app.FieldErrors{app.FieldPrice: "links.err.price_decimals"}, nil},
		{"zero group", func(d *app.LinkDraft) { d.Price = "0.500.000" }, app.FieldErrors{app.FieldPrice: "links.err.price_format"}, nil},
		{"leading zero group", func(d *app.LinkDraft) { d.Price = "01.234" }, app.FieldErrors{app.FieldPrice: "links.err.price_format"}, nil},
		{"no currency", func(d *app.LinkDraft) { d.Currency = "" }, app.FieldErrors{app.FieldCurrency: "links.err.currency"}, nil},
		{"unknown currency", func(d *app.LinkDraft) { d.Currency = "XYZ" }, app.FieldErrors{app.FieldCurrency: "links.err.currency"}, nil},
		{"currency in small letters", func(d *app.LinkDraft) { d.Currency = "try" }, app.FieldErrors{app.FieldCurrency: "links.err.currency"}, nil},
		{"no installments", func(d *app.LinkDraft) { d.Installments = nil }, app.FieldErrors{app.FieldInstallments: "links.err.installments_required"}, nil},
		{"empty installments cell", func(d *app.LinkDraft) { d.Installments = []string{" , "} }, app.FieldErrors{app.FieldInstallments: "links.err.installments_required"}, nil},
		{"13 installments", func(d *app.LinkDraft) { d.Installments = []string{"1,13"} }, app.FieldErrors{app.FieldInstallments: "links.err.installments_range"}, nil},
		{"0 installments", func(d *app.LinkDraft) { d.Installments = []string{"0"} }, app.FieldErrors{app.FieldInstallments: "links.err.installments_range"}, nil},
		{"installments not numbers", func(d *app.LinkDraft) { d.Installments = []string{"1,x"} }, app.FieldErrors{app.FieldInstallments: "links.err.installments_range"}, nil},
		{"stock 0", func(d *app.LinkDraft) { d.Stock = "0" }, app.FieldErrors{app.FieldStock: "links.err.stock"}, nil},
		{"negative stock", func(d *app.LinkDraft) { d.Stock = "-1" }, app.FieldErrors{app.FieldStock: "links.err.stock"}, nil},
		{"fractional stock", func(d *app.LinkDraft) { d.Stock = "1.5" }, app.FieldErrors{app.FieldStock: "links.err.stock"}, nil},
		{"order id without stock", func(d *app.LinkDraft) { d.OrderID = "ORD-1" }, app.FieldErrors{app.FieldOrderID: "links.err.order_stock"}, nil},
		{"order id with stock 2", func(d *app.LinkDraft) { d.OrderID, d.Stock = "ORD-1", "2" }, app.FieldErrors{app.FieldOrderID: "links.err.order_stock"}, nil},
		{"order id with bad stock", func(d *app.LinkDraft) { d.OrderID, d.Stock = "ORD-1", "one" },
			app.FieldErrors{app.FieldStock: "links.err.stock", app.FieldOrderID: "links.err.order_stock"}, nil},
		{"expiry earlier today", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-14T09:00" }, app.FieldErrors{app.FieldExpiresAt: "links.err.expires_past"}, nil},
		{"expiry now", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-14 09:26:53" }, app.FieldErrors{app.FieldExpiresAt: "links.err.expires_past"}, nil},
		{"expiry yesterday", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-13" }, app.FieldErrors{app.FieldExpiresAt: "links.err.expires_past"}, nil},
		{"expiry yesterday, day first", func(d *app.LinkDraft) { d.ExpiresAt = "13.03.2025" }, app.FieldErrors{app.FieldExpiresAt: "links.err.expires_past"}, nil},
		{"expiry in words", func(d *app.LinkDraft) { d.ExpiresAt = "tomorrow" }, app.FieldErrors{app.FieldExpiresAt: "links.err.expires_format"}, nil},
		{"expiry on no day", func(d *app.LinkDraft) { d.ExpiresAt = "2025-02-30" }, app.FieldErrors{app.FieldExpiresAt: "links.err.expires_format"}, nil},
		{"expiry with a zone", func(d *app.LinkDraft) { d.ExpiresAt = "2025-03-15T10:00:00Z" }, app.FieldErrors{app.FieldExpiresAt: "links.err.expires_format"}, nil},
		{"unknown status", func(d *app.LinkDraft) { d.Status = "DELETED" }, app.FieldErrors{app.FieldStatus: "links.err.status"}, nil},
		{"status in small letters", func(d *app.LinkDraft) { d.Status = "passive" }, app.FieldErrors{app.FieldStatus: "links.err.status"}, nil},
		{"no name", func(d *app.LinkDraft) { d.Name = "   " }, app.FieldErrors{app.FieldName: "links.err.name_required"}, nil},
		{"long name", func(d *app.LinkDraft) { d.Name = long(app.MaxLinkNameLen + 1) }, app.FieldErrors{app.FieldName: "links.err.name_long"}, nil},
		{"long description", func(d *app.LinkDraft) { d.Description = long(app.MaxLinkDescriptionLen + 1) }, app.FieldErrors{app.FieldDescription: "links.err.description_long"}, nil},
		{"long channel", func(d *app.LinkDraft) { d.Channel = long(app.MaxLinkChannelLen + 1) }, app.FieldErrors{app.FieldChannel: "links.err.channel_long"}, nil},
		{"long order id", func(d *app.LinkDraft) { d.OrderID, d.Stock = long(app.MaxLinkIDLen+1), "1" }, app.FieldErrors{app.FieldOrderID: "links.err.id_long"}, nil},
		{"long conversation id", func(d *app.LinkDraft) { d.ConversationID = long(app.MaxLinkIDLen + 1) }, app.FieldErrors{app.FieldConversationID: "links.err.id_long"}, nil},
		{"long external id", func(d *app.LinkDraft) { d.ExternalID = long(app.MaxLinkIDLen + 1) }, app.FieldErrors{app.FieldExternalID: "links.err.id_long"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := base
			d.Installments = slices.Clone(base.Installments)
			tt.edit(&d)
			in, fe := d.Parse(now)
			if !maps.Equal(fe, tt.want) {
				t.Fatalf("got problems %v, want %v", fe, tt.want)
			}
			if tt.check != nil {
				if bad := tt.check(in); bad != nil {
					t.Errorf("got %+v, not as typed", bad)
				}
				if err := in.Validate(); err != nil {
					t.Errorf("a parsed draft fails Validate: %v", err)
				}
			}
		})
	}
}

func price(want string) func(app.LinkInput) any {
	return func(in app.LinkInput) any {
		if !in.Price.Equal(dec(want)) {
			return "price " + in.Price.String() + ", want " + want
		}
		return nil
	}
}

func installments(want ...int) func(app.LinkInput) any {
	return func(in app.LinkInput) any {
		if !slices.Equal(in.Installments, want) {
			return in.Installments
		}
		return nil
	}
}

func expires(want *time.Time) func(app.LinkInput) any {
	return func(in app.LinkInput) any {
		if in.ExpiresAt == nil || !in.ExpiresAt.Equal(*want) || in.ExpiresAt.Location() != time.UTC {
			return in.ExpiresAt
		}
		return nil
	}
}

// MustParseLink parses a valid draft.
func MustParseLink(tb testing.TB, d app.LinkDraft) app.LinkInput {
	tb.Helper()
	in, fe := d.Parse(t0)
	if len(fe) > 0 {
		tb.Fatalf("draft %+v: %v", d, fe)
	}
	return in
}

func TestLinks_ChangesAudited(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	owner := MustCreateUser(t, e, "owner@shop.example", app.RoleOwner, "owner password")
	by := actor(owner)

	_, err := e.App.Links.Create(ctx, by, app.LinkInput{Name: "Kahve", Currency: "TRY", Installments: []int{1}})
	wantCode(t, err, app.CodeInvalid, "")
	if n := e.Craft.Calls("Create"); n != 0 {
		t.Fatalf("an invalid link reached Craftgate %d times", n)
	}

	created, err := e.App.Links.Create(ctx, by, MustParseLink(t, app.LinkDraft{Name: "Kahve", Price: "149,90", Currency: "TRY", Installments: []string{"1,3"}}))
	if err != nil {
		t.Fatal(err)
	}
	id := created.ID
	in := MustParseLink(t, app.LinkDraft{Name: "Filtre kahve", Price: "159,90", Currency: "TRY", Installments: []string{"1"}})
	steps := []struct {
		name string
		do   func() error
		rows int
	}{
		{"update", func() error { _, err := e.App.Links.Update(ctx, by, id, in); return err }, 1},
		{"deactivate", func() error { _, err := e.App.Links.SetStatus(ctx, by, id, app.LinkStatusPassive); return err }, 1},
		{"deactivate again", func() error { _, err := e.App.Links.SetStatus(ctx, by, id, app.LinkStatusPassive); return err }, 0},
		{"activate", func() error { _, err := e.App.Links.SetStatus(ctx, by, id, app.LinkStatusActive); return err }, 1},
		{"delete", func() error { _, err := e.App.Links.Delete(ctx, by, id); return err }, 1},
	}
	for _, s := range steps {
		before := auditCount(t, e, "", "")
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got := auditCount(t, e, "", "") - before; got != s.rows {
			t.Fatalf("%s: wrote %d audit rows, want %d", s.name, got, s.rows)
		}
	}
	if n := e.Craft.Calls("Update"); n != 3 {
		t.Errorf("Craftgate updates: got %d, want 3 (setting the status a link has sends nothing)", n)
	}

	evs := auditEvents(t, e, app.AuditFilter{TargetType: "link", TargetID: "101"})
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
		if ev.ActorID == nil || *ev.ActorID != owner.ID {
			t.Errorf("%s: actor %v, want the owner", ev.Action, ev.ActorID)
		}
	}
	if want := []string{"link.delete", "link.status", "link.status", "link.update", "link.create"}; !slices.Equal(actions, want) {
		t.Fatalf("audit of link 101, newest first: got %v, want %v", actions, want)
	}
	var state struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	}
	checkState := func(raw json.RawMessage, name, status string) {
		t.Helper()
		state.Name, state.Status = "", ""
		if err := json.Unmarshal(raw, &state); err != nil || state.Name != name || state.Status != status {
			t.Errorf("audit state %s: want %s %s", raw, name, status)
		}
	}
	checkState(evs[4].After, "Kahve", "ACTIVE")         // create
	checkState(evs[3].Before, "Kahve", "ACTIVE")        // update
	checkState(evs[3].After, "Filtre kahve", "ACTIVE")  // update
	checkState(evs[2].After, "Filtre kahve", "PASSIVE") // deactivate
	checkState(evs[0].Before, "Filtre kahve", "ACTIVE") // delete
	if evs[0].After != nil {
		t.Errorf("delete's after: got %s, want none", evs[0].After)
	}
}

func TestLinks_UpdateKeepsWhatLinkdeskDoesNotEdit(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	e.Links.put(app.Link{ID: 7, Name: "Sepet", Price: dec("10"), Currency: "TRY", EnabledInstallments: []int{1},
		Status: app.LinkStatusPassive, MultiPayment: true, BasketIdentifier: "BASKET-7", URL: "https://pay.example/7"})
	in := MustParseLink(t, app.LinkDraft{Name: "Sepet 2", Price: "12", Currency: "TRY", Installments: []string{"1"}})
	if _, err := e.App.Links.Update(ctx, app.System, 7, in); err != nil {
		t.Fatal(err)
	}
	sent := e.Links.lastUpdate()
	if !sent.MultiPayment || sent.BasketIdentifier != "BASKET-7" || sent.Status != app.LinkStatusPassive || sent.Name != "Sepet 2" {
		t.Errorf("update sent %+v, want the new name with multi-payment, basket BASKET-7 and status PASSIVE kept", sent)
	}
	in.Status = app.LinkStatusActive
	if _, err := e.App.Links.Update(ctx, app.System, 7, in); err != nil {
		t.Fatal(err)
	}
	if sent := e.Links.lastUpdate(); !sent.MultiPayment || sent.BasketIdentifier != "BASKET-7" || sent.Status != app.LinkStatusActive {
		t.Errorf("update with a status sent %+v, want ACTIVE, multi-payment and basket kept", sent)
	}
	if _, err := e.App.Links.SetStatus(ctx, app.System, 7, app.LinkStatusPassive); err != nil {
		t.Fatal(err)
	}
	if sent := e.Links.lastUpdate(); !sent.MultiPayment || sent.BasketIdentifier != "BASKET-7" || sent.Name != "Sepet 2" || !sent.Price.Equal(dec("12")) {
		t.Errorf("toggle sent %+v, want every field kept", sent)
	}
	if _, err := e.App.Links.Update(ctx, app.System, 8, in); !app.IsProviderNotFound(err) {
		t.Errorf("update of an unknown link: got %v, want the provider's not found", err)
	}
}

func TestLinks_SetStatusRefused(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t)
	stock := 0
	e.Links.put(app.Link{ID: 7, Name: "Tükendi", Price: dec("10"), Currency: "TRY", EnabledInstallments: []int{1},
		Status: app.LinkStatusPassive, Stock: &stock})
	refusal := &app.ProviderError{Provider: "craftgate", Kind: app.ProviderRefused, Code: "10051", Field: "stock"}
	e.Craft.UpdateFn = func(context.Context, int64, app.LinkInput) (*app.Link, error) { return nil, refusal }

	l, err := e.App.Links.SetStatus(ctx, app.System, 7, app.LinkStatusActive)
	if !errors.Is(err, app.ErrToggleRefused) || l != nil {
		t.Fatalf("got %v, %v, want ErrToggleRefused", l, err)
	}
	wantCode(t, err, app.CodeConflict, "links.toggle_refused")
	if pe, ok := app.AsProviderError(err); !ok || pe != refusal {
		t.Errorf("the cause: got %v, want the provider's refusal kept", err)
	}

	e.Craft.UpdateFn = func(context.Context, int64, app.LinkInput) (*app.Link, error) {
		return nil, &app.ProviderError{Provider: "craftgate", Kind: app.ProviderTimeout}
	}
	if _, err := e.App.Links.SetStatus(ctx, app.System, 7, app.LinkStatusActive); err == nil || errors.Is(err, app.ErrToggleRefused) {
		t.Errorf("a timeout: got %v, want it as it is, not a refusal", err)
	}
	if n := auditCount(t, e, "", ""); n != 0 {
		t.Errorf("failed toggles wrote %d audit rows, want 0", n)
	}
}

// doneCtx reports each time a search starts waiting for its answer (the
// core selects on Done once it has joined or started a provider call).
type doneCtx struct {
	context.Context
	waiting chan<- struct{}
}

func (c doneCtx) Done() <-chan struct{} {
	select {
	case c.waiting <- struct{}{}:
	default: // more than the test waits for: never block the search
	}
	return c.Context.Done()
}

// within receives from ch, failing the test if nothing comes: the guard
// against a hang, never a way to wait for something to happen.
func within[T any](tb testing.TB, ch <-chan T, what string) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(time.Minute):
		tb.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// blockFirstSearch makes the fake's first search block until release is
// closed, answering with Craftgate's links as they were when it was asked;
// later searches answer at once. entered gets the first search.
func blockFirstSearch(e *Env) (entered chan struct{}, release chan struct{}) {
	entered, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	search := e.Craft.SearchFn
	e.Craft.SearchFn = func(ctx context.Context, q app.LinkSearch) (*app.LinkPage, error) {
		first := false
		once.Do(func() { first = true })
		page, err := search(ctx, q)
		if first {
			close(entered)
			<-release
		}
		return page, err
	}
	return entered, release
}

func putLinks(e *Env, ids ...int64) {
	for _, id := range ids {
		e.Links.put(app.Link{ID: id, Name: "Kahve", Price: dec("10"), Currency: "TRY", EnabledInstallments: []int{1},
			Status: app.LinkStatusActive, URL: "https://pay.example/" + string(rune('a'+id))})
	}
}

func TestLinks_SearchSharesOneCall(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t) // no TTL: nothing is kept, calls are still shared
	putLinks(e, 1, 2)
	entered, release := blockFirstSearch(e)
	const n = 12
	waiting := make(chan struct{}, n)
	pages := make(chan *app.LinkPage, n)
	for range n {
		go func() {
			page, err := e.App.Links.Search(doneCtx{ctx, waiting}, app.LinkSearch{Name: "Kahve", Size: 20})
			if err != nil {
				t.Error(err)
			}
			pages <- page
		}()
	}
	within(t, entered, "the search to reach Craftgate")
	for i := range n {
		within(t, waiting, fmt.Sprintf("search %d to wait", i))
	}
	close(release)
	first := within(t, pages, "a page")
	for i := 1; i < n; i++ {
		if page := within(t, pages, "a page"); page != first {
			t.Fatalf("searches got different pages, want one shared")
		}
	}
	if got := e.Craft.Calls("Search"); got != 1 {
		t.Errorf("Craftgate searches: got %d, want 1", got)
	}
	if len(first.Links) != 2 {
		t.Errorf("page: got %d links, want 2", len(first.Links))
	}
	// Nothing is kept without a TTL: the next search asks again.
	if _, err := e.App.Links.Search(ctx, app.LinkSearch{Name: "Kahve", Size: 20}); err != nil {
		t.Fatal(err)
	}
	if got := e.Craft.Calls("Search"); got != 2 {
		t.Errorf("Craftgate searches after one more: got %d, want 2", got)
	}
}

// TestLinks_SearchAfterChange: a search made after a change does not join
// a call that began before it, and what that older call brings back is
// neither kept nor remembered.
func TestLinks_SearchAfterChange(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, func(c *app.Config) { c.SearchTTL = time.Hour })
	putLinks(e, 1, 2)
	q := app.LinkSearch{Name: "Kahve"}
	entered, release := blockFirstSearch(e)
	older := make(chan *app.LinkPage, 1)
	go func() {
		page, err := e.App.Links.Search(ctx, q)
		if err != nil {
			t.Error(err)
		}
		older <- page
	}()
	within(t, entered, "the first search to reach Craftgate")

	if _, err := e.App.Links.Delete(ctx, app.System, 2); err != nil {
		t.Fatal(err)
	}
	newer := make(chan *app.LinkPage, 1)
	go func() {
		page, err := e.App.Links.Search(ctx, q)
		if err != nil {
			t.Error(err)
		}
		newer <- page
	}()
	page := within(t, newer, "the search after the delete (it joined the older call?)")
	if len(page.Links) != 1 || page.Links[0].ID != 1 {
		t.Errorf("search after the delete: got %v, want link 1 only", page.Links)
	}
	close(release)
	if page := within(t, older, "the older search"); len(page.Links) != 2 {
		t.Errorf("older search: got %d links, want the 2 it was answered", len(page.Links))
	}
	if page, err := e.App.Links.Search(ctx, q); err != nil || len(page.Links) != 1 {
		t.Errorf("search after both: got %v, %v, want link 1 only", page, err)
	}
	if got := e.Craft.Calls("Search"); got != 2 {
		t.Errorf("Craftgate searches: got %d, want 2 (the last one kept)", got)
	}
	if _, err := e.App.Links.URL(ctx, 2); !app.IsProviderNotFound(err) {
		t.Errorf("URL of the deleted link: got %v, want not found", err)
	}
}

func TestLinks_SearchKeptForTTL(t *testing.T) {
	t.Parallel()
	const ttl = 10 * time.Minute
	e := MustOpenEnv(t, func(c *app.Config) { c.SearchTTL = ttl })
	putLinks(e, 1)
	q := app.LinkSearch{Name: "Kahve"}
	searchQ := func(q app.LinkSearch, wantCalls int, when string) *app.LinkPage {
		t.Helper()
		page, err := e.App.Links.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Craft.Calls("Search"); got != wantCalls {
			t.Fatalf("%s: got %d Craftgate searches, want %d", when, got, wantCalls)
		}
		return page
	}
	search := func(wantCalls int, when string) *app.LinkPage {
		t.Helper()
		return searchQ(q, wantCalls, when)
	}
	first := search(1, "first")
	if again := search(1, "at once"); again != first {
		t.Error("the kept page is not the one answered")
	}
	searchQ(app.LinkSearch{Name: "Kahve", Page: 1}, 2, "another page")
	e.Clock.Advance(ttl - time.Second)
	search(2, "just before the TTL")
	e.Clock.Advance(time.Second)
	search(3, "at the TTL")
	search(3, "kept again")
	if _, err := e.App.Links.Create(ctx, app.System, MustParseLink(t, app.LinkDraft{Name: "Çay", Price: "5", Currency: "TRY", Installments: []string{"1"}})); err != nil {
		t.Fatal(err)
	}
	search(4, "after a change")
}

func TestLinks_URLRemembered(t *testing.T) {
	t.Parallel()
	e := MustOpenEnv(t, func(c *app.Config) { c.SearchTTL = time.Hour })
	putLinks(e, 1, 2, 3)
	if _, err := e.App.Links.Search(ctx, app.LinkSearch{Name: "Kahve"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{1, 2, 3} {
		url, err := e.App.Links.URL(ctx, id)
		if err != nil || url != "https://pay.example/"+string(rune('a'+id)) {
			t.Fatalf("URL(%d): got %q, %v", id, url, err)
		}
	}
	if n := e.Craft.Calls("Get"); n != 0 {
		t.Fatalf("URLs of links just searched read Craftgate %d times, want 0", n)
	}
	if _, err := e.App.Links.Delete(ctx, app.System, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Links.URL(ctx, 1); !app.IsProviderNotFound(err) {
		t.Errorf("URL of a deleted link: got %v, want not found from Craftgate", err)
	}

	// A search that began before a delete and is answered while the
	// delete is being recorded must not bring the deleted link back.
	entered, release := blockFirstSearch(e)
	older := make(chan struct{})
	go func() {
		defer close(older)
		if _, err := e.App.Links.Search(ctx, app.LinkSearch{Name: "Kahve", Page: 1}); err != nil {
			t.Error(err)
		}
	}()
	within(t, entered, "the search to reach Craftgate")
	var once sync.Once
	e.Store.setHooks(func() {
		once.Do(func() {
			close(release)
			within(t, older, "the older search")
		})
	}, nil)
	if _, err := e.App.Links.Delete(ctx, app.System, 2); err != nil {
		t.Fatal(err)
	}
	e.Store.setHooks(nil, nil)
	gets := e.Craft.Calls("Get")
	if _, err := e.App.Links.URL(ctx, 2); !app.IsProviderNotFound(err) {
		t.Errorf("URL of a link deleted while a search was answered: got %v, want not found", err)
	}
	if e.Craft.Calls("Get") != gets+1 {
		t.Errorf("URL of a deleted link was served from memory")
	}

	// Nor must a read of the link answered before the delete.
	getEntered, getRelease := make(chan struct{}), make(chan struct{})
	var getOnce sync.Once
	get := e.Craft.GetFn
	e.Craft.GetFn = func(ctx context.Context, id int64) (*app.Link, error) {
		l, err := get(ctx, id)
		first := false
		getOnce.Do(func() { first = true })
		if first {
			close(getEntered)
			<-getRelease
		}
		return l, err
	}
	read := make(chan error, 1)
	go func() {
		_, err := e.App.Links.Get(ctx, 3)
		read <- err
	}()
	within(t, getEntered, "the read to reach Craftgate")
	if _, err := e.App.Links.Delete(ctx, app.System, 3); err != nil {
		t.Fatal(err)
	}
	close(getRelease)
	if err := within(t, read, "the read"); err != nil {
		t.Fatal(err)
	}
	gets = e.Craft.Calls("Get")
	if _, err := e.App.Links.URL(ctx, 3); !app.IsProviderNotFound(err) || e.Craft.Calls("Get") != gets+1 {
		t.Errorf("URL of a link deleted while it was read: got %v, want not found from Craftgate", err)
	}
	if _, err := e.App.Links.URL(ctx, 0); !errors.Is(err, app.ErrNotFound) {
		t.Errorf("URL(0): got %v, want ErrNotFound", err)
	}
}
