package views

// uiMessages are the names of the layout's own controls (issue #14): the
// collapsing menu and the compact row menus.
var uiMessages = map[string]msg{
	"nav.menu":          {"Menü", "Menu"},
	"nav.main":          {"Ana menü", "Main menu"},
	"links.actions_for": {"İşlemler: %s", "Actions: %s"},
	"filters.more":      {"Diğer filtreler", "More filters"},
	"filters.all":       {"Filtreler", "Filters"},
}
