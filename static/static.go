// Package static embeds the CSS, JavaScript and icons the pages use and
// serves them under content-hashed URLs, so browsers may cache them for a
// year and still see a new version the moment it ships.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed *.css *.js *.svg
var files embed.FS

// Prefix is where the assets are served.
const Prefix = "/static/"

// asset is one embedded file, ready to serve.
type asset struct {
	hash string // first 12 hex digits of the SHA-256 of body
	body []byte
	gz   []byte // body gzipped once at start-up; nil when that saves nothing
}

// assets are computed once from the embedded files, which never change at
// run time. Compressing them once (pico and htmx shrink to a sixth) costs
// a few milliseconds at start-up instead of CPU on every request.
var assets = func() map[string]asset {
	m := make(map[string]asset)
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(b)
		m[e.Name()] = asset{hash: hex.EncodeToString(sum[:6]), body: b, gz: gzipped(b)}
	}
	return m
}()

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	if _, err := zw.Write(b); err != nil {
		return nil
	}
	if err := zw.Close(); err != nil || buf.Len() >= len(b) {
		return nil
	}
	return buf.Bytes()
}

// Path returns the URL of an embedded asset, with its content hash.
func Path(name string) string {
	return Prefix + assets[name].hash + "/" + name
}

// Handler serves /static/{hash}/{name}, gzipped for browsers that accept
// it; web's security headers (nosniff among them) apply as to every page.
// It answers If-None-Match itself, because http.ServeContent would drop
// Content-Length from the gzipped form; a browser sends back exactly the
// one tag it was given, so an exact comparison is enough for assets that
// are immutable for a year. A current hash is cached for a year as immutable; an old hash (a page
// cached across a deploy) still gets the current file, but uncached.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, Prefix)
		hash, name, ok := strings.Cut(rest, "/")
		a, found := assets[name]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			h.Set("Content-Type", ct)
		}
		body, tag := a.body, `"`+a.hash+`"`
		if a.gz != nil {
			h.Set("Vary", "Accept-Encoding")
			if acceptsGzip(r.Header.Values("Accept-Encoding")) {
				// Each representation has its own strong validator.
				body, tag = a.gz, `"`+a.hash+`-gz"`
				h.Set("Content-Encoding", "gzip")
			}
		}
		if hash == a.hash {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
			h.Set("ETag", tag)
			if r.Header.Get("If-None-Match") == tag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("Content-Length", strconv.Itoa(len(body)))
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}

// acceptsGzip reports whether Accept-Encoding headers allow gzip (RFC 9110
// §12.5.3): named with a quality above zero, or, when not named at all,
// allowed by "*".
func acceptsGzip(headers []string) bool {
	gzipQ, anyQ := -1.0, -1.0
	for _, h := range headers {
		for _, coding := range strings.Split(h, ",") {
			name, params, _ := strings.Cut(coding, ";")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "gzip":
				gzipQ = quality(params)
			case "*":
				anyQ = quality(params)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// quality is the q parameter of one Accept-Encoding entry (1 when absent).
func quality(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				return f
			}
			return 0
		}
	}
	return 1
}
