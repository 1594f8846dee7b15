package views

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestCatalogComplete checks every entry has both languages and every key
// the templates use literally exists, so no page shows a raw key.
func TestCatalogComplete(t *testing.T) {
	for k, m := range messages {
		if m.tr == "" || m.en == "" {
			t.Errorf("message %q lacks a translation: %+v", k, m)
		}
	}
	used := regexp.MustCompile(`(?:\.Tf?\(|Errorf\(\w+, |Message: )"([a-z0-9_.]*[a-z0-9_])"`)
	files, err := filepath.Glob("*.templ")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates found: %v", err)
	}
	goFiles, _ := filepath.Glob("../handlers/*.go")
	for _, f := range append(files, goFiles...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s uses unknown message key %q", f, m[1])
			}
		}
	}
}
