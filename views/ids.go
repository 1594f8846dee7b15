package views

// Element ids that htmx swaps target; handlers compare HX-Target against them.
const (
	IDFlash = "flash"
	IDMain  = "main"
)
