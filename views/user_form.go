package views

import (
	"linkdesk/app"
)

// Roles lists the roles in the order forms offer them, least powerful first
// so the safe choice is on top.
var Roles = app.Roles

// UserForm adds a person to the dashboard with an initial password the
// owner hands over.
type UserForm struct {
	Email    string `form:"email"`
	Name     string `form:"name"`
	Role     string `form:"role"`
	Password string `form:"password"`
	Errors   map[string]string
}

// Input is the person to create; the core checks it.
func (f UserForm) Input() app.NewUser {
	role, _ := app.ParseRole(f.Role)
	return app.NewUser{Email: f.Email, Name: f.Name, Role: role, Password: f.Password}
}

// SetErrors shows a refusal of the core on the form.
func (f *UserForm) SetErrors(err error) bool { return takeFieldErrors(&f.Errors, err) }

// ErrorList orders the errors for the summary.
func (f UserForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "email", "name", "role", "password")
}

// RoleForm changes a person's role.
type RoleForm struct {
	Role   string `form:"role"`
	Errors map[string]string
}

// SetErrors shows a refusal of the core on the form.
func (f *RoleForm) SetErrors(err error) bool { return takeFieldErrors(&f.Errors, err) }

// ErrorList orders the errors for the summary.
func (f RoleForm) ErrorList() []FieldError { return orderedErrors(f.Errors, "role") }

// PasswordForm sets a new password. Current is asked for only when people
// change their own password on the account page, so a borrowed signed-in
// browser cannot lock its owner out.
type PasswordForm struct {
	Current  string `form:"current_password"`
	Password string `form:"password"`
	Confirm  string `form:"password_confirm"`
	Errors   map[string]string
}

// Validate checks the new password and its confirmation; needCurrent
// requires the current password too (the core checks it against the hash).
func (f *PasswordForm) Validate(needCurrent bool) bool {
	if needCurrent && f.Current == "" {
		addError(&f.Errors, "current_password", "account.current_required")
	}
	checkNewPassword(&f.Errors, f.Password, f.Confirm)
	return len(f.Errors) == 0
}

// SetErrors shows a refusal of the core on the form.
func (f *PasswordForm) SetErrors(err error) bool { return takeFieldErrors(&f.Errors, err) }

// ErrorList orders the errors for the summary.
func (f PasswordForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "current_password", "password", "password_confirm")
}
