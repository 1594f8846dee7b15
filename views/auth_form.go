package views

import (
	"errors"

	"linkdesk/app"
)

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
	fe := app.FieldErrors(*errs)
	fe.Add(field, key)
	*errs = fe
}

// takeFieldErrors copies the field errors of a core refusal into errs and
// reports whether there were any: the form shows them, everything else goes
// to the error handler.
func takeFieldErrors(errs *map[string]string, err error) bool {
	var e *app.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return false
	}
	for f, k := range e.Fields {
		addError(errs, f, k)
	}
	return true
}

// checkNewPassword checks a new password and its confirmation into errs:
// the rule itself, and that both were typed alike.
func checkNewPassword(errs *map[string]string, pw, confirm string) {
	if key := app.PasswordProblem(pw); key != "" {
		addError(errs, "password", key)
	} else if pw != confirm {
		addError(errs, "password_confirm", "account.password_mismatch")
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

// Validate checks what only the form knows (the confirmation); the core
// checks the rest.
func (f *SetupForm) Validate() bool {
	checkNewPassword(&f.Errors, f.Password, f.Confirm)
	in := f.Input()
	for field, key := range in.Validate() {
		addError(&f.Errors, field, key)
	}
	return len(f.Errors) == 0
}

// SetErrors shows a refusal of the core on the form.
func (f *SetupForm) SetErrors(err error) bool { return takeFieldErrors(&f.Errors, err) }

// ErrorList orders the errors for the summary.
func (f SetupForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "email", "name", "password", "password_confirm")
}

// Input is the owner to create.
func (f SetupForm) Input() app.NewUser {
	return app.NewUser{Email: f.Email, Name: f.Name, Role: app.RoleOwner, Password: f.Password}
}

// LoginForm signs a person in. Next is the same-site path to return to.
type LoginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
	Errors   map[string]string
	// Problem is a catalog key for a refusal that concerns the whole form
	// (wrong credentials); WaitMinutes > 0 means too many failures and says
	// how long to wait.
	Problem     string
	WaitMinutes int
}

// Input is the sign-in attempt from ip.
func (f LoginForm) Input(ip string) app.LoginInput {
	return app.LoginInput{Email: f.Email, Password: f.Password, IP: ip}
}

// ErrorList orders the errors for the summary.
func (f LoginForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "email", "password")
}
