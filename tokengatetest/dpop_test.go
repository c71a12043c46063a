package tokengatetest_test

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestDPoPKeyProofs: a proof is a dpop+jwt JWS that verifies with the
// public jwk in its own header, with the claims RFC 9449 §4.2 names; the
// key's thumbprint is the jwk's RFC 7638 thumbprint, and BoundTo puts it in
// cnf.jkt.
func TestDPoPKeyProofs(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.ES384, jwa.RS256, jwa.PS256, jwa.EdDSA} {
		t.Run(alg.String(), func(t *testing.T) {
			k := tokengatetest.NewDPoPKey(alg)
			assert.Equal(t, alg, k.Algorithm())
			p := k.Proof("POST", "https://api.example.com/orders", "the-token")

			msg, err := jws.Parse([]byte(p))
			require.NoError(t, err)
			h := msg.Signatures()[0].ProtectedHeaders()
			assert.Equal(t, "dpop+jwt", h.Type())
			assert.Equal(t, alg, h.Algorithm())
			pub := h.JWK()
			require.NotNil(t, pub)
			priv, err := jwk.IsPrivateKey(pub)
			require.NoError(t, err)
			assert.False(t, priv, "the jwk is public")
			tp, err := pub.Thumbprint(crypto.SHA256)
			require.NoError(t, err)
			assert.Equal(t, base64.RawURLEncoding.EncodeToString(tp), k.Thumbprint())

			payload, err := jws.Verify([]byte(p), jws.WithKey(alg, pub))
			require.NoError(t, err)
			var c map[string]any
			require.NoError(t, json.Unmarshal(payload, &c))
			sum := sha256.Sum256([]byte("the-token"))
			assert.Equal(t, "POST", c["htm"])
			assert.Equal(t, "https://api.example.com/orders", c["htu"])
			assert.Equal(t, base64.RawURLEncoding.EncodeToString(sum[:]), c["ath"])
			assert.Len(t, c["jti"], 32)
			assert.InDelta(t, time.Now().Unix(), c["iat"], 5)
		})
	}
}

func TestDPoPProofOptions(t *testing.T) {
	k := tokengatetest.NewDPoPKey(jwa.EdDSA)
	at := time.Unix(1767225600, 0)
	p := k.Proof("GET", "https://a.example/", "", tokengatetest.ProofNonce("n-1"), tokengatetest.ProofIssuedAt(at),
		tokengatetest.ProofID("id-1"), tokengatetest.ProofClaim("extra", 7), tokengatetest.ProofClaim("htu", nil),
		tokengatetest.ProofHeader("typ", "JWT"), tokengatetest.ProofHeader("kid", "k1"))
	parts := strings.Split(p, ".")
	require.Len(t, parts, 3)
	var h, c map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, json.Unmarshal(hb, &h))
	require.NoError(t, json.Unmarshal(cb, &c))
	assert.Equal(t, map[string]any{"jti": "id-1", "htm": "GET", "iat": float64(at.Unix()), "nonce": "n-1", "extra": float64(7)}, c)
	assert.Equal(t, "JWT", h["typ"])
	assert.Equal(t, "k1", h["kid"])

	relabeled := k.Proof("GET", "https://a.example/", "", tokengatetest.ProofHeader("alg", "none"))
	hb, _ = base64.RawURLEncoding.DecodeString(strings.Split(relabeled, ".")[0])
	assert.Contains(t, string(hb), `"alg":"none"`)
	assert.NotEmpty(t, strings.Split(relabeled, ".")[2], "still signed")
}

func TestDPoPKeyPanics(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.HS256, jwa.NoSignature, "XX1"} {
		assert.Panics(t, func() { tokengatetest.NewDPoPKey(alg) }, alg.String())
	}
}

func TestBoundToAndAuthorize(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	defer iss.Close()
	k := tokengatetest.NewDPoPKey(jwa.ES256)
	tok := iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(k))
	cb, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	var c struct {
		Cnf struct{ JKT string } `json:"cnf"`
	}
	require.NoError(t, json.Unmarshal(cb, &c))
	assert.Equal(t, k.Thumbprint(), c.Cnf.JKT)

	r := httptest.NewRequest("DELETE", "https://api.example.com/orders/7?force=1", nil)
	k.Authorize(r, tok)
	assert.Equal(t, "DPoP "+tok, r.Header.Get("Authorization"))
	pb, _ := base64.RawURLEncoding.DecodeString(strings.Split(r.Header.Get("DPoP"), ".")[1])
	var p map[string]any
	require.NoError(t, json.Unmarshal(pb, &p))
	assert.Equal(t, "DELETE", p["htm"])
	assert.Equal(t, "https://api.example.com/orders/7", p["htu"], "no query")

	// A server-side request: a relative URL, the host in r.Host.
	r = httptest.NewRequest("GET", "/me", nil)
	r.URL.Scheme, r.URL.Host = "", ""
	r.Host = "svc.internal:8080"
	k.Authorize(r, tok)
	pb, _ = base64.RawURLEncoding.DecodeString(strings.Split(r.Header.Get("DPoP"), ".")[1])
	require.NoError(t, json.Unmarshal(pb, &p))
	assert.Equal(t, "http://svc.internal:8080/me", p["htu"])
}
