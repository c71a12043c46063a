package tokengate

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizeHTU(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"https://api.example.com/a", "https://api.example.com/a", true},
		{"HTTPS://API.Example.COM/a", "https://api.example.com/a", true},
		{"https://api.example.com:443/a", "https://api.example.com/a", true},
		{"http://api.example.com:80/a", "http://api.example.com/a", true},
		{"https://api.example.com:80/a", "https://api.example.com:80/a", true},
		{"http://api.example.com:443/a", "http://api.example.com:443/a", true},
		{"https://api.example.com:/a", "https://api.example.com/a", true},
		{"https://api.example.com", "https://api.example.com/", true},
		{"https://api.example.com/a?x=1#f", "https://api.example.com/a", true},
		{"https://api.example.com/%7euser/%41", "https://api.example.com/~user/A", true},
		{"https://api.example.com/a%2fb", "https://api.example.com/a%2Fb", true},
		{"https://api.example.com/A", "https://api.example.com/A", true}, // paths keep their case
		{"https://api.example.com/a/../b", "https://api.example.com/a/../b", true},
		{"https://[::1]:8443/a", "https://[::1]:8443/a", true},
		{"https://user:pw@api.example.com/a", "", false},
		{"ftp://api.example.com/a", "", false},
		{"/a", "", false},
		{"api.example.com/a", "", false},
		{"https:///a", "", false},
		{"http://:", "", false},
		{"http://:80/a", "", false},
		{"https://api.example.com/%zz", "", false},
		{"mailto:a@example.com", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := normalizeHTU(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestRequestURL(t *testing.T) {
	dp := &dpopConfig{}
	r := httptest.NewRequest("GET", "http://api.example.com/v1/users?page=2", nil)
	assert.Equal(t, "http://api.example.com/v1/users", dp.requestURL(r))

	r = httptest.NewRequest("GET", "https://api.example.com/v1/users", nil)
	assert.Equal(t, "https://api.example.com/v1/users", dp.requestURL(r), "TLS")

	// http.StripPrefix changes r.URL, not the request-target.
	var seen string
	http.StripPrefix("/v1", http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = dp.requestURL(r)
	})).ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/users", nil))
	assert.Equal(t, "http://example.com/v1/users", seen)

	// A request built by hand has no RequestURI.
	r, err := http.NewRequest("GET", "http://api.example.com/x%41", nil)
	require.NoError(t, err)
	r.Host = "api.example.com"
	r.TLS = &tls.ConnectionState{}
	assert.Equal(t, "https://api.example.com/xA", dp.requestURL(r))

	require.NoError(t, DPoPPublicURL("https://Public.example.com:443/api/")(dp))
	r = httptest.NewRequest("GET", "http://10.0.0.5:8080/users?x", nil)
	assert.Equal(t, "https://public.example.com/api/users", dp.requestURL(r), "behind a proxy")

	r.Host = "bad host\x00"
	dp.public = nil
	assert.Equal(t, "\x00", dp.requestURL(r), "a Host that is no URL matches nothing")
}

func TestNonceSource(t *testing.T) {
	s := &nonceSource{secret: []byte("0123456789abcdef0123456789abcdef"), lifetime: time.Minute}
	t0 := time.Unix(1767225600, 0) // a window boundary
	n := s.issue(t0)
	assert.Len(t, n, base64.RawURLEncoding.EncodedLen(nonceBytes))
	assert.NotEqual(t, n, s.issue(t0), "nonces are distinct")
	assert.True(t, s.valid(n, t0))
	assert.True(t, s.valid(n, t0.Add(119*time.Second)), "the next window")
	assert.False(t, s.valid(n, t0.Add(120*time.Second)), "two windows on")
	assert.False(t, s.valid(n, t0.Add(-time.Second)), "a nonce from the future window")

	other := &nonceSource{secret: []byte("another secret, 32 bytes long..."), lifetime: time.Minute}
	assert.False(t, other.valid(n, t0), "another secret")

	b, _ := base64.RawURLEncoding.DecodeString(n)
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0x80
		assert.False(t, s.valid(base64.RawURLEncoding.EncodeToString(c), t0), "byte %d flipped", i)
	}
	assert.False(t, s.valid(n+"A", t0))
	assert.False(t, s.valid(n[:len(n)-1], t0))
	assert.False(t, s.valid("", t0))

	err := s.check("", false, t0)
	assert.ErrorIs(t, err, ErrDPoPNonce)
	e := classify(err)
	assert.Equal(t, CodeUseDPoPNonce, e.Code)
	assert.True(t, s.valid(challengeNonce(e), t0), "the answer's nonce is valid")
	assert.NotContains(t, err.Error(), challengeNonce(e))
	assert.NoError(t, s.check(n, true, t0))
}

