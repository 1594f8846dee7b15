package views

// linkMessages holds the link pages' catalog entries.
var linkMessages = map[string]msg{}
