package views

// Element ids that htmx swaps target; handlers compare HX-Target against them.
const (
	IDFlash = "flash"
	IDMain  = "main"
)

// Payments (#5): the counter screen's panel (swapped whole when the payment
// settles), its polled status line and the new-payment form's provider field.
const (
	IDPaymentPanel    = "payment-panel"
	IDPaymentStatus   = "payment-status"
	IDPaymentProvider = "payment-provider-field"
)
