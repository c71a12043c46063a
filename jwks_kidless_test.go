package tokengate_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// TestJWKSKidlessKeyRotation: in a key set that has a key without kid, that
// key stands in for a token's kid that no key has. When it does not verify
// the token, the kid counts as unknown: it triggers a fetch, within the
// same budget, so that an issuer that starts signing with a new key is
// picked up on the first token of it rather than at the next scheduled
// refresh.
func TestJWKSKidlessKeyRotation(t *testing.T) {
	const iss = "https://issuer.example"
	legacyEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	legacyRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	newEC, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	forger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	set := func(keys ...string) []byte { return []byte(`{"keys":[` + strings.Join(keys, ",") + `]}`) }
	noKidEC := jwkJSON(t, &legacyEC.PublicKey, nil)
	noKidRSA := jwkJSON(t, &legacyRSA.PublicKey, nil)
	k2 := jwkJSON(t, &newEC.PublicKey, map[string]any{"kid": "k2"})
	sign := func(priv any, alg jwa.SignatureAlgorithm, kid string) string { return signFor(t, iss, priv, alg, kid) }

	tests := []struct {
		name          string
		before, after []byte // the key set at New, and once the issuer changed it
		token         string
		status        int
		fetches       int64 // in all, the one at New included
	}{
		{"new kid, same alg as the key without kid", set(noKidEC), set(noKidEC, k2), sign(newEC, jwa.ES256, "k2"), 200, 2},
		{"new kid, another alg than the key without kid", set(noKidRSA), set(noKidRSA, k2), sign(newEC, jwa.ES256, "k2"), 200, 2},
		{"kid in no key, signed with the key without kid", set(noKidEC), set(noKidEC), sign(legacyEC, jwa.ES256, "any"), 200, 1},
		{"kid in no key, forged", set(noKidEC), set(noKidEC), sign(forger, jwa.ES256, "k2"), 401, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, tt.before)
			clk := newFakeClock()
			m := newMiddleware(t, tokengate.WithIssuer(iss, tokengate.JWKS(srv.URL,
				tokengate.JWKSRequireInitialFetch(), tokengate.JWKSTestClock(clk.Now))))
			require.EqualValues(t, 1, srv.count())
			srv.set(serveKeys(tt.after))
			assert.Equal(t, tt.status, serve(m.Handler, bearer(tt.token)).status)
			assert.Equal(t, tt.fetches, srv.count())
			assert.Equal(t, tt.status, serve(m.Handler, bearer(tt.token)).status, "again")
			assert.Equal(t, tt.fetches, srv.count(), "no fetch for a known kid, nor within the budget's interval")
		})
	}

	t.Run("through OIDC discovery", func(t *testing.T) {
		srv := newJWKSServer(t, set(noKidEC))
		d := newDiscoveryServer(t, "", func(base string) string { return docFor(base, srv.URL) })
		clk := newFakeClock()
		m := newMiddleware(t, tokengate.WithIssuer(d.URL, tokengate.OIDC(tokengate.JWKSTestClock(clk.Now))))
		require.Equal(t, 200, serve(m.Handler, bearer(signFor(t, d.URL, legacyEC, jwa.ES256, ""))).status)
		require.EqualValues(t, 1, srv.count())
		srv.set(serveKeys(set(noKidEC, k2)))
		assert.Equal(t, 200, serve(m.Handler, bearer(signFor(t, d.URL, newEC, jwa.ES256, "k2"))).status)
		assert.EqualValues(t, 2, srv.count())
	})
}

// signFor is a token from iss, valid for an hour, signed by priv with alg,
// its header naming kid (none when empty).
func signFor(t *testing.T, iss string, priv any, alg jwa.SignatureAlgorithm, kid string) string {
	t.Helper()
	k, err := jwk.FromRaw(priv)
	require.NoError(t, err)
	if kid != "" {
		require.NoError(t, k.Set(jwk.KeyIDKey, kid))
	}
	tok := jwt.New()
	require.NoError(t, tok.Set(jwt.IssuerKey, iss))
	require.NoError(t, tok.Set(jwt.ExpirationKey, time.Now().Add(time.Hour)))
	b, err := jwt.Sign(tok, jwt.WithKey(alg, k))
	require.NoError(t, err)
	return string(b)
}
