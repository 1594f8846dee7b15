package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"linkdesk/views"
)

// Home serves the start page with the two jobs people come for.
type Home struct{ site Site }

// NewHome returns the home page handler.
func NewHome(site Site) *Home { return &Home{site: site} }

// Index renders the start page.
func (h *Home) Index(c echo.Context) error {
	return render(c, http.StatusOK, views.HomePage(h.site.Meta(c, "home", "nav.home")), nil)
}
