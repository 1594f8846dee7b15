package views

import (
	"strings"

	"github.com/a-h/templ"
)

// NotFound is what the not-found page says for an address: which record
// is missing, and the way back to the list it belonged to.
type NotFound struct {
	MessageKey string
	Back       templ.SafeURL
	BackKey    string
}

// NotFoundFor explains a 404 at path (with or without its query): a link,
// payment or user that does not exist (or was deleted) leads back to its
// list; any other address to the home page.
func NotFoundFor(path string) NotFound {
	path, _, _ = strings.Cut(path, "?")
	for _, s := range []struct{ list, message, back string }{
		{PathLinks, "notfound.link", "notfound.back_links"},
		{PathPayments, "notfound.payment", "notfound.back_pay"},
		{PathUsers, "notfound.user", "notfound.back_users"},
	} {
		if strings.HasPrefix(path, s.list+"/") {
			return NotFound{MessageKey: s.message, Back: templ.SafeURL(s.list), BackKey: s.back}
		}
	}
	return NotFound{MessageKey: "notfound.page", Back: templ.SafeURL(PathHome), BackKey: "error.home"}
}
