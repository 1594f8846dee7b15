package views

// printMessages holds the QR and print sheets' catalog entries.
var printMessages = map[string]msg{}
