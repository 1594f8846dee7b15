// Package client holds benchmarks of craftclient against the floor a
// signed Craftgate call cannot go below: a hand-written net/http request
// with the same headers and signature, decoded by encoding/json into the
// same struct. Only `go test -bench` runs them; see README.md.
package client
