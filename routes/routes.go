// Package routes names every page and endpoint of the dashboard and holds
// its path, once: package web registers the routes from this table and
// package views builds every URL from it, so a link can never point at a
// route that does not exist.
package routes

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Name names a route, dotted by area (pagoda's routenames).
type Name string

// Route names.
const (
	Health Name = "health"
	Home   Name = "home"
	Lang   Name = "lang"

	Setup          Name = "auth.setup"
	SetupSubmit    Name = "auth.setup.submit"
	Login          Name = "auth.login"
	LoginSubmit    Name = "auth.login.submit"
	Logout         Name = "auth.logout"
	LogoutAll      Name = "auth.logout_all"
	Account        Name = "account.show"
	AccountPass    Name = "account.password"
	Users          Name = "users.index"
	UserNew        Name = "users.new"
	UserCreate     Name = "users.create"
	UserShow       Name = "users.show"
	UserRole       Name = "users.role"
	UserPassword   Name = "users.password"
	UserDisable    Name = "users.disable"
	UserEnable     Name = "users.enable"
	Audit          Name = "audit.index"
	AuditExport    Name = "audit.export"
	Links          Name = "links.index"
	LinksExport    Name = "links.export"
	LinksLabels    Name = "links.labels"
	LinkNew        Name = "links.new"
	LinkCreate     Name = "links.create"
	LinkValidate   Name = "links.validate"
	LinkShow       Name = "links.show"
	LinkEdit       Name = "links.edit"
	LinkUpdate     Name = "links.update"
	LinkStatus     Name = "links.status"
	LinkDeleteAsk  Name = "links.delete_confirm"
	LinkDelete     Name = "links.delete"
	LinkQRPNG      Name = "links.qr_png"
	LinkQRSVG      Name = "links.qr_svg"
	LinkPrint      Name = "links.print"
	Payments       Name = "payments.index"
	PaymentsExport Name = "payments.export"
	PaymentNew     Name = "payments.new"
	PaymentWallets Name = "payments.wallets"
	PaymentCreate  Name = "payments.create"
	PaymentShow    Name = "payments.show"
	PaymentStatus  Name = "payments.status"
	PaymentQR      Name = "payments.qr"
	PaymentRetry   Name = "payments.retry"
	PaymentCheck   Name = "payments.check"
	PaymentRefund  Name = "payments.refund"
	PaymentRefunds Name = "payments.refund.submit"
	PaywallSuccess Name = "callbacks.paywall.success"
	PaywallFail    Name = "callbacks.paywall.fail"
)

// The counter's customer screen and taking a payment again (#14).
const (
	PaymentCustomer       Name = "payments.customer"
	PaymentCustomerStatus Name = "payments.customer_status"
	PaymentAgain          Name = "payments.again"
)

// Sales (#12): the overview is Home; these list and export sales of both
// kinds, poll a link's sales, refund a link payment and receive
// Craftgate's webhooks.
const (
	Sales            Name = "sales.index"
	SalesExport      Name = "sales.export"
	LinkSales        Name = "links.sales"
	SaleRefund       Name = "sales.refund"
	SaleRefundSubmit Name = "sales.refund.submit"
	CraftgateWebhook Name = "callbacks.craftgate"
)

// Bulk links (#15): import from a sheet, change many at once.
const (
	LinksImport         Name = "links.import"
	LinksImportUpload   Name = "links.import.upload"
	LinksImportTemplate Name = "links.import.template"
	LinksImportShow     Name = "links.import.show"
	LinksImportStart    Name = "links.import.start"
	LinksImportProgress Name = "links.import.progress"
	LinksImportReport   Name = "links.import.report"
	LinksBulkConfirm    Name = "links.bulk.confirm"
	LinksBulk           Name = "links.bulk"
)

// Route is one entry of the table: a name, its method and its path, with
// Echo-style :params.
type Route struct {
	Name   Name
	Method string
	Path   string
}

// All is every route, the one source of truth.
var All = []Route{
	{Health, http.MethodGet, "/healthz"},
	{Home, http.MethodGet, "/"},
	{Lang, http.MethodGet, "/lang/:lang"},

	{Setup, http.MethodGet, "/setup"},
	{SetupSubmit, http.MethodPost, "/setup"},
	{Login, http.MethodGet, "/login"},
	{LoginSubmit, http.MethodPost, "/login"},
	{Logout, http.MethodPost, "/logout"},
	{LogoutAll, http.MethodPost, "/account/logout-everywhere"},
	{Account, http.MethodGet, "/account"},
	{AccountPass, http.MethodPost, "/account/password"},
	{Users, http.MethodGet, "/users"},
	{UserNew, http.MethodGet, "/users/new"},
	{UserCreate, http.MethodPost, "/users"},
	{UserShow, http.MethodGet, "/users/:id"},
	{UserRole, http.MethodPost, "/users/:id/role"},
	{UserPassword, http.MethodPost, "/users/:id/password"},
	{UserDisable, http.MethodPost, "/users/:id/disable"},
	{UserEnable, http.MethodPost, "/users/:id/enable"},
	{Audit, http.MethodGet, "/audit"},
	{AuditExport, http.MethodGet, "/audit/export.csv"},

	{Links, http.MethodGet, "/links"},
	{LinksExport, http.MethodGet, "/links/export.csv"},
	// A static path: Echo matches it before /links/:id.
	{LinksLabels, http.MethodGet, "/links/labels"},
	{LinkNew, http.MethodGet, "/links/new"},
	// Bulk links (#15); static paths, matched before /links/:id.
	{LinksImport, http.MethodGet, "/links/import"},
	{LinksImportUpload, http.MethodPost, "/links/import"},
	{LinksImportTemplate, http.MethodGet, "/links/import/template"},
	{LinksImportShow, http.MethodGet, "/links/import/:id"},
	{LinksImportStart, http.MethodPost, "/links/import/:id/start"},
	{LinksImportProgress, http.MethodGet, "/links/import/:id/progress"},
	{LinksImportReport, http.MethodGet, "/links/import/:id/report.csv"},
	{LinksBulkConfirm, http.MethodGet, "/links/bulk"},
	{LinksBulk, http.MethodPost, "/links/bulk"},
	{LinkCreate, http.MethodPost, "/links"},
	{LinkValidate, http.MethodPost, "/links/validate/:field"},
	{LinkShow, http.MethodGet, "/links/:id"},
	{LinkEdit, http.MethodGet, "/links/:id/edit"},
	{LinkUpdate, http.MethodPost, "/links/:id"},
	{LinkStatus, http.MethodPost, "/links/:id/status"},
	{LinkDeleteAsk, http.MethodGet, "/links/:id/delete"},
	{LinkDelete, http.MethodPost, "/links/:id/delete"},
	{LinkQRPNG, http.MethodGet, "/links/:id/qr.png"},
	{LinkQRSVG, http.MethodGet, "/links/:id/qr.svg"},
	{LinkPrint, http.MethodGet, "/links/:id/print"},

	{Payments, http.MethodGet, "/payments"},
	{PaymentsExport, http.MethodGet, "/payments/export.csv"},
	{PaymentNew, http.MethodGet, "/payments/new"},
	{PaymentWallets, http.MethodGet, "/payments/providers"},
	{PaymentCreate, http.MethodPost, "/payments"},
	{PaymentShow, http.MethodGet, "/payments/:code"},
	{PaymentStatus, http.MethodGet, "/payments/:code/status"},
	{PaymentQR, http.MethodGet, "/payments/:code/qr.png"},
	{PaymentRetry, http.MethodPost, "/payments/:code/retry"},
	{PaymentCheck, http.MethodPost, "/payments/:code/check"},
	{PaymentRefund, http.MethodGet, "/payments/:code/refund"},
	{PaymentRefunds, http.MethodPost, "/payments/:code/refund"},

	// The counter's customer screen and taking a payment again (#14).
	{PaymentCustomer, http.MethodGet, "/payments/:code/customer"},
	{PaymentCustomerStatus, http.MethodGet, "/payments/:code/customer/status"},
	{PaymentAgain, http.MethodPost, "/payments/:code/again"},

	{PaywallSuccess, http.MethodPost, "/callbacks/paywall/:token/success"},
	{PaywallFail, http.MethodPost, "/callbacks/paywall/:token/fail"},

	{Sales, http.MethodGet, "/sales"},
	{SalesExport, http.MethodGet, "/sales/export.csv"},
	{LinkSales, http.MethodGet, "/links/:id/sales"},
	{SaleRefund, http.MethodGet, "/sales/link/:id/refund"},
	{SaleRefundSubmit, http.MethodPost, "/sales/link/:id/refund"},
	{CraftgateWebhook, http.MethodPost, "/callbacks/craftgate"},
}

var byName = func() map[Name]Route {
	m := make(map[Name]Route, len(All))
	for _, r := range All {
		if _, dup := m[r.Name]; dup {
			panic("routes: duplicate name " + string(r.Name))
		}
		m[r.Name] = r
	}
	return m
}()

// Get returns the route of a name; an unknown name is a programming error.
func Get(name Name) Route {
	r, ok := byName[name]
	if !ok {
		panic("routes: unknown route " + string(name))
	}
	return r
}

// Path builds the path of a route, filling its :params in order with
// params (escaped as path segments). Numbers are written in base 10.
func Path(name Name, params ...any) string {
	p := Get(name).Path
	if len(params) == 0 {
		return p
	}
	var b strings.Builder
	b.Grow(len(p) + 16)
	i := 0
	for seg := range strings.SplitSeq(p[1:], "/") {
		b.WriteByte('/')
		if !strings.HasPrefix(seg, ":") {
			b.WriteString(seg)
			continue
		}
		if i >= len(params) {
			panic(fmt.Sprintf("routes: %s needs more than %d params", name, len(params)))
		}
		b.WriteString(segment(params[i]))
		i++
	}
	return b.String()
}

func segment(v any) string {
	switch v := v.(type) {
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case string:
		return url.PathEscape(v)
	}
	panic(fmt.Sprintf("routes: unsupported param %T", v))
}
