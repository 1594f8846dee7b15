package views

// authMessages holds the sign-in, users and audit pages' catalog entries.
var authMessages = map[string]msg{
	"auth.password_short": {"Parola en az 10 karakter olmalı.", "The password must have at least 10 characters."},
	"auth.password_long":  {"Parola en fazla 72 bayt olabilir.", "The password can be at most 72 bytes long."},
}
