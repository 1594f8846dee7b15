package views

// paymentMessages holds the payment pages' catalog entries.
var paymentMessages = map[string]msg{}