func TestBoundKey(t *testing.T) {
	tests := []struct {
		payload, want string
		malformed     bool
	}{
		{`{"sub":"a"}`, "", false},
		{`{"cnf":{"jkt":"abc"}}`, "abc", false},
		{`{"cnf":{"x5t#S256":"abc"}}`, "", false},
		{`{"cnf":{"jkt":"abc","kid":"k"}}`, "abc", false},
		{`{"cnf":null}`, "", true},
		{`{"cnf":"abc"}`, "", true},
		{`{"cnf":{"jkt":7}}`, "", true},
		{`{"cnf":{"jkt":""}}`, "", true},
		{`{"cnf":{"jkt":null}}`, "", true},
		{`{"cnf":[{"jkt":"abc"}]}`, "", true},
	}
	for _, tt := range tests {
		got, err := boundKey(&Claims{raw: tt.payload})
		assert.Equal(t, tt.want, got, tt.payload)
		if tt.malformed {
			assert.ErrorIs(t, err, ErrMalformed, tt.payload)
		} else {
			assert.NoError(t, err, tt.payload)
		}
	}
}

func TestDPoPChallenge(t *testing.T) {
	allowed := &dpopConfig{mode: DPoPAllowed}
	allowed.setAlgs([]jwa.SignatureAlgorithm{jwa.ES256, jwa.ES256, jwa.EdDSA})
	required := &dpopConfig{mode: DPoPRequired, algs: allowed.algs, algList: allowed.algList}
	const algs = `algs="ES256 EdDSA"`
	tests := []struct {
		name       string
		dp         *dpopConfig
		err        error
		dpopScheme bool
		want       string
	}{
		{"no token, allowed", allowed, ErrNoToken, false, `Bearer realm="api", DPoP realm="api", ` + algs},
		{"no token, required", required, ErrNoToken, false, `DPoP realm="api", ` + algs},
		{"bearer expired, allowed", allowed, ErrExpired, false, `Bearer realm="api", error="invalid_token", DPoP realm="api", ` + algs},
		{"dpop expired, allowed", allowed, ErrExpired, true, `DPoP realm="api", error="invalid_token", ` + algs + `, Bearer realm="api"`},
		{"proof, required", required, ErrDPoPProof, true, `DPoP realm="api", error="invalid_dpop_proof", ` + algs},
		{"nonce, allowed", allowed, ErrDPoPNonce, true, `DPoP realm="api", error="use_dpop_nonce", ` + algs + `, Bearer realm="api"`},
		{"bound as bearer, allowed", allowed, ErrDPoPRequired, false, `DPoP realm="api", error="invalid_token", ` + algs + `, Bearer realm="api"`},
		{"scope, dpop", allowed, &UnmetError{Kind: "scope", Scope: "read write"}, true,
			`DPoP realm="api", error="insufficient_scope", scope="read write", ` + algs + `, Bearer realm="api"`},
		{"scope, bearer", allowed, &UnmetError{Kind: "scope", Scope: "read"}, false,
			`Bearer realm="api", error="insufficient_scope", scope="read", DPoP realm="api", ` + algs},
	}
	for _, tt := range tests {
		_, h, _ := answer("api", tt.dp, tt.err, tt.dpopScheme)
		assert.Equal(t, tt.want, h.Get("WWW-Authenticate"), tt.name)
		assert.Empty(t, h.Get("DPoP-Nonce"), tt.name)
	}
	status, h, _ := answer("api", required, ErrStoreUnavailable, true)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Empty(t, h.Get("WWW-Authenticate"), "503 has no challenge")
}

