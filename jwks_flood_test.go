package tokengate_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// floodResult is what a flood of random-kid tokens got back.
type floodResult struct {
	statuses map[int]int // status -> count
	took     time.Duration
}

// flood sends n requests with tokens carrying random kids from workers
// goroutines.
func flood(m *tokengate.Middleware, tok string, n, workers int) floodResult {
	var (
		mu       sync.Mutex
		statuses = map[int]int{}
		next     atomic.Int64
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range workers {
		wg.Go(func() {
			local := map[int]int{}
			for next.Add(1) <= int64(n) {
				local[serve(m.Handler, bearer(withKid(tok, "ES256", randomKid()))).status]++
			}
			mu.Lock()
			defer mu.Unlock()
			for s, c := range local {
				statuses[s] += c
			}
		})
	}
	wg.Wait()
	return floodResult{statuses: statuses, took: time.Since(start)}
}

// TestJWKSFlood: 10,000 requests with random kids from 32 goroutines cost at
// most one fetch per JWKSMinInterval, are all answered 401, and never wait
// for the interval: with the interval closed and an endpoint that would hang,
// the flood completes although every request would be held for a minute if
// it waited.
func TestJWKSFlood(t *testing.T) {
	const (
		requests = 10_000
		workers  = 32
		sanity   = 50 * time.Second // far below what any waiting would cost
	)
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	tok := iss.Token(tokengate.Claims{})

	setup := func(t *testing.T, opts ...tokengate.JWKSOption) (*jwksServer, *tokengate.Middleware, *fakeClock, *events) {
		srv := newJWKSServer(t, body)
		clk := newFakeClock()
		var ev events
		opts = append([]tokengate.JWKSOption{tokengate.JWKSTestClock(clk.Now), tokengate.JWKSOnRefresh(ev.hook)}, opts...)
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, opts...)))
		require.Eventually(t, func() bool { return serve(m.Handler, bearer(tok)).status == 200 },
			5*time.Second, 5*time.Millisecond, "the first fetch")
		require.EqualValues(t, 1, srv.count())
		return srv, m, clk, &ev
	}

	t.Run("interval closed, endpoint hangs: no fetch, no wait", func(t *testing.T) {
		srv, m, _, _ := setup(t, tokengate.JWKSWait(time.Minute), tokengate.JWKSTimeout(time.Minute))
		// One unknown kid spends the interval's request-triggered fetch.
		require.Equal(t, 401, serve(m.Handler, bearer(withKid(tok, "ES256", "spent"))).status)
		require.EqualValues(t, 2, srv.count())
		srv.set(srv.hang)
		res := flood(m, tok, requests, workers)
		assert.Equal(t, map[int]int{401: requests}, res.statuses)
		assert.EqualValues(t, 2, srv.count(), "no fetch")
		assert.Less(t, res.took, sanity)
		t.Logf("%d requests in %v, %d fetches", requests, res.took, srv.count()-1)
	})

	t.Run("interval open, endpoint hangs: one shared fetch, waits bounded", func(t *testing.T) {
		srv, m, clk, _ := setup(t, tokengate.JWKSWait(time.Millisecond), tokengate.JWKSTimeout(time.Minute))
		srv.set(srv.hang)
		clk.Advance(30 * time.Second)
		res := flood(m, tok, requests, workers)
		assert.Equal(t, map[int]int{401: requests}, res.statuses)
		assert.EqualValues(t, 2, srv.count(), "exactly one fetch, still hanging")
		assert.Less(t, res.took, sanity, "requests waited longer than JWKSWait")
		t.Logf("%d requests in %v, %d fetches", requests, res.took, srv.count()-1)
	})

	t.Run("interval open, endpoint healthy: one fetch", func(t *testing.T) {
		srv, m, clk, ev := setup(t)
		clk.Advance(30 * time.Second)
		res := flood(m, tok, requests, workers)
		assert.Equal(t, map[int]int{401: requests}, res.statuses)
		assert.EqualValues(t, 2, srv.count(), "exactly one fetch")
		assert.Eventually(t, func() bool { return ev.count(tokengate.JWKSReasonUnknownKid, false) == 1 },
			5*time.Second, 5*time.Millisecond)
		t.Logf("%d requests in %v, %d fetches", requests, res.took, srv.count()-1)
	})

	t.Run("short real interval: at most one fetch per interval", func(t *testing.T) {
		const interval = 25 * time.Millisecond
		srv := newJWKSServer(t, body)
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, tokengate.JWKSMinInterval(interval))))
		require.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
		start := time.Now()
		res := flood(m, tok, requests, workers)
		fetches := srv.count() - 1
		limit := int64(time.Since(start)/interval) + 1
		assert.Equal(t, map[int]int{401: requests}, res.statuses)
		assert.LessOrEqual(t, fetches, limit, "more than one fetch per interval")
		t.Logf("%d requests in %v, %d fetches (limit %d)", requests, res.took, fetches, limit)
	})
}

// TestJWKSFloodBudget: request-triggered fetches have a budget of their own
// (one, full at start, one more per JWKSMinInterval). A flood of random kids
// within one interval costs at most two fetches in all, the initial one
// included; a flood spread over N intervals at most N + 1.
func TestJWKSFloodBudget(t *testing.T) {
	const (
		interval = 30 * time.Second
		requests = 10_000
		workers  = 32
	)
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	tok := iss.Token(tokengate.Claims{})

	for _, n := range []int{1, 2, 5} {
		t.Run(fmt.Sprintf("%d intervals", n), func(t *testing.T) {
			srv := newJWKSServer(t, body)
			clk := newFakeClock()
			m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, tokengate.JWKSTestClock(clk.Now))))
			require.Equal(t, 200, serve(m.Handler, bearer(tok)).status, "the initial fetch")
			for i := range n {
				if i > 0 {
					clk.Advance(interval)
				}
				res := flood(m, tok, requests/n, workers)
				assert.Equal(t, map[int]int{401: requests / n}, res.statuses)
			}
			assert.LessOrEqual(t, srv.count(), int64(n+1), "fetches in all, the initial one included")
			assert.GreaterOrEqual(t, srv.count(), int64(2), "the flood fetched at least once")
		})
	}
}
