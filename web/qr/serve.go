package qr

import (
	"net/http"
	"strconv"
	"strings"
)

// CacheControl is how long a link's code may be kept: a day, by the
// browser that asked. A link's URL never changes, and if the encoded
// content did, its ETag would change with it. The image answers a
// signed-in request, so shared caches must not keep it (a proxy would hand
// it to whoever asks next without the sign-in), and Serve marks it as
// varying with the cookie. Codes that carry anything else (a payment's)
// are served with their own, stricter policy.
const CacheControl = "private, max-age=86400"

// Serve writes img with its validators and the given Cache-Control, or
// 304 Not Modified with no body when the request's If-None-Match already
// names its ETag.
func Serve(w http.ResponseWriter, r *http.Request, img Image, cacheControl string) {
	h := w.Header()
	h.Set("ETag", img.ETag)
	h.Set("Cache-Control", cacheControl)
	h.Add("Vary", "Cookie")
	if noneMatch(r.Header.Values("If-None-Match"), img.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", img.ContentType)
	h.Set("Content-Length", strconv.Itoa(len(img.Data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(img.Data)
	}
}

// noneMatch reports whether an If-None-Match header (possibly repeated, each
// a comma-separated list) names etag. If-None-Match uses the weak
// comparison (RFC 9110 §13.1.2), so W/"x" matches "x"; "*" matches anything.
func noneMatch(headers []string, etag string) bool {
	for _, h := range headers {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}