func TestProofKey(t *testing.T) {
	jwkOf := func(raw any, set ...string) []byte {
		k, err := jwk.FromRaw(raw)
		require.NoError(t, err)
		for i := 0; i+1 < len(set); i += 2 {
			require.NoError(t, k.Set(set[i], set[i+1]))
		}
		b, err := json.Marshal(k)
		require.NoError(t, err)
		return b
	}
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	// An RSA public key with the private factors but no "d", and one of
	// 4104 bits (a modulus too big for a proof; its factors need not be
	// prime for the size check).
	factors := withMember(t, withMember(t, jwkOf(&rsa2048.PublicKey), "p", "AQAB"), "q", "AQAB")
	big := withMember(t, jwkOf(&rsa2048.PublicKey), "n", base64.RawURLEncoding.EncodeToString(append([]byte{0x80}, make([]byte, 512)...)))

	_, _, err := proofKey(withMember(t, jwkOf(&p256.PublicKey), "key_ops", []string{"verify"}), jwa.ES256)
	require.NoError(t, err, "key_ops with verify")
	k, jkt, err := proofKey(jwkOf(&p256.PublicKey), jwa.ES256)
	require.NoError(t, err)
	assert.Equal(t, jwa.ES256, k.alg)
	assert.Len(t, jkt, 43)
	_, jkt2, err := proofKey(jwkOf(&p256.PublicKey, "kid", "any", "use", "sig"), jwa.ES256)
	require.NoError(t, err)
	assert.Equal(t, jkt, jkt2, "the thumbprint is of the required members only")

	for name, tt := range map[string]struct {
		jwk []byte
		alg jwa.SignatureAlgorithm
	}{
		"private EC":             {jwkOf(p256), jwa.ES256},
		"P-384 key for ES256":    {jwkOf(&p384.PublicKey), jwa.ES256},
		"RSA 1024":               {jwkOf(&rsa1024.PublicKey), jwa.RS256},
		"private RSA":            {jwkOf(rsa1024), jwa.RS256},
		"EC key for RS256":       {jwkOf(&p256.PublicKey), jwa.RS256},
		"jwk alg differs":        {jwkOf(&p256.PublicKey, "alg", "ES384"), jwa.ES256},
		"use enc":                {jwkOf(&p256.PublicKey, "use", "enc"), jwa.ES256},
		"key_ops without verify": {withMember(t, jwkOf(&p256.PublicKey), "key_ops", []string{"encrypt"}), jwa.ES256},
		"symmetric":              {[]byte(`{"kty":"oct","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA"}`), jwa.ES256},
		"X25519":                 {[]byte(`{"kty":"OKP","crv":"X25519","x":"3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx-FG-IK08"}`), jwa.EdDSA},
		"point off the curve":    {[]byte(`{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"}`), jwa.ES256},
		"not JSON":               {[]byte(`{`), jwa.ES256},
		"RSA p and q without d":  {factors, jwa.RS256},
		"RSA over 4096 bits":     {big, jwa.RS256},
		"EC with a d of null":    {withMember(t, jwkOf(&p256.PublicKey), "d", nil), jwa.ES256},
		"unknown kty":            {[]byte(`{"kty":"XYZ"}`), jwa.ES256},
	} {
		_, _, err := proofKey(tt.jwk, tt.alg)
		assert.Error(t, err, name)
	}
}

// withMember adds a member to a JSON object.
func withMember(t *testing.T, obj []byte, name string, v any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(obj, &m))
	m[name] = v
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

func TestIsDPoPType(t *testing.T) {
	for typ, want := range map[string]bool{
		"dpop+jwt": true, "DPoP+JWT": true, "application/dpop+jwt": true, "Application/DPOP+jwt": true,
		"": false, "JWT": false, "at+jwt": false, "application/": false, "dpop+jwt ": false, "application/application/dpop+jwt": false,
	} {
		assert.Equal(t, want, isDPoPType(typ), typ)
	}
}
