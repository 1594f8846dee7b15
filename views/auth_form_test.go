package views

import (
	"maps"
	"slices"
	"testing"
	"time"

	"linkdesk/app"
)

func errorKeys(errs map[string]string) []string {
	return slices.Sorted(maps.Keys(errs))
}

func checkErrors(t *testing.T, ok bool, errs map[string]string, want []string) {
	t.Helper()
	if ok != (len(want) == 0) {
		t.Errorf("Validate() = %v, want %v (errors %v)", ok, len(want) == 0, errs)
	}
	if got := errorKeys(errs); !slices.Equal(got, want) {
		t.Errorf("error fields %v, want %v", got, want)
	}
	for field, key := range errs {
		if _, ok := messages[key]; !ok {
			t.Errorf("field %s: error key %q is not in the catalog", field, key)
		}
	}
}

func TestSetupFormValidate(t *testing.T) {
	tests := []struct {
		name string
		f    SetupForm
		want []string
	}{
		{"ok", SetupForm{Email: " Ayse@Shop.example ", Name: " Ayşe ", Password: "correct horse", Confirm: "correct horse"}, nil},
		{"all empty", SetupForm{}, []string{"email", "name", "password"}},
		{"display name in email", SetupForm{Email: "Ayşe <a@b.example>", Name: "A", Password: "correct horse", Confirm: "correct horse"}, []string{"email"}},
		{"short password", SetupForm{Email: "a@b.example", Name: "A", Password: "short", Confirm: "short"}, []string{"password"}},
		{"mismatch", SetupForm{Email: "a@b.example", Name: "A", Password: "correct horse", Confirm: "correct horsf"}, []string{"password_confirm"}},
		{"long name", SetupForm{Email: "a@b.example", Name: string(make([]rune, app.MaxUserNameLen+1)), Password: "correct horse", Confirm: "correct horse"}, []string{"name"}},
		{"domain without a dot", SetupForm{Email: "ayse@shop", Name: "Ayşe", Password: "correct horse", Confirm: "correct horse"}, []string{"email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := tt.f.Validate()
			checkErrors(t, ok, tt.f.Errors, tt.want)
		})
	}
	f := SetupForm{Email: " a@b.example ", Name: " Ayşe "}
	if u := f.Input(); u.Role != app.RoleOwner {
		t.Errorf("Input() = %+v, want an owner", u)
	}
}

func TestUserFormInput(t *testing.T) {
	f := UserForm{Email: "s@b.example", Name: "Sam", Role: "Staff", Password: "long enough"}
	if u := f.Input(); u.Role != app.RoleStaff || u.Email != "s@b.example" || u.Password != "long enough" {
		t.Errorf("Input() = %+v, want staff s@b.example", u)
	}
	if u := (UserForm{Role: "root"}).Input(); u.Role.Valid() {
		t.Errorf("an unknown role came through as %q", u.Role)
	}
}

func TestPasswordFormValidate(t *testing.T) {
	tests := []struct {
		name        string
		f           PasswordForm
		needCurrent bool
		want        []string
	}{
		{"reset ok", PasswordForm{Password: "long enough", Confirm: "long enough"}, false, nil},
		{"own ok", PasswordForm{Current: "old password", Password: "long enough", Confirm: "long enough"}, true, nil},
		{"own without current", PasswordForm{Password: "long enough", Confirm: "long enough"}, true, []string{"current_password"}},
		{"mismatch", PasswordForm{Password: "long enough", Confirm: "long enougH"}, false, []string{"password_confirm"}},
		{"short", PasswordForm{Password: "short", Confirm: "short"}, false, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := tt.f.Validate(tt.needCurrent)
			checkErrors(t, ok, tt.f.Errors, tt.want)
		})
	}
}

func TestAuditFilterForm(t *testing.T) {
	ist := time.FixedZone("TRT", 3*60*60)
	tests := []struct {
		name     string
		f        AuditFilterForm
		want     []string
		from, to time.Time
		offset   int
	}{
		{"empty", AuditFilterForm{}, nil, time.Time{}, time.Time{}, 0},
		{"day range is inclusive", AuditFilterForm{From: "2026-01-05", To: "2026-01-05", Page: "3"}, nil,
			time.Date(2026, 1, 5, 0, 0, 0, 0, ist), time.Date(2026, 1, 6, 0, 0, 0, 0, ist), 2 * AuditPageSize},
		{"bad dates", AuditFilterForm{From: "05.01.2026", To: "x"}, []string{"from", "to"}, time.Time{}, time.Time{}, 0},
		{"to before from", AuditFilterForm{From: "2026-01-05", To: "2026-01-04"}, []string{"to"},
			time.Date(2026, 1, 5, 0, 0, 0, 0, ist), time.Date(2026, 1, 5, 0, 0, 0, 0, ist), 0},
		{"bad actor", AuditFilterForm{Actor: "ayse"}, []string{"actor"}, time.Time{}, time.Time{}, 0},
		{"junk page", AuditFilterForm{Page: "-4"}, nil, time.Time{}, time.Time{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := tt.f.Validate(ist)
			checkErrors(t, ok, tt.f.Errors, tt.want)
			af := tt.f.Filter()
			if !af.From.Equal(tt.from) || !af.To.Equal(tt.to) {
				t.Errorf("range [%v, %v), want [%v, %v)", af.From, af.To, tt.from, tt.to)
			}
			if af.Offset != tt.offset || af.Limit != AuditPageSize {
				t.Errorf("offset %d limit %d, want %d %d", af.Offset, af.Limit, tt.offset, AuditPageSize)
			}
		})
	}

	f := AuditFilterForm{Actor: "7", Action: "user.role", TargetType: "user", Target: "a@b.example"}
	if !f.Validate(ist) {
		t.Fatalf("valid filter refused: %v", f.Errors)
	}
	if af := f.Filter(); af.ActorID == nil || *af.ActorID != 7 || af.Action != "user.role" || af.TargetID != "a@b.example" {
		t.Errorf("Filter() = %+v", af)
	}
	if got, want := f.Query(2), "?action=user.role&actor=7&page=2&target=a%40b.example&target_type=user"; got != want {
		t.Errorf("Query(2) = %q, want %q", got, want)
	}
	if got := (AuditFilterForm{}).Query(1); got != "" {
		t.Errorf("empty Query(1) = %q, want \"\"", got)
	}
	for total, want := range map[int]int{0: 1, 1: 1, AuditPageSize: 1, AuditPageSize + 1: 2} {
		if got := f.Pages(total); got != want {
			t.Errorf("Pages(%d) = %d, want %d", total, got, want)
		}
	}
}

// TestAccountCatalogDynamicKeys covers keys the templates build at run time.
func TestAccountCatalogDynamicKeys(t *testing.T) {
	var keys []string
	for _, r := range Roles {
		keys = append(keys, "role."+string(r), "role."+string(r)+"_d")
	}
	for _, tt := range AuditTargetTypes {
		keys = append(keys, "audit.type."+tt)
	}
	for _, k := range keys {
		if _, ok := messages[k]; !ok {
			t.Errorf("catalog lacks %q", k)
		}
	}
}
