package views

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"linkdesk/store"
)

// MaxUserNameLen limits a person's display name, in characters.
const MaxUserNameLen = 100

// PasswordRule returns the catalog key describing what is wrong with a new
// password, or "" when it is acceptable. Handlers pass
// handlers.PasswordProblem, which views cannot import.
type PasswordRule func(pw string) string

// FieldError is one entry of a form's error summary.
type FieldError struct {
	Field string // the form field's name, also the end of its element id
	Key   string // catalog key of the message
}

// orderedErrors lists errs in the order the fields appear on the form, so the
// summary reads top to bottom like the form.
func orderedErrors(errs map[string]string, fields ...string) []FieldError {
	var out []FieldError
	for _, f := range fields {
		if k, ok := errs[f]; ok {
			out = append(out, FieldError{Field: f, Key: k})
		}
	}
	return out
}

// addError records the first problem of a field; later ones would only
// repeat what the person must fix anyway.
func addError(errs *map[string]string, field, key string) {
	if *errs == nil {
		*errs = map[string]string{}
	}
	if _, ok := (*errs)[field]; !ok {
		(*errs)[field] = key
	}
}

// validEmail accepts a bare address such as "ayse@shop.example"; a display
// name ("Ayşe <ayse@…>") or spaces are refused.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// checkNewPassword validates a new password and its confirmation into errs.
func checkNewPassword(errs *map[string]string, pw, confirm string, rule PasswordRule) {
	if key := rule(pw); key != "" {
		addError(errs, "password", key)
		return
	}
	if pw != confirm {
		addError(errs, "password_confirm", "account.password_mismatch")
	}
}

// checkPerson validates the e-mail and name of a new account into errs.
func checkPerson(errs *map[string]string, email, name string) {
	if !validEmail(email) {
		addError(errs, "email", "account.email_invalid")
	}
	switch {
	case name == "":
		addError(errs, "name", "account.name_required")
	case utf8.RuneCountInString(name) > MaxUserNameLen:
		addError(errs, "name", "account.name_long")
	}
}

// SetupForm creates the first owner on a fresh installation.
type SetupForm struct {
	Email    string `form:"email"`
	Name     string `form:"name"`
	Password string `form:"password"`
	Confirm  string `form:"password_confirm"`
	Errors   map[string]string
}

// Validate checks the form; pwRule judges the password.
func (f *SetupForm) Validate(pwRule PasswordRule) bool {
	f.Email, f.Name = strings.TrimSpace(f.Email), strings.TrimSpace(f.Name)
	checkPerson(&f.Errors, f.Email, f.Name)
	checkNewPassword(&f.Errors, f.Password, f.Confirm, pwRule)
	return len(f.Errors) == 0
}

// ErrorList orders the errors for the summary.
func (f SetupForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "email", "name", "password", "password_confirm")
}

// Input is the owner to create, without the password hash.
func (f SetupForm) Input() *store.User {
	return &store.User{Email: f.Email, Name: f.Name, Role: store.RoleOwner}
}

// LoginForm signs a person in. Next is the same-site path to return to.
type LoginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
	Errors   map[string]string
	// Problem is a catalog key for a refusal that concerns the whole form
	// (wrong credentials, disabled account); WaitMinutes > 0 means too many
	// failures and says how long to wait.
	Problem     string
	WaitMinutes int
}

// Validate checks that both fields were filled in.
func (f *LoginForm) Validate() bool {
	f.Email = strings.TrimSpace(f.Email)
	if f.Email == "" {
		addError(&f.Errors, "email", "auth.email_required")
	}
	if f.Password == "" {
		addError(&f.Errors, "password", "auth.password_required")
	}
	return len(f.Errors) == 0
}

// ErrorList orders the errors for the summary.
func (f LoginForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "email", "password")
}
