package views

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"linkdesk/app"
	"linkdesk/routes"

	"github.com/a-h/templ"
)

// Link form field names: the core's (Craftgate's JSON names), so provider
// refusals that name a field land on the right input.
const (
	FieldName           = app.FieldName
	FieldDescription    = app.FieldDescription
	FieldPrice          = app.FieldPrice
	FieldCurrency       = app.FieldCurrency
	FieldInstallments   = app.FieldInstallments
	FieldStock          = app.FieldStock
	FieldChannel        = app.FieldChannel
	FieldOrderID        = app.FieldOrderID
	FieldConversationID = app.FieldConversationID
	FieldExternalID     = app.FieldExternalID
	FieldExpiresAt      = app.FieldExpiresAt
	FieldStatus         = app.FieldStatus
)

// IsLinkField reports whether name is a field of the link form.
func IsLinkField(name string) bool { return slices.Contains(app.LinkFields, name) }

// InstallmentChoices are the installment counts the form offers as checkboxes.
func InstallmentChoices() []int { return []int{1, 2, 3, 6, 9, 12} }

// expiresAtLayout is what a datetime-local input shows: minutes, or
// seconds when the value has them.
const expiresAtLayout = "2006-01-02T15:04"

// LinkForm is the create and edit form of a payment link, every field as
// typed so a refused form comes back exactly as it was sent.
type LinkForm struct {
	ID                  int64 // 0 while creating
	Name                string
	Description         string
	Price               string
	Currency            string
	EnabledInstallments []string
	Stock               string
	Channel             string
	OrderID             string
	ConversationID      string
	ExternalID          string
	ExpiresAt           string
	Status              string // edit only: ACTIVE or PASSIVE

	// Errors maps a field name to a catalog key.
	Errors map[string]string
	// ProviderCode and ProviderText are the provider's refusal, shown in the
	// error summary so support can look the code up.
	ProviderCode string
	ProviderText string
	// Problem is an upstream failure (timeout, 5xx) shown above the kept input.
	Problem *ErrorInfo
	// MayExist says a create failed in a way that may still have created the
	// link upstream: the user must check the list before trying again.
	MayExist bool

	input app.LinkInput
}

// NewLinkForm is the empty create form: Turkish lira, single payment.
func NewLinkForm() LinkForm {
	return LinkForm{Currency: string(app.LinkCurrencies[0]), EnabledInstallments: []string{"1"}}
}

// LinkFormFromValues reads a posted form. The ID comes from the URL, never
// from the body.
func LinkFormFromValues(id int64, v url.Values) LinkForm {
	return LinkForm{
		ID:                  id,
		Name:                v.Get(FieldName),
		Description:         v.Get(FieldDescription),
		Price:               v.Get(FieldPrice),
		Currency:            v.Get(FieldCurrency),
		EnabledInstallments: v[FieldInstallments],
		Stock:               v.Get(FieldStock),
		Channel:             v.Get(FieldChannel),
		OrderID:             v.Get(FieldOrderID),
		ConversationID:      v.Get(FieldConversationID),
		ExternalID:          v.Get(FieldExternalID),
		ExpiresAt:           v.Get(FieldExpiresAt),
		Status:              v.Get(FieldStatus),
	}
}

// LinkFormFrom pre-fills the edit form with a link's current values.
func LinkFormFrom(l app.Link) LinkForm {
	f := LinkForm{
		ID:             l.ID,
		Name:           l.Name,
		Description:    l.Description,
		Price:          app.MoneyInput(l.Price),
		Currency:       string(l.Currency),
		Channel:        l.Channel,
		OrderID:        l.OrderID,
		ConversationID: l.ConversationID,
		ExternalID:     l.ExternalID,
		Status:         string(l.Status),
	}
	for _, n := range l.EnabledInstallments {
		f.EnabledInstallments = append(f.EnabledInstallments, strconv.Itoa(n))
	}
	if l.Stock != nil {
		f.Stock = strconv.Itoa(*l.Stock)
	}
	if l.ExpiresAt != nil {
		layout := expiresAtLayout
		if l.ExpiresAt.Second() != 0 {
			layout += ":05"
		}
		f.ExpiresAt = l.ExpiresAt.Format(layout)
	}
	return f
}

// moreOpen says the advanced fields are shown: when one is set or refused.
func (f LinkForm) moreOpen() bool {
	return f.ConversationID != "" || f.ExternalID != "" || f.Errors[FieldConversationID] != "" || f.Errors[FieldExternalID] != ""
}

