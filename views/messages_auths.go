package views

// authMessages holds the auth pages' catalog entries.
var authMessages = map[string]msg{}
