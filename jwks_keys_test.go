package tokengate_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// jwkJSON encodes raw as a JWK with the given members set.
func jwkJSON(t *testing.T, raw any, members map[string]any) string {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	require.NoError(t, err)
	for name, v := range members {
		require.NoError(t, k.Set(name, v))
	}
	b, err := json.Marshal(k)
	require.NoError(t, err)
	return string(b)
}

// TestJWKSUnusableKeySkipped: each unusable key in a set is skipped and
// reported (log and hook), and the usable key next to it still verifies.
func TestJWKSUnusableKeySkipped(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	good := string(proxyJWKS(t, iss.JWKSURL()))
	tok := iss.Token(tokengate.Claims{})

	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	const privateD = "870MB6gfuTJ4HtUnUvYMyJpr5eUZNP4Bk43bVdj3eAE" // RFC 7517 A.2
	tests := []struct {
		name string
		key  string
	}{
		{"unknown kty", `{"kty":"XYZ","kid":"k1","x":"AAAA"}`},
		{"unknown curve", `{"kty":"EC","crv":"P-192","kid":"k2","x":"AAAA","y":"AAAA"}`},
		{"use enc", jwkJSON(t, &p256.PublicKey, map[string]any{"kid": "k3", "use": "enc"})},
		{"key_ops without verify", jwkJSON(t, &p256.PublicKey, map[string]any{"kid": "k4", "key_ops": []string{"encrypt"}})},
		{"alg outside WithAlgorithms", jwkJSON(t, &p384.PublicKey, map[string]any{"kid": "k5", "alg": "ES384"})},
		{"alg unfit for the key", jwkJSON(t, &p256.PublicKey, map[string]any{"kid": "k6", "alg": "RS256"})},
		{"RSA 1024", jwkJSON(t, &rsa1024.PublicKey, map[string]any{"kid": "k7", "alg": "RS256"})},
		{"private key material", `{"kty":"EC","crv":"P-256","kid":"k8","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","d":"` + privateD + `"}`},
		{"symmetric key", `{"kty":"oct","kid":"k9","alg":"HS256","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}`},
	}
	var all []string
	for _, tt := range tests {
		all = append(all, tt.key)
	}
	tests = append(tests, struct {
		name string
		key  string
	}{"all of them", strings.Join(all, ",")})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := strings.Replace(good, `{"keys":[`, `{"keys":[`+tt.key+",", 1)
			srv := newJWKSServer(t, []byte(body))
			var logs syncBuffer
			var ev events
			m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(srv.URL, tokengate.JWKSOnRefresh(ev.hook))),
				tokengate.WithAlgorithms(jwa.ES256, jwa.RS256, jwa.HS256), tokengate.WithLogger(newTextLogger(&logs)))
			assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
			require.Eventually(t, func() bool { return len(ev.list()) == 1 }, 5*time.Second, 5*time.Millisecond)
			e := ev.list()[0]
			assert.NoError(t, e.Err)
			assert.Equal(t, 1, e.Keys)
			assert.Equal(t, strings.Count(tt.key, `"kid"`), e.Skipped)
			assert.Equal(t, e.Skipped, strings.Count(logs.String(), "JWKS key skipped"))
			assert.NotContains(t, logs.String(), privateD, "private key material logged")
			assert.NotContains(t, logs.String(), "AAAA")
		})
	}
}