// Draft is the form as the core reads it.
func (f LinkForm) Draft() app.LinkDraft {
	return app.LinkDraft{
		Name: f.Name, Description: f.Description, Price: f.Price, Currency: f.Currency,
		Installments: f.EnabledInstallments, Stock: f.Stock, Channel: f.Channel, OrderID: f.OrderID,
		ConversationID: f.ConversationID, ExternalID: f.ExternalID, ExpiresAt: f.ExpiresAt, Status: f.Status,
	}
}

// Validate checks the form with the core's link rules and fills Errors.
// now is the clock the expiry is compared with; the typed expiry is read as
// wall time in now's location. A form posted without a currency (a
// hand-made request) is refused, though a spreadsheet may leave it out.
func (f *LinkForm) Validate(now time.Time) bool {
	in, fe := f.Draft().Parse(now)
	if f.ID != 0 && f.Status == "" {
		fe.Add(FieldStatus, "links.err.status")
	}
	f.input, f.Errors = in, fe
	return len(fe) == 0
}

// Input is the valid link the form describes; call it after Validate.
func (f LinkForm) Input() app.LinkInput { return f.input }

// AddProviderError puts a refusal of the request (by the provider, or by
// the client's own checks before sending) onto the form and reports whether
// err was one. Other failures (timeouts, 5xx) are left to the caller.
func (f *LinkForm) AddProviderError(err error) bool {
	pe, ok := app.AsProviderError(err)
	if !ok || pe.Kind != app.ProviderRefused {
		return false
	}
	f.ProviderCode, f.ProviderText = pe.Code, pe.Description
	if IsLinkField(pe.Field) {
		addError(&f.Errors, pe.Field, "links.err.rejected")
	}
	return true
}

// Refused reports whether the form has anything for the error summary: a
// field error, or a provider refusal the form could not place on a field.
func (f LinkForm) Refused() bool {
	return len(f.Errors) > 0 || f.ProviderCode != "" || f.ProviderText != ""
}

// ErrorList returns the field errors in form order, for the summary.
func (f LinkForm) ErrorList() []FieldError { return orderedErrors(f.Errors, app.LinkFields...) }

// HasInstallment reports whether n is ticked.
func (f LinkForm) HasInstallment(n int) bool {
	return slices.Contains(f.EnabledInstallments, strconv.Itoa(n))
}

// Action is where the form posts.
func (f LinkForm) Action() templ.SafeURL {
	if f.ID == 0 {
		return templ.SafeURL(PathLinks)
	}
	return LinkURL(f.ID)
}

// LinkInputID is the id of a field's input (the error summary links to it).
func LinkInputID(field string) string { return "link-" + field }

// linkFieldID is the id of a field's wrapper, which inline validation swaps.
func linkFieldID(field string) string { return "link-field-" + field }

func linkErrorID(field string) string { return "link-" + field + "-error" }
func linkHintID(field string) string  { return "link-" + field + "-hint" }

// inputAttrs are the attributes every input of a field shares: id, name,
// and the accessibility links to its hint and error.
func (f LinkForm) inputAttrs(field string) templ.Attributes {
	a := templ.Attributes{"id": LinkInputID(field), "name": field, "data-testid": "input-" + field}
	if f.Errors[field] != "" {
		a["aria-invalid"] = "true"
	}
	if ids := f.describedBy(field); ids != "" {
		a["aria-describedby"] = ids
	}
	return a
}

// describedBy lists the ids of a field's hint and error.
func (f LinkForm) describedBy(field string) string {
	var ids []string
	if linkHintKey(field) != "" {
		ids = append(ids, linkHintID(field))
	}
	if f.Errors[field] != "" {
		ids = append(ids, linkErrorID(field))
	}
	return strings.Join(ids, " ")
}

// LinkValidateURL is the inline validation endpoint of one field.
func LinkValidateURL(field string) string { return routes.Path(routes.LinkValidate, field) }

// linkHintKey is the catalog key of a field's hint, or "" for none.
func linkHintKey(field string) string {
	switch field {
	case FieldDescription, FieldPrice, FieldInstallments, FieldStock, FieldChannel, FieldOrderID,
		FieldConversationID, FieldExternalID, FieldExpiresAt:
		return "links.hint." + field
	}
	return ""
}

func installmentLabel(l Locale, n int) string {
	if n == 1 {
		return l.T("links.single_payment")
	}
	return l.Tf("links.installments_n", n)
}
