package views_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"linkdesk/views"
)

// TestAuditActionsListed checks that every action the core audits is
// offered in the audit log's filter, so an owner can find it, and reads
// as words in both languages rather than as its code.
func TestAuditActionsListed(t *testing.T) {
	files, _ := filepath.Glob("../app/*.go")
	action := regexp.MustCompile(`(?:Action:\s*|action\s*:?=\s*)"([a-z_]+\.[a-z_]+)"`)
	found := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range action.FindAllStringSubmatch(string(b), -1) {
			found++
			if !slices.Contains(views.AuditActions, m[1]) {
				t.Errorf("%s audits %q, which views.AuditActions does not list", f, m[1])
			}
			for _, lang := range views.Langs {
				if got := views.AuditActionLabel(views.NewLocale(lang), m[1]); got == m[1] || got == "" {
					t.Errorf("%s audits %q, which has no %s translation (audit.action.%s)", f, m[1], lang, m[1])
				}
			}
		}
	}
	if found < 10 {
		t.Errorf("found only %d audited actions; has the Change literal changed shape?", found)
	}
}
