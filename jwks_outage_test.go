package tokengate_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// TestJWKSOutage: when the endpoint fails after a good fetch (500, hangs,
// 10 MiB, off-host redirect, invalid JSON, no usable key, server gone), each
// refresh fails, tokens that verified keep verifying until JWKSMaxStale after
// the last good fetch, then are answered 503 with Retry-After, never 401;
// and once the endpoint recovers they verify again without a restart.
func TestJWKSOutage(t *testing.T) {
	const maxStale = 24 * time.Hour // the default
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	tok := iss.Token(tokengate.Claims{ExpiresAt: time.Now().Add(2 * time.Hour)})

	tests := []struct {
		name   string
		break_ func(t *testing.T, s *jwksServer)
	}{
		{"status 500", func(_ *testing.T, s *jwksServer) { s.set(status(500)) }},
		{"hangs", func(_ *testing.T, s *jwksServer) { s.set(s.hang) }},
		{"10 MiB body", func(_ *testing.T, s *jwksServer) { s.set(hugeBody) }},
		{"redirect to another host", func(t *testing.T, s *jwksServer) { s.set(redirectTo(offHost(t, body))) }},
		{"invalid JSON", func(_ *testing.T, s *jwksServer) { s.set(serveKeys([]byte(`{"keys":[`))) }},
		{"no usable key", func(_ *testing.T, s *jwksServer) { s.set(serveKeys([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))) }},
		{"server gone", func(_ *testing.T, s *jwksServer) { s.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, body)
			clk := newFakeClock()
			var ev events
			m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL,
				tokengate.JWKSTestClock(clk.Now), tokengate.JWKSOnRefresh(ev.hook),
				tokengate.JWKSTimeout(100*time.Millisecond))))
			require.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
			asked := srv.count()

			tt.break_(t, srv)
			clk.Advance(time.Minute)
			// An unknown kid makes a request start a refresh, which fails.
			assert.Equal(t, 401, serve(m.Handler, bearer(withKid(tok, "ES256", "rotated"))).status)
			require.Eventually(t, func() bool { return ev.count("", true) >= 1 }, 5*time.Second, 5*time.Millisecond,
				"a failed refresh is reported")
			if tt.name != "server gone" {
				assert.Greater(t, srv.count(), asked, "the endpoint was asked")
			}
			assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status, "the last good keys stay in use")

			clk.Advance(maxStale - time.Minute - time.Second)
			assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status, "just within the stale bound")

			clk.Advance(2 * time.Second)
			rec := httptest.NewRecorder()
			m.Handler(http.NotFoundHandler()).ServeHTTP(rec, bearer(tok))
			assert.Equal(t, 503, rec.Code, "past the stale bound")
			assert.Equal(t, "5", rec.Header().Get("Retry-After"))
			assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
			_, err := m.Verify(context.Background(), tok)
			assert.ErrorIs(t, err, tokengate.ErrKeysUnavailable)
			assert.Equal(t, 503, serve(m.Handler, bearer(withKid(tok, "ES256", "other"))).status,
				"unknown kids too: never 401 without fresh keys")

			if tt.name == "server gone" {
				revive(t, srv, body)
			} else {
				srv.set(serveKeys(body))
			}
			// A refresh may be failing in flight still: poll, each time past
			// the minimum interval.
			assert.Eventually(t, func() bool {
				clk.Advance(time.Minute)
				return serve(m.Handler, bearer(tok)).status == 200
			}, 5*time.Second, 10*time.Millisecond, "recovers once the endpoint does")
		})
	}
}

// revive serves body again at the closed server's address.
func revive(t *testing.T, srv *jwksServer, body []byte) {
	t.Helper()
	l, err := net.Listen("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Skipf("cannot listen on %s again: %v", srv.Listener.Addr(), err)
	}
	again := httptest.NewUnstartedServer(serveKeys(body))
	again.Listener.Close()
	again.Listener = l
	again.Start()
	t.Cleanup(again.Close)
}

