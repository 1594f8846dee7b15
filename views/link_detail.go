package views

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"

	"linkdesk/app"
	"linkdesk/routes"
)

// factItem is one line of a link's facts.
type factItem struct{ label, value, testID string }

// advancedFacts are the identifiers integrations set on a link, only the
// ones that are set: empty, they filled half the card.
func advancedFacts(l Locale, p app.Link) []factItem {
	var out []factItem
	for _, f := range []factItem{
		{"links.field.conversationId", p.ConversationID, "conversation-id"},
		{"links.field.externalId", p.ExternalID, "external-id"},
		{"links.field.basketIdentifier", p.BasketIdentifier, "basket-identifier"},
		{"links.field.multiPayment", multiPaymentText(l, p.MultiPayment), "multi-payment"},
		{"links.field.token", p.Token, "token"},
	} {
		if f.value != "" {
			out = append(out, f)
		}
	}
	return out
}

func multiPaymentText(l Locale, on bool) string {
	if !on {
		return ""
	}
	return yesNo(l, true)
}

// LinkQRDownloadURL downloads a link's QR code as a file: "png" (1024 px,
// for sharing and documents) or "svg" (vector, for print).
func LinkQRDownloadURL(id int64, format string) string {
	if format == "svg" {
		return LinkQRSVGURL(id) + "?download=1"
	}
	return LinkQRPNGURL(id, 1024) + "&download=1"
}

// LinkDuplicateURL is the new-link form pre-filled from link id.
func LinkDuplicateURL(id int64) templ.SafeURL {
	return templ.SafeURL(routes.Path(routes.LinkNew) + "?from=" + strconv.FormatInt(id, 10))
}

// DuplicateLinkForm is the create form pre-filled from l ("Duplicate"):
// every field but what belongs to l alone. The name says it is a copy,
// the order number is left out (it names one order, and with it the stock
// must be 1), and an expiry already past (by now's wall clock) is dropped.
func DuplicateLinkForm(loc Locale, l app.Link, now time.Time) LinkForm {
	f := LinkFormFrom(l)
	f.ID, f.Status, f.OrderID = 0, "", ""
	suffix := loc.T("links.copy_suffix")
	name := []rune(l.Name)
	if keep := app.MaxLinkNameLen - utf8.RuneCountInString(suffix); len(name) > keep {
		name = name[:max(keep, 0)]
	}
	f.Name = strings.TrimSpace(string(name)) + suffix
	wall := time.Date(now.Year(), now.Month(), now.Day(), now.Hour(), now.Minute(), now.Second(), 0, time.UTC)
	if l.ExpiresAt != nil && !l.ExpiresAt.After(wall) {
		f.ExpiresAt = ""
	}
	return f
}
