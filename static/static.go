// Package static embeds the CSS, JavaScript and icons the pages use and
// serves them under content-hashed URLs, so browsers may cache them for a
// year and still see a new version the moment it ships.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

// Prefix is where the assets are served.
const Prefix = "/static/"

// hashes maps a file name to the first 12 hex digits of its SHA-256; it is
// computed once from the embedded files, which never change at run time.
var hashes = func() map[string]string {
	m := make(map[string]string)
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		m[e.Name()] = hex.EncodeToString(sum[:6])
	}
	return m
}()

// Path returns the URL of an embedded asset, with its content hash.
func Path(name string) string {
	return Prefix + hashes[name] + "/" + name
}

// Handler serves /static/{hash}/{name}. A current hash is cached for a year
// as immutable; an old hash (a page cached across a deploy) still gets the
// current file, but uncached.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, Prefix)
		hash, name, ok := strings.Cut(rest, "/")
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		b, err := files.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			h.Set("Content-Type", ct)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		if hash == hashes[name] {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			h.Set("ETag", `"`+hash+`"`)
			if r.Header.Get("If-None-Match") == `"`+hash+`"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		_, _ = w.Write(b)
	})
}
