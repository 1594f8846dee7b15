package views

import (
	"fmt"
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
	for _, dir := range []string{"../handlers", "../app"} {
		goFiles, _ := filepath.Glob(dir + "/*.go")
		files = append(files, goFiles...)
	}
	for _, f := range files {
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
	// The central error handler names a status's message "error.<status>"
	// for every status the server answers with on its own.
	for _, status := range []int{400, 403, 404, 405, 409, 413, 415, 422, 429, 500, 502, 503, 504} {
		if _, ok := messages[fmt.Sprintf("error.%d", status)]; !ok {
			t.Errorf("no message for status %d", status)
		}
	}
}