// TestJWKSDownAtStart: with the endpoint down when New runs, New succeeds,
// requests are answered 503 with Retry-After, and they verify once the
// endpoint recovers, by a request-triggered fetch or the background retry.
func TestJWKSDownAtStart(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	tok := iss.Token(tokengate.Claims{})

	check503 := func(t *testing.T, m *tokengate.Middleware) {
		t.Helper()
		rec := httptest.NewRecorder()
		m.Handler(http.NotFoundHandler()).ServeHTTP(rec, bearer(tok))
		assert.Equal(t, 503, rec.Code)
		assert.Equal(t, "5", rec.Header().Get("Retry-After"))
		assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
		assert.Equal(t, "temporarily_unavailable", errorBody(t, rec.Body.String())["error"])
		_, err := m.Verify(context.Background(), tok)
		assert.ErrorIs(t, err, tokengate.ErrKeysUnavailable)
	}

	t.Run("a request fetches once the interval allows", func(t *testing.T) {
		srv := newJWKSServer(t, body)
		srv.set(status(500))
		clk := newFakeClock()
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, tokengate.JWKSTestClock(clk.Now))))
		check503(t, m)
		for range 50 {
			assert.Equal(t, 503, serve(m.Handler, bearer(tok)).status)
		}
		assert.LessOrEqual(t, srv.count(), int64(3), "requests within the interval do not fetch")
		srv.set(serveKeys(body))
		assert.Eventually(t, func() bool {
			clk.Advance(30 * time.Second)
			return serve(m.Handler, bearer(tok)).status == 200
		}, 5*time.Second, 10*time.Millisecond)
	})

	t.Run("the background retry fetches", func(t *testing.T) {
		srv := newJWKSServer(t, body)
		srv.set(status(500))
		var ev events
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, tokengate.JWKSOnRefresh(ev.hook))))
		require.Eventually(t, func() bool { return ev.count("", true) >= 1 }, 5*time.Second, 5*time.Millisecond)
		check503(t, m)
		srv.set(serveKeys(body))
		// The first retry comes after 0.8–1s of backoff.
		assert.Eventually(t, func() bool { return serve(m.Handler, bearer(tok)).status == 200 },
			10*time.Second, 20*time.Millisecond)
		triggered := 0
		for _, e := range ev.list() {
			if e.Reason == tokengate.JWKSReasonUnavailable {
				triggered++
			}
		}
		assert.LessOrEqual(t, triggered, 1, "requests fetch at most once within the interval")
	})

	t.Run("hanging endpoint holds requests for JWKSWait only", func(t *testing.T) {
		srv := newJWKSServer(t, body)
		srv.set(srv.hang)
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL,
			tokengate.JWKSTimeout(time.Minute), tokengate.JWKSWait(50*time.Millisecond))))
		start := time.Now()
		check503(t, m)
		assert.Less(t, time.Since(start), 30*time.Second, "held for the fetch timeout")
	})
}

// TestJWKSRequireInitialFetch: with JWKSRequireInitialFetch, New fails
// (ErrConfig and ErrKeysUnavailable) when the first fetch fails, and leaves
// no goroutine behind; when it succeeds the keys are there at once.
func TestJWKSRequireInitialFetch(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	baseline := len(jwksGoroutines())

	tests := []struct {
		name string
		h    func(s *jwksServer) http.HandlerFunc
	}{
		{"status 500", func(*jwksServer) http.HandlerFunc { return status(500) }},
		{"hangs", func(s *jwksServer) http.HandlerFunc { return s.hang }},
		{"invalid JSON", func(*jwksServer) http.HandlerFunc { return serveKeys([]byte(`nope`)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, body)
			srv.set(tt.h(srv))
			m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL,
				tokengate.JWKSRequireInitialFetch(), tokengate.JWKSTimeout(100*time.Millisecond))))
			require.Error(t, err)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, tokengate.ErrConfig)
			assert.ErrorIs(t, err, tokengate.ErrKeysUnavailable)
			assert.EqualValues(t, 1, srv.count(), "one attempt")
			waitJWKSGoroutines(t, baseline)
		})
	}

	t.Run("endpoint up", func(t *testing.T) {
		srv := newJWKSServer(t, body)
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL,
			tokengate.JWKSRequireInitialFetch(), tokengate.JWKSWait(time.Nanosecond))))
		assert.EqualValues(t, 1, srv.count())
		assert.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
		assert.EqualValues(t, 1, srv.count(), "no second fetch")
	})

	t.Run("error names the cause", func(t *testing.T) {
		srv := newJWKSServer(t, body)
		srv.set(status(502))
		_, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, tokengate.JWKSRequireInitialFetch())))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "status 502")
		assert.False(t, errors.Is(err, tokengate.ErrUnknownKey))
	})
}
