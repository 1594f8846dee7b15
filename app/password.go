package app

import (
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

const (
	// MinPasswordLen is counted in characters, not bytes.
	MinPasswordLen = 10
	// MaxPasswordBytes is bcrypt's input limit; longer passwords would be
	// silently truncated, so they are refused instead.
	MaxPasswordBytes = 72
	// BcryptCost is above bcrypt's default of 10.
	BcryptCost = 12
)

// PasswordProblem returns the catalog key describing what is wrong with a
// new password, or "" when it is acceptable.
func PasswordProblem(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return "auth.password_short"
	case len(pw) > MaxPasswordBytes:
		return "auth.password_long"
	}
	return ""
}

// HashPassword hashes an acceptable password with bcrypt.
func HashPassword(pw string) ([]byte, error) {
	return bcrypt.GenerateFromPassword([]byte(pw), BcryptCost)
}

// CheckPassword reports whether pw matches hash, in constant time.
func CheckPassword(hash []byte, pw string) bool {
	return bcrypt.CompareHashAndPassword(hash, []byte(pw)) == nil
}
