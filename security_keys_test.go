package tokengate_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// TestKeyPolicy: keys unfit for their algorithm are refused when they are
// loaded, by New, with an error that says why (RFC 8725 §3.5, §3.1).
func TestKeyPolicy(t *testing.T) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	withE := func(e int) *rsa.PublicKey { return &rsa.PublicKey{N: rsa2048.N, E: e} }

	jwkOf := func(raw any, members map[string]any) jwk.Key {
		k, err := jwk.FromRaw(raw)
		require.NoError(t, err)
		for name, v := range members {
			require.NoError(t, k.Set(name, v))
		}
		return k
	}
	setOf := func(keys ...jwk.Key) jwk.Set {
		s := jwk.NewSet()
		for _, k := range keys {
			require.NoError(t, s.AddKey(k))
		}
		return s
	}
	secret := func(n int) []byte { return make([]byte, n) }

	tests := []struct {
		name string
		keys tokengate.KeySource
		want string // in the error
	}{
		{"RSA 1024 bits", tokengate.PublicKey(jwa.RS256, &rsa1024.PublicKey), "shorter than 2048 bits"},
		{"RSA 1024 bits for PS256", tokengate.PublicKey(jwa.PS256, &rsa1024.PublicKey), "shorter than 2048 bits"},
		{"RSA e = 3", tokengate.PublicKey(jwa.RS256, withE(3)), "exponent is not 65537"},
		{"RSA e = 1", tokengate.PublicKey(jwa.RS256, withE(1)), "exponent is not 65537"},
		{"RSA e = 65539", tokengate.PublicKey(jwa.RS256, withE(65539)), "exponent is not 65537"},
		{"RSA modulus with the ROCA fingerprint", tokengate.PublicKey(jwa.RS256, &rsa.PublicKey{N: rocaModulus(), E: 65537}), "ROCA"},
		{"ES256 with a P-384 key", tokengate.PublicKey(jwa.ES256, &p384.PublicKey), "needs an EC key on P-256"},
		{"ES384 with a P-256 key", tokengate.PublicKey(jwa.ES384, &p256.PublicKey), "needs an EC key on P-384"},
		{"ES512 with a P-256 key", tokengate.PublicKey(jwa.ES512, &p256.PublicKey), "needs an EC key on P-521"},
		{"EC point not on the curve", tokengate.PublicKey(jwa.ES256, offCurve()), "not a point on P-256"},
		{"RS256 with an EC key", tokengate.PublicKey(jwa.RS256, &p256.PublicKey), "needs a *rsa.PublicKey"},
		{"a private key given as public", tokengate.PublicKey(jwa.ES256, p256), "is a private key"},
		{"an HMAC algorithm for a public key", tokengate.PublicKey(jwa.HS256, &p256.PublicKey), "symmetric"},
		{"alg none", tokengate.PublicKey(jwa.NoSignature, &p256.PublicKey), "unsupported algorithm"},
		{"HS256 secret of 31 bytes", tokengate.HMACSecret(secret(31)), "secret has 31 bytes, want at least 32"},
		{"HS256 secret empty", tokengate.HMACSecret(nil), "secret has 0 bytes"},
		{"HS384 secret of 47 bytes", tokengate.HMACKey(jwa.HS384, secret(47)), "secret has 47 bytes, want at least 48"},
		{"HS512 secret of 63 bytes", tokengate.HMACKey(jwa.HS512, secret(63)), "secret has 63 bytes, want at least 64"},
		{"HMACKey with RS256", tokengate.HMACKey(jwa.RS256, secret(64)), "not an HMAC algorithm"},
		{"JWK set with private key material (EC)", tokengate.KeySet(setOf(jwkOf(p256, map[string]any{"kid": "a"}))), "private key material"},
		{"JWK set with private key material (RSA)", tokengate.KeySet(setOf(jwkOf(rsa2048, map[string]any{"kid": "a"}))), "private key material"},
		{"JWK use enc", tokengate.KeySet(setOf(jwkOf(&p256.PublicKey, map[string]any{"kid": "a", "use": "enc"}))), `is for "enc"`},
		{"JWK key_ops without verify", tokengate.KeySet(setOf(jwkOf(&p256.PublicKey, map[string]any{"kid": "a", "key_ops": []string{"encrypt"}}))), "key_ops exclude verify"},
		{"JWK RSA 1024 bits", tokengate.KeySet(setOf(jwkOf(&rsa1024.PublicKey, map[string]any{"kid": "a"}))), "shorter than 2048 bits"},
		{"JWK ES256 on P-384", tokengate.KeySet(setOf(jwkOf(&p384.PublicKey, map[string]any{"kid": "a", "alg": "ES256"}))), "needs an EC key on P-256"},
		{"JWK alg unknown", tokengate.KeySet(setOf(jwkOf(&p256.PublicKey, map[string]any{"kid": "a", "alg": "ES521"}))), "unsupported algorithm"},
		{"JWK alg none", tokengate.KeySet(setOf(jwkOf(&p256.PublicKey, map[string]any{"kid": "a", "alg": "none"}))), "unsupported algorithm"},
		{"JWK oct without alg", tokengate.KeySet(setOf(jwkOf(secret(32), map[string]any{"kid": "a"}))), "names no alg"},
		{"JWK oct HS256 of 16 bytes", tokengate.KeySet(setOf(jwkOf(secret(16), map[string]any{"kid": "a", "alg": "HS256"}))), "secret has 16 bytes"},
		{"JWK set mixing a secret and a public key", tokengate.KeySet(setOf(
			jwkOf(secret(32), map[string]any{"kid": "a", "alg": "HS256"}),
			jwkOf(&p256.PublicKey, map[string]any{"kid": "b"}))), "mixes symmetric"},
		{"JWK set with a duplicate kid", tokengate.KeySet(setOf(
			jwkOf(&p256.PublicKey, map[string]any{"kid": "a"}),
			jwkOf(&rsa2048.PublicKey, map[string]any{"kid": "a"}))), "two keys with kid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tokengate.New(tokengate.WithKeys(tt.keys))
			if m != nil {
				_ = m.Close()
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tokengate.ErrConfig)
			assert.Contains(t, err.Error(), tt.want)
		})
	}

	t.Run("fit keys load", func(t *testing.T) {
		for name, keys := range map[string]tokengate.KeySource{
			"RSA 2048":              tokengate.PublicKey(jwa.RS256, &rsa2048.PublicKey),
			"PS256":                 tokengate.PublicKey(jwa.PS256, &rsa2048.PublicKey),
			"ES256 P-256":           tokengate.PublicKey(jwa.ES256, &p256.PublicKey),
			"ES384 P-384":           tokengate.PublicKey(jwa.ES384, &p384.PublicKey),
			"HS256 32":              tokengate.HMACSecret(secret(32)),
			"HS512 64":              tokengate.HMACKey(jwa.HS512, secret(64)),
			"JWK set":               tokengate.KeySet(setOf(jwkOf(&p256.PublicKey, map[string]any{"kid": "a", "use": "sig"}), jwkOf(&rsa2048.PublicKey, map[string]any{"kid": "b"}))),
			"JWK set oct":           tokengate.KeySet(setOf(jwkOf(secret(32), map[string]any{"kid": "a", "alg": "HS256"}))),
			"JWK key_ops":           tokengate.KeySet(setOf(jwkOf(&p256.PublicKey, map[string]any{"kid": "a", "key_ops": []string{"verify"}}))),
			"JWK P-384 without alg": tokengate.KeySet(setOf(jwkOf(&p384.PublicKey, map[string]any{"kid": "a"}))),
		} {
			t.Run(name, func(t *testing.T) {
				newMiddleware(t, tokengate.WithKeys(keys))
			})
		}
	})
}

