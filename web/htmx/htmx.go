// Package htmx holds the htmx request and response headers Linkdesk uses.
package htmx

import "net/http"

// Request headers htmx sends.
const (
	HeaderRequest        = "HX-Request"
	HeaderBoosted        = "HX-Boosted"
	HeaderHistoryRestore = "HX-History-Restore-Request"
	HeaderTarget         = "HX-Target"
	HeaderTrigger        = "HX-Trigger"
)

// Response headers the server may set.
const (
	HeaderRedirect = "HX-Redirect"
	HeaderRetarget = "HX-Retarget"
	HeaderReswap   = "HX-Reswap"
	HeaderPushURL  = "HX-Push-Url"
)

// Request is what the server needs to know about an htmx request.
type Request struct {
	Enabled        bool
	Boosted        bool
	HistoryRestore bool
	Target         string
}

// Parse reads the htmx headers of r.
func Parse(r *http.Request) Request {
	h := r.Header
	return Request{
		Enabled:        h.Get(HeaderRequest) == "true",
		Boosted:        h.Get(HeaderBoosted) == "true",
		HistoryRestore: h.Get(HeaderHistoryRestore) == "true",
		Target:         h.Get(HeaderTarget),
	}
}

// Partial reports whether the response should be a fragment: an htmx request
// that is neither boosted nor a history restore (those need the whole page).
func (r Request) Partial() bool {
	return r.Enabled && !r.Boosted && !r.HistoryRestore
}
