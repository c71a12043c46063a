package benchmarks_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
)

// BenchmarkLoad serves one Picket-shaped ES256 token over a real net/http
// server on 127.0.0.1, to loadConns keep-alive client connections in the
// same process (b.RunParallel; client and server share the machine's
// cores, as a load generator on the same host would), through
//
//	floor            the bare server: a handler that answers 200, no middleware
//	tokengate-cache  tokengate with WithCache: every request a cache hit
//	tokengate        tokengate, ES256, nothing cached: every request verified
//	echojwt          labstack/echo-jwt v4 in an echo v4 engine
//	auth0            auth0/go-jwt-middleware v2 with its validator
//
// configured as in BenchmarkPeers (static key; iss, aud, exp checked; the
// handler reads the wallet claim). Before timing, each must answer 200 to
// the token over the connection and refuse the bad tokens. Besides ns/op
// (wall time per request, all connections together) each reports req/s.
// Throughput as a share of the bare server's, per run:
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench Load; done | tee load.txt
//	(cd .. && go run ./internal/benchratio -rate) < load.txt
//
// Each sub-benchmark is bounded: at most loadConns connections, client and
// server timeouts of loadTimeout, and the default -benchtime of 1s; one
// run takes about 15 s.
func BenchmarkLoad(b *testing.B) {
	f := newFixture(b, jwa.ES256)
	for _, im := range loadImpls {
		b.Run(im.name, func(b *testing.B) {
			url, client := startServer(b, im.build(b, f))
			if err := checkServer(client, url, f, im); err != nil {
				b.Fatalf("%s: %v", im.name, err)
			}
			b.SetParallelism(loadConns / 2) // per GOMAXPROCS: 2 cores, loadConns goroutines
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := newServerRequest(url, f.token)
				for pb.Next() {
					if status, err := roundTrip(client, req); err != nil || status != http.StatusOK {
						b.Errorf("%s: status %d, %v", im.name, status, err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// TestLoad makes the checks BenchmarkLoad makes before timing, over real
// connections, so that go test ./... proves each server verifies.
func TestLoad(t *testing.T) {
	f := newFixture(t, jwa.ES256)
	for _, im := range loadImpls {
		t.Run(im.name, func(t *testing.T) {
			url, client := startServer(t, im.build(t, f))
			if err := checkServer(client, url, f, im); err != nil {
				t.Error(err)
			}
			if err := checkServer(client, url, f, im); err != nil { // and again: the cache answers
				t.Error(err)
			}
		})
	}
}

const (
	loadConns   = 8               // client connections (and goroutines)
	loadTimeout = 5 * time.Second // per request, client and server
)

// loadImpls, the cache hit right after the bare server: on a shared
// machine, the closer in time two figures are, the better their ratio.
var loadImpls = []impl{
	{name: "floor", build: buildNetHTTP},
	{name: "tokengate-cache", build: buildTokengateCached, verifies: true, requiresExp: true},
	{name: "tokengate", build: buildTokengate, verifies: true, requiresExp: true},
	{name: "echojwt", build: buildEchoJWT, verifies: true, requiresExp: true},
	{name: "auth0", build: buildAuth0, verifies: true, requiresExp: false},
}

func buildTokengateCached(tb testing.TB, f *fixture) http.Handler {
	return buildTokengateWith(tb, f, tokengate.WithCache(1024))
}

// startServer serves h on a loopback port until the test ends, and returns
// its URL and a client that keeps up to loadConns connections to it alive.
func startServer(tb testing.TB, h http.Handler) (string, *http.Client) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadTimeout: loadTimeout, WriteTimeout: loadTimeout, IdleTimeout: time.Minute}
	go func() { _ = srv.Serve(ln) }()
	tr := &http.Transport{
		MaxIdleConns:        loadConns,
		MaxIdleConnsPerHost: loadConns,
		MaxConnsPerHost:     loadConns,
		DisableCompression:  true,
	}
	tb.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = srv.Close()
	})
	return "http://" + ln.Addr().String() + "/api/me", &http.Client{Transport: tr, Timeout: loadTimeout}
}

// newServerRequest is GET url with the token as a Bearer credential (none
// when token is ""). One goroutine reuses it for its requests.
func newServerRequest(url, token string) *http.Request {
	r, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		panic(err) // a fixed, valid URL
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// roundTrip sends req and reads the whole answer, so that the connection
// goes back to the pool.
func roundTrip(c *http.Client, req *http.Request) (int, error) {
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	return resp.StatusCode, err
}

// checkServer is check over the network: 200 for f's token, and for a
// verifying im, 400, 401 or 403 for each bad token.
func checkServer(c *http.Client, url string, f *fixture, im impl) error {
	if got, err := roundTrip(c, newServerRequest(url, f.token)); err != nil || got != http.StatusOK {
		return fmt.Errorf("valid token: status %d, %v; want 200", got, err)
	}
	if !im.verifies {
		return nil
	}
	for _, bad := range f.bad {
		if bad.needsRequiredExp && !im.requiresExp {
			continue
		}
		got, err := roundTrip(c, newServerRequest(url, bad.token))
		if err != nil {
			return fmt.Errorf("%s: %v", bad.name, err)
		}
		switch got {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		default:
			return fmt.Errorf("%s: status %d, want 400, 401 or 403", bad.name, got)
		}
	}
	return nil
}
