package tokengate_test

import (
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// TestJWKSRefreshReported: every fetch reaches the hook and the logger with
// its URL (password redacted), reason, key counts, duration and error, and
// neither carries key material.
func TestJWKSRefreshReported(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	tok := iss.Token(tokengate.Claims{})
	srv := newJWKSServer(t, body)
	url := strings.Replace(srv.URL, "http://", "http://reader:hunter2@", 1)
	clk := newFakeClock()
	var (
		logs syncBuffer
		ev   events
	)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(url,
		tokengate.JWKSTestClock(clk.Now), tokengate.JWKSOnRefresh(ev.hook))),
		tokengate.WithLogger(newTextLogger(&logs)))
	require.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
	require.Eventually(t, func() bool { return len(ev.list()) == 1 }, 5*time.Second, 5*time.Millisecond)

	srv.set(status(500))
	clk.Advance(time.Minute)
	assert.Equal(t, 401, serve(m.Handler, bearer(withKid(tok, "ES256", "new"))).status)
	require.Eventually(t, func() bool { return len(ev.list()) == 2 }, 5*time.Second, 5*time.Millisecond)

	got := ev.list()
	ok, failed := got[0], got[1]
	wantURL := strings.Replace(srv.URL, "http://", "http://reader:xxxxx@", 1)
	assert.Equal(t, tokengate.JWKSRefreshEvent{URL: wantURL, Reason: tokengate.JWKSReasonInitial, Keys: 1, Duration: ok.Duration}, ok)
	assert.Positive(t, ok.Duration)

	assert.Equal(t, wantURL, failed.URL)
	assert.Equal(t, tokengate.JWKSReasonUnknownKid, failed.Reason)
	assert.Zero(t, failed.Keys)
	assert.Equal(t, 1, failed.Failures)
	require.Error(t, failed.Err)
	assert.Contains(t, failed.Err.Error(), "status 500")

	log := logs.String()
	assert.Contains(t, log, `msg="tokengate: JWKS refreshed"`)
	assert.Contains(t, log, "reason=initial keys=1 skipped=0")
	assert.Contains(t, log, `msg="tokengate: JWKS refresh failed"`)
	assert.Contains(t, log, "reason=unknown_kid failures=1")
	assert.NotContains(t, log, "hunter2", "password logged")
	for _, e := range got {
		assert.NotContains(t, e.URL, "hunter2")
	}
	for _, member := range []string{`"x":"`, `"y":"`} {
		i := strings.Index(string(body), member)
		require.Positive(t, i)
		v := string(body[i+len(member):])
		v = v[:strings.IndexByte(v, '"')]
		assert.NotContains(t, log, v, "key material logged")
		for _, e := range got {
			if e.Err != nil {
				assert.NotContains(t, e.Err.Error(), v)
			}
		}
	}
}

// TestJWKSCloseStopsGoroutines: Close ends every goroutine the JWKS sources
// started (refresh loops, fetches in flight, hanging or backing off) and
// their connections, releases requests waiting for a fetch, and returns
// without waiting for a hanging endpoint.
func TestJWKSCloseStopsGoroutines(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	tok := iss.Token(tokengate.Claims{})
	healthy := newJWKSServer(t, body)
	hanging := newJWKSServer(t, body)
	hanging.set(hanging.hang)
	failing := newJWKSServer(t, body)
	failing.set(status(500))
	flaky := newJWKSServer(t, body)

	runtime.GC()
	baseline, baselineAll := len(jwksGoroutines()), runtime.NumGoroutine()

	m, err := tokengate.New(
		tokengate.WithIssuer("https://healthy", tokengate.JWKS(healthy.URL)),
		tokengate.WithIssuer("https://hanging", tokengate.JWKS(hanging.URL,
			tokengate.JWKSTimeout(time.Hour), tokengate.JWKSWait(time.Hour))),
		tokengate.WithIssuer("https://failing", tokengate.JWKS(failing.URL, tokengate.JWKSRefresh(10*time.Millisecond, time.Second))),
		tokengate.WithIssuer(iss.URL(), tokengate.JWKS(flaky.URL, tokengate.JWKSMinInterval(0))),
	)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return healthy.count() == 1 && hanging.count() == 1 && failing.count() >= 3 },
		5*time.Second, 5*time.Millisecond, "every source fetched")
	assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
	flaky.set(flaky.hang)
	// Requests stuck on the hanging fetch (JWKSWait is an hour): Close frees them.
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = serve(m.Handler, bearer(iss.Token(tokengate.Claims{Issuer: "https://hanging"}))).status
		})
	}
	wg.Go(func() { _ = serve(m.Handler, bearer(withKid(tok, "ES256", "unknown"))) })
	assert.Greater(t, len(jwksGoroutines()), baseline)

	start := time.Now()
	require.NoError(t, m.Close())
	assert.Less(t, time.Since(start), 10*time.Second, "Close waited for a hanging endpoint")
	wg.Wait()
	for i, got := range statuses {
		assert.Equal(t, 503, got, "request %d", i)
	}
	waitJWKSGoroutines(t, baseline)
	// Polled here, not with assert.Eventually, which runs its condition
	// in a goroutine of its own.
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > baselineAll; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("goroutines: got %d, want at most %d:\n%s", runtime.NumGoroutine(), baselineAll, buf[:runtime.Stack(buf, true)])
		}
	}

	before := failing.count()
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, before, failing.count(), "no fetch after Close")
	assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status, "keys held still verify after Close")
}
