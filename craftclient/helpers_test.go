package craftclient_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"linkdesk/craftclient"
)

// capturedRequest is what a scripted server saw.
type capturedRequest struct {
	Method     string
	Path       string
	RequestURI string
	Header     http.Header
	Body       []byte
}

// scriptedServer answers every request with a fixed status and body and
// records each request.
type scriptedServer struct {
	*httptest.Server
	requests chan capturedRequest
}

// MustServe starts a server answering status and body (no body for 204).
func MustServe(tb testing.TB, status int, body string) *scriptedServer {
	tb.Helper()
	s := &scriptedServer{requests: make(chan capturedRequest, 64)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.requests <- capturedRequest{
			Method: r.Method, Path: r.URL.Path, RequestURI: r.RequestURI,
			Header: r.Header.Clone(), Body: b,
		}
		if body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	tb.Cleanup(s.Close)
	return s
}

// Last returns the oldest request not yet returned, failing if there is none.
func (s *scriptedServer) Last(tb testing.TB) capturedRequest {
	tb.Helper()
	select {
	case r := <-s.requests:
		return r
	default:
		tb.Fatal("server received no request")
		return capturedRequest{}
	}
}

// Count returns how many requests are waiting to be read.
func (s *scriptedServer) Count() int { return len(s.requests) }

// MustServeBlocking starts a server whose handler blocks until the client
// gives up; started receives a value once a request has arrived.
func MustServeBlocking(tb testing.TB) (srv *httptest.Server, started <-chan struct{}) {
	tb.Helper()
	ch := make(chan struct{}, 1)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client hang-up only once the body is consumed.
		io.Copy(io.Discard, r.Body)
		select {
		case ch <- struct{}{}:
		default:
		}
		<-r.Context().Done()
	}))
	tb.Cleanup(srv.Close)
	return srv, ch
}

// constReader yields the same byte forever, making x-rnd-key deterministic.
type constReader byte

func (c constReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(c)
	}
	return len(p), nil
}

// MustServeCanned starts a server that answers 200 with body and records
// nothing, for benchmarks.
func MustServeCanned(tb testing.TB, body string) *httptest.Server {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// errorKinds is how an error should classify.
type errorKinds struct{ notFound, validation, auth bool }

// checkAPIError checks that err is an *APIError (Error is its alias) equal
// to want and that the Is* helpers classify it as kinds says.
func checkAPIError(t *testing.T, err error, want craftclient.APIError, kinds errorKinds) {
	t.Helper()
	var apiErr *craftclient.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("got %T %v, want *craftclient.APIError", err, err)
	}
	if *apiErr != want {
		t.Errorf("got %+v,\nwant %+v", *apiErr, want)
	}
	for _, c := range []struct {
		name      string
		got, want bool
	}{
		{"IsNotFound", craftclient.IsNotFound(err), kinds.notFound},
		{"IsValidation", craftclient.IsValidation(err), kinds.validation},
		{"IsAuth", craftclient.IsAuth(err), kinds.auth},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}
