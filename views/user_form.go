package views

import (
	"strings"

	"linkdesk/store"
)

// Roles lists the roles in the order forms offer them, least powerful first
// so the safe choice is on top.
var Roles = []store.Role{store.RoleViewer, store.RoleStaff, store.RoleOwner}

// UserForm adds a person to the dashboard with an initial password the
// owner hands over.
type UserForm struct {
	Email    string `form:"email"`
	Name     string `form:"name"`
	Role     string `form:"role"`
	Password string `form:"password"`
	Errors   map[string]string
}

// Validate checks the form; pwRule judges the password.
func (f *UserForm) Validate(pwRule PasswordRule) bool {
	f.Email, f.Name = strings.TrimSpace(f.Email), strings.TrimSpace(f.Name)
	checkPerson(&f.Errors, f.Email, f.Name)
	if _, err := store.ParseRole(f.Role); err != nil {
		addError(&f.Errors, "role", "account.role_invalid")
	}
	if key := pwRule(f.Password); key != "" {
		addError(&f.Errors, "password", key)
	}
	return len(f.Errors) == 0
}

// ErrorList orders the errors for the summary.
func (f UserForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "email", "name", "role", "password")
}

// SetError records a problem the handler found (an e-mail already in use).
func (f *UserForm) SetError(field, key string) { addError(&f.Errors, field, key) }

// Input is the user to create, without the password hash. Call it only
// after Validate.
func (f UserForm) Input() *store.User {
	role, _ := store.ParseRole(f.Role)
	return &store.User{Email: f.Email, Name: f.Name, Role: role}
}

// RoleForm changes a person's role.
type RoleForm struct {
	Role   string `form:"role"`
	Errors map[string]string
}

// Validate checks the role is a known one.
func (f *RoleForm) Validate() bool {
	if _, err := store.ParseRole(f.Role); err != nil {
		addError(&f.Errors, "role", "account.role_invalid")
	}
	return len(f.Errors) == 0
}

// ErrorList orders the errors for the summary.
func (f RoleForm) ErrorList() []FieldError { return orderedErrors(f.Errors, "role") }

// Input is the chosen role; call it only after Validate.
func (f RoleForm) Input() store.Role {
	r, _ := store.ParseRole(f.Role)
	return r
}

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
// requires the current password too (checked against the hash by the
// handler).
func (f *PasswordForm) Validate(pwRule PasswordRule, needCurrent bool) bool {
	if needCurrent && f.Current == "" {
		addError(&f.Errors, "current_password", "account.current_required")
	}
	checkNewPassword(&f.Errors, f.Password, f.Confirm, pwRule)
	return len(f.Errors) == 0
}

// ErrorList orders the errors for the summary.
func (f PasswordForm) ErrorList() []FieldError {
	return orderedErrors(f.Errors, "current_password", "password", "password_confirm")
}

// SetError records a problem the handler found (a wrong current password).
func (f *PasswordForm) SetError(field, key string) { addError(&f.Errors, field, key) }
