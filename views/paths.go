package views

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/a-h/templ"
)

// Paths of the links pages. A test checks each against the routes Echo has
// registered, so a renamed route cannot leave a dead link behind.
const (
	PathLinks       = "/links"
	PathLinkNew     = "/links/new"
	PathLinksCSV    = "/links/export.csv"
	PathLinksLabels = "/links/labels"
)

// LinkURL is a link's detail page.
func LinkURL(id int64) templ.SafeURL { return templ.SafeURL(linkPath(id, "")) }

// LinkEditURL is a link's edit form.
func LinkEditURL(id int64) templ.SafeURL { return templ.SafeURL(linkPath(id, "/edit")) }

// LinkStatusURL switches a link between ACTIVE and PASSIVE.
func LinkStatusURL(id int64) string { return linkPath(id, "/status") }

// LinkDeleteURL deletes a link.
func LinkDeleteURL(id int64) string { return linkPath(id, "/delete") }

// LinkQRPNGURL is a link's QR as PNG, size pixels wide (0 = default).
func LinkQRPNGURL(id int64, size int) string {
	if size > 0 {
		return linkPath(id, "/qr.png?size="+strconv.Itoa(size))
	}
	return linkPath(id, "/qr.png")
}

// LinkQRSVGURL is a link's QR as SVG, for print.
func LinkQRSVGURL(id int64) string { return linkPath(id, "/qr.svg") }

// LinkPrintURL is a link's print sheet in a layout: poster, card or tent.
func LinkPrintURL(id int64, layout string) templ.SafeURL {
	return templ.SafeURL(linkPath(id, "/print?layout="+url.QueryEscape(layout)))
}

// LabelsURL is a label sheet for several links.
func LabelsURL(ids []int64) templ.SafeURL {
	q := url.Values{}
	for _, id := range ids {
		q.Add("id", strconv.FormatInt(id, 10))
	}
	return templ.SafeURL(PathLinksLabels + "?" + q.Encode())
}

func linkPath(id int64, suffix string) string {
	return fmt.Sprintf("%s/%d%s", PathLinks, id, suffix)
}
