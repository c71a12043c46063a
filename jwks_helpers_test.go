package tokengate_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokengate/tokengate"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// jwksServer is a JWKS endpoint whose behaviour a test switches at will. It
// counts the requests it receives; a handler that hangs returns when the
// client gives up or the test ends.
type jwksServer struct {
	*httptest.Server
	requests atomic.Int64
	handler  atomic.Pointer[http.HandlerFunc]
	release  chan struct{}
}

// newJWKSServer starts a server that serves body with max-age=300.
func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	t.Helper()
	s := &jwksServer{release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		(*s.handler.Load())(w, r)
	}))
	t.Cleanup(s.Close)                     // runs last
	t.Cleanup(func() { close(s.release) }) // frees hanging handlers first
	s.set(serveKeys(body))
	return s
}

func (s *jwksServer) set(h http.HandlerFunc) { s.handler.Store(&h) }

func (s *jwksServer) count() int64 { return s.requests.Load() }

// hang is a handler that never answers.
func (s *jwksServer) hang(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-s.release:
	}
}

// serveKeys answers with body and Cache-Control: max-age=300, so that no
// background refresh happens during a test.
func serveKeys(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "max-age=300")
		_, _ = w.Write(body)
	}
}

// status answers with code and no key set.
func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", code) }
}

// hugeBody sends 10 MiB that start like a key set.
func hugeBody(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte(`{"keys":[],"pad":"`))
	chunk := bytes.Repeat([]byte("a"), 64<<10)
	for range 160 {
		if _, err := w.Write(chunk); err != nil {
			return
		}
	}
	_, _ = w.Write([]byte(`"}`))
}

// redirectTo sends the client to target.
func redirectTo(target string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, target, http.StatusFound) }
}

// offHost is the URL of a server that serves body under another host name
// (localhost instead of 127.0.0.1).
func offHost(t testing.TB, body []byte) string {
	t.Helper()
	other := httptest.NewServer(serveKeys(body))
	t.Cleanup(other.Close)
	return strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
}

// withKid re-labels tok's header with kid. The signature no longer matters:
// a token with an unknown kid is refused before it is checked.
func withKid(tok, alg, kid string) string {
	parts := strings.SplitN(tok, ".", 2)
	return encode(`{"alg":"`+alg+`","kid":"`+kid+`","typ":"JWT"}`) + "." + parts[1]
}

// randomKid is 16 random hex digits.
func randomKid() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// events records JWKS refresh events.
type events struct {
	recorder[tokengate.JWKSRefreshEvent]
}

// count is the number of events for reason ("" for all) that failed (or
// succeeded, when failed is false).
func (e *events) count(reason string, failed bool) int {
	n := 0
	for _, ev := range e.list() {
		if (reason == "" || ev.Reason == reason) && (ev.Err != nil) == failed {
			n++
		}
	}
	return n
}

// jwksGoroutines lists the stacks of goroutines running code of jwks.go.
func jwksGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "tokengate.(*jwksProvider)") || strings.Contains(g, "tokengate/jwks.go") {
			found = append(found, g)
		}
	}
	return found
}

// waitJWKSGoroutines fails unless, within a few seconds, no more
// goroutines run code of jwks.go than baseline (those other tests left).
func waitJWKSGoroutines(t testing.TB, baseline int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := jwksGoroutines()
		if len(left) <= baseline {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of jwks.go still running, want at most %d:\n%s", len(left), baseline, strings.Join(left, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
