package adapters_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestParityDPoP: net/http, Echo and Gin give DPoP requests the same
// answers, DPoP challenges and DPoP-Nonce headers included, from the one
// answer code; the nonce one framework hands out works on the others.
func TestParityDPoP(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	const public = "https://api.example.com"
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
		tokengate.WithDPoP(tokengate.DPoPAllowed,
			tokengate.DPoPAlgorithms(jwa.ES256, jwa.EdDSA),
			tokengate.DPoPNonces([]byte("parity-test-secret-0123456789abcdef"), time.Minute),
			tokengate.DPoPPublicURL(public)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	apps := frameworks(t, m, tokengate.TokenID("42"))

	key := tokengatetest.NewDPoPKey(jwa.ES256)
	holder := iss.Token(tokengate.Claims{Subject: "alice", TokenIDs: []string{"42"}}, tokengatetest.BoundTo(key))
	other := iss.Token(tokengate.Claims{Subject: "bob", TokenIDs: []string{"7"}}, tokengatetest.BoundTo(key))
	dpop := func(tok, path string, opts ...tokengatetest.ProofOption) http.Header {
		return http.Header{"Authorization": {"DPoP " + tok}, "Dpop": {key.Proof("GET", public+path, tok, opts...)}}
	}

	// The first request learns the nonce; the nonce works everywhere.
	first := do(t, apps[0].url+"/me", dpop(holder, "/me"))
	require.Equal(t, 401, first.status)
	require.NotEmpty(t, first.nonce)
	nonce := tokengatetest.ProofNonce(first.nonce)
	spent := dpop(holder, "/me", nonce)
	require.Equal(t, 200, do(t, apps[0].url+"/me", spent).status)

	const (
		algs     = `algs="ES256 EdDSA"`
		noCode   = `Bearer realm="api", DPoP realm="api", ` + algs
		proof    = `DPoP realm="api", error="invalid_dpop_proof", ` + algs + `, Bearer realm="api"`
		useNonce = `DPoP realm="api", error="use_dpop_nonce", ` + algs + `, Bearer realm="api"`
		binding  = `DPoP realm="api", error="invalid_token", ` + algs + `, Bearer realm="api"`
		scope    = `DPoP realm="api", error="insufficient_scope", ` + algs + `, Bearer realm="api"`
	)
	tests := []struct {
		name      string
		path      string
		header    func() http.Header // fresh proofs for each framework
		status    int
		www       string
		withNonce bool
	}{
		{"no token", "/me", func() http.Header { return http.Header{} }, 401, noCode, false},
		{"valid", "/me", func() http.Header { return dpop(holder, "/me", nonce) }, 200, "", false},
		{"no nonce", "/me", func() http.Header { return dpop(holder, "/me") }, 401, useNonce, true},
		{"replayed proof", "/me", func() http.Header { return spent }, 401, proof, false},
		{"no DPoP header", "/me", func() http.Header { return http.Header{"Authorization": {"DPoP " + holder}} }, 401, proof, false},
		{"bound token as Bearer", "/me", func() http.Header { return http.Header{"Authorization": {"Bearer " + holder}} }, 401, binding, false},
		{"gated in", "/gated", func() http.Header { return dpop(holder, "/gated", nonce) }, 200, "", false},
		{"gated out", "/gated", func() http.Header { return dpop(other, "/gated", nonce) }, 403, scope, false},
		{"require alone, in", "/alone", func() http.Header { return dpop(holder, "/alone", nonce) }, 200, "", false},
		{"require alone, wrong htu", "/alone", func() http.Header { return dpop(holder, "/me", nonce) }, 401, proof, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var firstAnswer answer
			for i, app := range apps {
				before := app.reached.Load()
				got := do(t, app.url+tt.path, tt.header())
				assert.Equal(t, tt.status, got.status, app.name)
				assert.Equal(t, tt.www, got.www, app.name)
				assert.Equal(t, tt.withNonce, got.nonce != "", "%s: DPoP-Nonce %q", app.name, got.nonce)
				assert.Equal(t, tt.status == 200, app.reached.Load() == before+1, "%s: handler reached", app.name)
				if tt.status == 200 {
					assert.Equal(t, "hello alice", got.body, app.name)
					continue
				}
				assert.Equal(t, "application/json", got.ctype, app.name)
				assert.Equal(t, "no-store", got.cacheControl, app.name)
				if tt.withNonce { // a valid nonce, another one on each answer
					retry := do(t, apps[(i+1)%len(apps)].url+tt.path, dpop(holder, tt.path, tokengatetest.ProofNonce(got.nonce)))
					assert.Equal(t, 200, retry.status, "%s's nonce on %s", app.name, apps[(i+1)%len(apps)].name)
					got.nonce = "(a nonce)"
				}
				if i == 0 {
					firstAnswer = got
					continue
				}
				assert.Equal(t, firstAnswer, got, "%s answers unlike %s", app.name, apps[0].name)
			}
		})
	}
}
