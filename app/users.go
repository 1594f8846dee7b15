package app

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is what a person may do in the dashboard.
type Role string

// Roles, from most to least powerful.
const (
	RoleOwner  Role = "owner"
	RoleStaff  Role = "staff"
	RoleViewer Role = "viewer"
)

// Roles lists the roles least powerful first, the order forms offer them
// so the safe choice is on top.
var Roles = []Role{RoleViewer, RoleStaff, RoleOwner}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return roleRank[r] > 0 }

// AtLeast reports whether r may do what min may (owner > staff > viewer).
func (r Role) AtLeast(min Role) bool { return r.Valid() && roleRank[r] >= roleRank[min] }

var roleRank = map[Role]int{RoleViewer: 1, RoleStaff: 2, RoleOwner: 3}

// ParseRole reads a role name, ignoring case and surrounding space.
func ParseRole(s string) (Role, bool) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	return r, r.Valid()
}

// User is a person with a dashboard account. Users are never deleted, only
// disabled, so audit rows and payments keep pointing at them.
type User struct {
	ID           int64
	Email        string // lower-case and trimmed
	Name         string
	Role         Role
	PasswordHash []byte
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Can reports whether u is enabled and its role is at least min.
func (u *User) Can(min Role) bool { return u != nil && !u.Disabled && u.Role.AtLeast(min) }

// Limits on what people type, counted in characters (runes). Every text a
// request can store is bounded, so no request writes unbounded data.
const (
	MaxEmailLen    = 254 // RFC 5321's path limit
	MaxUserNameLen = 100
)

// NormalizeEmail is the form e-mails are stored and looked up in.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// validEmail accepts a bare address whose domain has a dot, such as
// "ayse@shop.example": a display name ("Ayşe <ayse@…>"), spaces or a
// local-only domain ("ayse@shop") are refused.
func validEmail(s string) bool {
	if len(s) > MaxEmailLen {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1
}

// NewUser is an account to create: by an owner, by the first-run setup or
// from the shell.
type NewUser struct {
	Email    string
	Name     string
	Role     Role
	Password string
}

// Validate checks every field and returns the problems by field name
// ("email", "name", "role", "password").
func (in *NewUser) Validate() FieldErrors {
	var fe FieldErrors
	in.Email, in.Name = NormalizeEmail(in.Email), strings.TrimSpace(in.Name)
	if !validEmail(in.Email) {
		fe.Add("email", "account.email_invalid")
	}
	switch {
	case in.Name == "":
		fe.Add("name", "account.name_required")
	case utf8.RuneCountInString(in.Name) > MaxUserNameLen:
		fe.Add("name", "account.name_long")
	}
	if !in.Role.Valid() {
		fe.Add("role", "account.role_invalid")
	}
	if key := PasswordProblem(in.Password); key != "" {
		fe.Add("password", key)
	}
	return fe
}

// auditUser is how a user appears in audit rows: never the password hash.
type auditUser struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	Disabled bool   `json:"disabled"`
}

func userState(u *User) auditUser {
	return auditUser{Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled}
}
