package tokengate_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestJWKSRotationHeals: after the issuer rotates its key, the first token
// with the new kid triggers exactly one fetch, at once when the minimum
// interval allows it and otherwise on the first request after it.
func TestJWKSRotationHeals(t *testing.T) {
	const interval = 30 * time.Second // the default JWKSMinInterval
	setup := func(t *testing.T) (*tokengatetest.Issuer, *tokengate.Middleware, *fakeClock, *events) {
		iss := newIssuer(t, jwa.ES256)
		clk := newFakeClock()
		var ev events
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL(),
			tokengate.JWKSTestClock(clk.Now), tokengate.JWKSOnRefresh(ev.hook))))
		require.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
		require.Equal(t, 1, iss.JWKSRequests())
		return iss, m, clk, &ev
	}

	t.Run("at once when the interval allows", func(t *testing.T) {
		iss, m, clk, _ := setup(t)
		clk.Advance(interval)
		iss.Rotate()
		assert.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
		assert.Equal(t, 2, iss.JWKSRequests(), "one extra fetch")
		for range 5 {
			assert.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
		}
		assert.Equal(t, 2, iss.JWKSRequests(), "no fetch once the kid is known")
	})

	t.Run("right after the initial fetch", func(t *testing.T) {
		iss, m, clk, ev := setup(t)
		old := iss.Token(tokengate.Claims{})
		clk.Advance(time.Second)
		iss.Rotate()
		tok := iss.Token(tokengate.Claims{})
		assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status, "the initial fetch does not spend the requests' budget")
		assert.Equal(t, 2, iss.JWKSRequests(), "one extra fetch")
		assert.Equal(t, 200, serve(m.Handler, bearer(old)).status, "the previous key is still published")
		assert.Eventually(t, func() bool { return ev.count(tokengate.JWKSReasonUnknownKid, false) == 1 },
			5*time.Second, 5*time.Millisecond, "one successful fetch reported as triggered by an unknown kid")
	})

	t.Run("a second rotation on the first request after the interval", func(t *testing.T) {
		iss, m, clk, _ := setup(t)
		iss.Rotate()
		require.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
		require.Equal(t, 2, iss.JWKSRequests())
		iss.Rotate()
		tok := iss.Token(tokengate.Claims{})
		assert.Equal(t, 401, serve(m.Handler, bearer(tok)).status, "refused at once: the interval's fetch is spent")
		clk.Advance(interval - time.Second)
		assert.Equal(t, 401, serve(m.Handler, bearer(tok)).status)
		assert.Equal(t, 2, iss.JWKSRequests(), "no fetch within the interval")
		clk.Advance(time.Second)
		assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
		assert.Equal(t, 3, iss.JWKSRequests(), "one extra fetch")
	})

	t.Run("concurrent misses share one fetch", func(t *testing.T) {
		iss, m, clk, _ := setup(t)
		clk.Advance(interval)
		iss.Rotate()
		tok := iss.Token(tokengate.Claims{})
		var wg sync.WaitGroup
		statuses := make([]int, 32)
		for i := range statuses {
			wg.Go(func() { statuses[i] = serve(m.Handler, bearer(tok)).status })
		}
		wg.Wait()
		for i, got := range statuses {
			assert.Equal(t, 200, got, "request %d", i)
		}
		assert.Equal(t, 2, iss.JWKSRequests(), "one extra fetch")
	})

	t.Run("a key removed upstream stops verifying", func(t *testing.T) {
		iss, m, clk, _ := setup(t)
		old := iss.Token(tokengate.Claims{})
		iss.Rotate()
		iss.Rotate() // the first key is no longer published
		clk.Advance(interval)
		assert.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
		assert.Equal(t, 2, iss.JWKSRequests())
		_, err := m.Verify(context.Background(), old)
		assert.ErrorIs(t, err, tokengate.ErrUnknownKey)
		assert.Equal(t, 401, serve(m.Handler, bearer(old)).status)
		assert.Equal(t, 2, iss.JWKSRequests(), "the old kid triggers no fetch within the interval")
	})
}
