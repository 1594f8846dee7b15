// Command screens saves a PNG of every dashboard page at phone (390 px)
// and desktop (1366 px) width in Turkish and English, for a person to look
// for anything cut off, overlapping or untranslated (issue #14):
//
//	go run ./bench/screens -out DIR
//
// writes DIR/{lang}-{width}-{page}.png (104 files; DIR defaults to the
// git-ignored bench/out/screens). It runs the browser test
// web.TestBrowserScreenshots, which seeds the same app the page checks
// use (links, payments, users, an audit log) and needs Chromium, as the
// other browser tests do.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "", "folder for the PNG files, created if missing (default bench/out/screens in the module)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "screens:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	// The test runs in the module's web folder, wherever this is run from.
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("find the module: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if out == "" {
		out = filepath.Join(root, "bench", "out", "screens")
	}
	dir, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cmd := exec.Command("go", "test", "-count=1", "-run", "^TestBrowserScreenshots$", "-v", "./web/")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "LINKDESK_SCREENS_OUT="+dir)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go test: %w", err)
	}
	n, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	if len(n) == 0 {
		return fmt.Errorf("no screenshots in %s: the test was skipped (no Chromium?)", dir)
	}
	fmt.Printf("%d screenshots in %s\n", len(n), dir)
	return nil
}
