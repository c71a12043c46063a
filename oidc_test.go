package tokengate_test

import (
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

// discoveryServer serves an OpenID Connect discovery document at path +
// "/.well-known/openid-configuration"; doc makes its body from the
// server's URL. down answers 503 instead; hits counts requests.
type discoveryServer struct {
	*httptest.Server
	down atomic.Bool
	hits atomic.Int64
}

func newDiscoveryServer(t *testing.T, path string, doc func(base string) string) *discoveryServer {
	t.Helper()
	d := &discoveryServer{}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path+"/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		d.hits.Add(1)
		if d.down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(doc("http://" + r.Host)))
	}))
	t.Cleanup(d.Close)
	return d
}

// docFor is a discovery document naming issuer and the key set at jwks.
func docFor(issuer, jwks string) string {
	return `{"issuer":"` + issuer + `","jwks_uri":"` + jwks + `","id_token_signing_alg_values_supported":["ES256"]}`
}

func TestOIDCDiscovery(t *testing.T) {
	keys := newIssuer(t, jwa.ES256)
	for _, path := range []string{"", "/tenants/acme"} {
		t.Run("issuer path "+cmpOr(path, "none"), func(t *testing.T) {
			d := newDiscoveryServer(t, path, func(base string) string { return docFor(base+path, keys.JWKSURL()) })
			iss := d.URL + path
			m := newMiddleware(t, tokengate.WithIssuer(iss, tokengate.OIDC()))
			tok := keys.Token(tokengate.Claims{Issuer: iss})
			require.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
			assert.Equal(t, 401, serve(m.Handler, bearer(keys.Token(tokengate.Claims{Issuer: d.URL + "/other"}))).status)
		})
	}

	t.Run("trailing slash in the issuer", func(t *testing.T) {
		d := newDiscoveryServer(t, "/t", func(base string) string { return docFor(base+"/t/", keys.JWKSURL()) })
		iss := d.URL + "/t/"
		m := newMiddleware(t, tokengate.WithIssuer(iss, tokengate.OIDC()))
		assert.Equal(t, 200, serve(m.Handler, bearer(keys.Token(tokengate.Claims{Issuer: iss}))).status)
	})
}

// TestOIDCUntrusted: a document that names another issuer, or a key set
// over plain http to a host that is not loopback, is never used: requests
// get 503, never 200, and the key set is never fetched.
func TestOIDCUntrusted(t *testing.T) {
	keys := newIssuer(t, jwa.ES256)
	tests := []struct {
		name string
		doc  func(base string) string
	}{
		{"another issuer", func(string) string { return docFor("https://evil.example", keys.JWKSURL()) }},
		{"issuer differing in a trailing slash", func(base string) string { return docFor(base+"/", keys.JWKSURL()) }},
		{"plain http jwks_uri off loopback", func(base string) string { return docFor(base, "http://keys.example.com/jwks.json") }},
		{"no jwks_uri", func(base string) string { return `{"issuer":"` + base + `"}` }},
		{"not JSON", func(string) string { return `<html>` }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDiscoveryServer(t, "", tt.doc)
			before := keys.JWKSRequests()
			m := newMiddleware(t, tokengate.WithIssuer(d.URL, tokengate.OIDC(tokengate.JWKSWait(50*time.Millisecond))))
			res := serve(m.Handler, bearer(keys.Token(tokengate.Claims{Issuer: d.URL})))
			assert.Equal(t, 503, res.status)
			require.Eventually(t, func() bool { return d.hits.Load() > 0 }, 5*time.Second, 10*time.Millisecond, "the document is read")
			assert.Equal(t, 503, serve(m.Handler, bearer(keys.Token(tokengate.Claims{Issuer: d.URL}))).status, "after it was read")
			assert.Equal(t, before, keys.JWKSRequests(), "its key set was not fetched")
			_, err := tokengate.New(tokengate.WithIssuer(d.URL, tokengate.OIDC(tokengate.JWKSRequireInitialFetch())))
			assert.ErrorIs(t, err, tokengate.ErrKeysUnavailable)
		})
	}
}

// TestOIDCDownAtStart: with discovery down, requests get 503; once it
// answers, they verify without a restart.
func TestOIDCDownAtStart(t *testing.T) {
	keys := newIssuer(t, jwa.ES256)
	d := newDiscoveryServer(t, "", func(base string) string { return docFor(base, keys.JWKSURL()) })
	d.down.Store(true)
	m := newMiddleware(t, tokengate.WithIssuer(d.URL, tokengate.OIDC(tokengate.JWKSWait(50*time.Millisecond))))
	tok := keys.Token(tokengate.Claims{Issuer: d.URL})
	res := serve(m.Handler, bearer(tok))
	assert.Equal(t, 503, res.status)
	d.down.Store(false)
	assert.Eventually(t, func() bool { return serve(m.Handler, bearer(tok)).status == 200 },
		10*time.Second, 20*time.Millisecond, "the background retry (after 1 s) finds the document")
}

// TestOIDCFlood: after discovery, tokens with made-up kids cost at most the
// key set's budget of fetches, and the document is not re-read for them.
func TestOIDCFlood(t *testing.T) {
	keys := newIssuer(t, jwa.ES256)
	d := newDiscoveryServer(t, "", func(base string) string { return docFor(base, keys.JWKSURL()) })
	m := newMiddleware(t, tokengate.WithIssuer(d.URL, tokengate.OIDC()))
	tok := keys.Token(tokengate.Claims{Issuer: d.URL})
	require.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
	res := flood(m, tok, 2000, 16)
	assert.Equal(t, map[int]int{401: 2000}, res.statuses)
	assert.LessOrEqual(t, keys.JWKSRequests(), 2, "the initial fetch and one triggered by the flood")
	assert.EqualValues(t, 1, d.hits.Load(), "one discovery")
}

func TestOIDCConfig(t *testing.T) {
	for name, opt := range map[string]tokengate.Option{
		"WithKeys":                 tokengate.WithKeys(tokengate.OIDC()),
		"issuer not a URL":         tokengate.WithIssuer("acme", tokengate.OIDC()),
		"http issuer off loopback": tokengate.WithIssuer("http://issuer.example.com", tokengate.OIDC()),
		"bad JWKS option":          tokengate.WithIssuer("https://issuer.example.com", tokengate.OIDC(tokengate.JWKSWait(0))),
	} {
		t.Run(name, func(t *testing.T) {
			m, err := tokengate.New(opt)
			if m != nil {
				_ = m.Close()
			}
			assert.ErrorIs(t, err, tokengate.ErrConfig)
			assert.True(t, strings.HasPrefix(err.Error(), "tokengate: "))
		})
	}
}

func cmpOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
