package tokengate_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// countingServer serves h and counts its requests.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s, &n
}

// proxyJWKS fetches the issuer's JWKS and writes it, so a test server can
// decorate a real key set.
func proxyJWKS(t *testing.T, url string) []byte {
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	require.NoError(t, err)
	return b.Bytes()
}

// TestJWKSBadResponses: each bad answer is a failed fetch, and with nothing
// fetched before, requests are answered 503.
func TestJWKSBadResponses(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	good := proxyJWKS(t, iss.JWKSURL())
	other, _ := countingServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(good) })
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"status 500", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "x", 500) }},
		{"status 204", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }},
		{"status 201 with keys", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(201); _, _ = w.Write(good) }},
		{"invalid JSON", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"keys":[`)) }},
		{"no usable key", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"keys":[]}`)) }},
		{"body over 1 MiB", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(good[:len(good)-2])
			_, _ = w.Write([]byte(`,"pad":"` + strings.Repeat("a", 1<<20) + `"}`))
		}},
		{"redirect to another host", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1), http.StatusFound)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, n := countingServer(t, tt.h)
			m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, tokengate.JWKSWait(time.Second))))
			res := serve(m.Handler, bearer(iss.Token(tokengate.Claims{})))
			assert.Equal(t, 503, res.status)
			assert.GreaterOrEqual(t, n.Load(), int64(1), "the JWKS endpoint was asked")
		})
	}

	t.Run("redirect to the same host", func(t *testing.T) {
		srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/old" {
				http.Redirect(w, r, "/new", http.StatusMovedPermanently)
				return
			}
			_, _ = w.Write(good)
		})
		m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL+"/old")))
		res := serve(m.Handler, bearer(iss.Token(tokengate.Claims{})))
		assert.Equal(t, 200, res.status)
	})
}

// TestJWKSSkipsUnusableKeys: a private key and an "enc" key in the set are
// skipped; the usable key still verifies.
func TestJWKSSkipsUnusableKeys(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	good := string(proxyJWKS(t, iss.JWKSURL()))
	// A P-256 private key (RFC 7517 A.2) and an "enc" key next to the real one.
	extra := `{"kty":"EC","crv":"P-256","kid":"priv","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE"},` +
		`{"kty":"EC","crv":"P-256","kid":"enc","use":"enc","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"},`
	body := strings.Replace(good, `{"keys":[`, `{"keys":[`+extra, 1)
	srv, _ := countingServer(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) })
	var logs syncBuffer
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL)), tokengate.WithLogger(newTextLogger(&logs)))
	res := serve(m.Handler, bearer(iss.Token(tokengate.Claims{})))
	assert.Equal(t, 200, res.status)
	assert.Contains(t, logs.String(), "JWKS key skipped")
	assert.NotContains(t, logs.String(), "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE", "private key material logged")
}

// TestJWKSRotation: a token with a kid the middleware has not seen triggers
// one fetch, after which it verifies.
func TestJWKSRotation(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL(), tokengate.JWKSMinInterval(0))))
	require.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
	before := iss.JWKSRequests()
	iss.Rotate()
	res := serve(m.Handler, bearer(iss.Token(tokengate.Claims{})))
	assert.Equal(t, 200, res.status)
	assert.Equal(t, before+1, iss.JWKSRequests(), "one extra fetch")
}

// TestJWKSUnknownKidRateLimited: after the one request-triggered fetch of
// the interval, unknown kids do not fetch again, and are answered 401 at once.
func TestJWKSUnknownKidRateLimited(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL(), tokengate.JWKSMinInterval(time.Hour))))
	require.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
	iss.Rotate()
	require.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status, "the interval's fetch")
	before := iss.JWKSRequests()
	iss.Rotate()
	for range 20 {
		assert.Equal(t, 401, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
	}
	assert.Equal(t, before, iss.JWKSRequests())
}

// TestJWKSCloseStopsRefresh: after Close, no further fetches happen.
func TestJWKSCloseStopsRefresh(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	body := proxyJWKS(t, iss.JWKSURL())
	srv, n := countingServer(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "max-age=0")
		_, _ = w.Write(body)
	})
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(),
		tokengate.JWKS(srv.URL, tokengate.JWKSRefresh(10*time.Millisecond, time.Second))))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return n.Load() >= 3 }, 5*time.Second, 5*time.Millisecond, "background refresh runs")
	require.NoError(t, m.Close())
	after := n.Load()
	time.Sleep(50 * time.Millisecond)
	assert.Equal(t, after, n.Load(), "no fetch after Close")
}

// TestJWKSTimeout: a hanging endpoint fails the fetch after the timeout, and
// the waiting request is answered 503 rather than held.
func TestJWKSTimeout(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	release := make(chan struct{})
	srv, _ := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(),
		tokengate.JWKS(srv.URL, tokengate.JWKSTimeout(50*time.Millisecond), tokengate.JWKSWait(10*time.Second))))
	start := time.Now()
	res := serve(m.Handler, bearer(iss.Token(tokengate.Claims{})))
	assert.Equal(t, 503, res.status)
	assert.Less(t, time.Since(start), 5*time.Second, "the request waited past the fetch timeout")
}

// TestJWKSOptionErrors: invalid JWKS options make New fail with ErrConfig.
func TestJWKSOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts []tokengate.JWKSOption
	}{
		{"JWKSMaxStale zero", []tokengate.JWKSOption{tokengate.JWKSMaxStale(0)}},
		{"JWKSMaxStale negative", []tokengate.JWKSOption{tokengate.JWKSMaxStale(-time.Hour)}},
		{"JWKSMaxStale below the refresh minimum", []tokengate.JWKSOption{tokengate.JWKSMaxStale(30 * time.Second)}},
		{"JWKSOnRefresh nil", []tokengate.JWKSOption{tokengate.JWKSOnRefresh(nil)}},
		{"JWKSWait zero", []tokengate.JWKSOption{tokengate.JWKSWait(0)}},
		{"JWKSMinInterval negative", []tokengate.JWKSOption{tokengate.JWKSMinInterval(-time.Second)}},
		{"nil option", []tokengate.JWKSOption{nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tokengate.New(tokengate.WithIssuer("https://a", tokengate.JWKS("https://a.invalid/jwks", tt.opts...)))
			assert.ErrorIs(t, err, tokengate.ErrConfig)
			assert.Nil(t, m)
		})
	}
}