// TestJWKSKeyPolicy: a JWKS endpoint serving unusable keys beside a good one
// loads; the unusable keys are skipped, so tokens naming them are refused
// (and never verified with them).
func TestJWKSKeyPolicy(t *testing.T) {
	good, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	bad := []struct {
		kid  string
		raw  any
		more map[string]any
		sign atkSigner
		alg  string
	}{
		{"private", good, nil, es256(good), "ES256"},
		{"enc", &good.PublicKey, map[string]any{"use": "enc"}, es256(good), "ES256"},
		{"weak-rsa", &rsa1024.PublicKey, nil, rs256(rsa1024), "RS256"},
		{"wrong-curve", &p384.PublicKey, map[string]any{"alg": "ES256"}, es256(good), "ES256"},
		{"roca", &rsa.PublicKey{N: rocaModulus(), E: 65537}, nil, nil, "RS256"},
	}
	set := jwk.NewSet()
	addKey := func(raw any, kid string, more map[string]any) {
		k, err := jwk.FromRaw(raw)
		require.NoError(t, err)
		require.NoError(t, k.Set(jwk.KeyIDKey, kid))
		for name, v := range more {
			require.NoError(t, k.Set(name, v))
		}
		require.NoError(t, set.AddKey(k))
	}
	addKey(&good.PublicKey, "good", nil)
	for _, b := range bad {
		addKey(b.raw, b.kid, b.more)
	}
	body, err := json.Marshal(set)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)

	m := newMiddleware(t, tokengate.WithIssuer(atkIssuer, tokengate.JWKS(srv.URL)), tokengate.WithClock(atkNow))
	claims := claimsWith(`"iss":"`+atkIssuer+`"`, `"exp":1700003600`)
	_, err = m.Verify(context.Background(), forge(`{"alg":"ES256","kid":"good"}`, claims, es256(good)))
	require.NoError(t, err, "the good key verifies")
	for _, b := range bad {
		t.Run(b.kid, func(t *testing.T) {
			sign := b.sign
			if sign == nil {
				sign = hs256([]byte("unused")) // no private key for a made-up modulus
			}
			_, err := m.Verify(context.Background(), forge(`{"alg":"`+b.alg+`","kid":"`+b.kid+`"}`, claims, sign))
			require.Error(t, err)
			assert.ErrorIs(t, err, tokengate.ErrUnknownKey)
		})
	}
}

// rocaModulus is a 2048-bit number with the ROCA fingerprint (CVE-2017-15361):
// 1 modulo every small prime of the test, and 1 lies in every subgroup.
// It is no real RSA modulus; the key policy refuses it before any use.
func rocaModulus() *big.Int {
	m := big.NewInt(1)
	for _, p := range []int64{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
		79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167} {
		m.Mul(m, big.NewInt(p))
	}
	k := new(big.Int).Lsh(big.NewInt(1), 2047)
	k.Div(k, m).Add(k, big.NewInt(1))
	return k.Mul(k, m).Add(k, big.NewInt(1))
}

// offCurve is a P-256 "public key" at (1, 1), which is not on the curve.
func offCurve() *ecdsa.PublicKey {
	//lint:ignore SA1019 an invalid point can only be built from raw coordinates
	return &ecdsa.PublicKey{Curve: elliptic.P256(), X: big.NewInt(1), Y: big.NewInt(1)}
}
