package tokengatetest_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
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

// fetchJWKS GETs url and parses the body as a JWK set.
func fetchJWKS(t *testing.T, url string) jwk.Set {
	t.Helper()
	res, err := http.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	set, err := jwk.Parse(body)
	require.NoError(t, err, "body: %s", body)
	return set
}

// segment decodes part n (0 header, 1 payload) of a compact token, keeping
// numbers as json.Number so integer encoding can be checked.
func segment(t *testing.T, tok string, n int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3, "compact form")
	raw, err := base64.RawURLEncoding.DecodeString(parts[n])
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m), "segment %d: %s", n, raw)
	return m
}

// verify checks tok's signature the way a consumer of the issuer would:
// against the published JWKS, or against the secret for HMAC issuers.
func verify(t *testing.T, iss *tokengatetest.Issuer, tok string) error {
	t.Helper()
	var err error
	if secret := iss.Secret(); secret != nil {
		_, err = jws.Verify([]byte(tok), jws.WithKey(iss.Algorithm(), secret))
	} else {
		_, err = jws.Verify([]byte(tok), jws.WithKeySet(fetchJWKS(t, iss.JWKSURL())))
	}
	return err
}

func unix(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "got %T %v, want a JSON number", v, v)
	i, err := n.Int64()
	require.NoError(t, err, "got %s, want an integer NumericDate", n)
	return i
}

func TestIssuerAlgorithms(t *testing.T) {
	tests := []struct {
		alg       jwa.SignatureAlgorithm
		secretLen int // 0 for asymmetric algorithms
		kty       string
	}{
		{jwa.ES256, 0, "EC"},
		{jwa.ES384, 0, "EC"},
		{jwa.RS256, 0, "RSA"},
		{jwa.PS256, 0, "RSA"},
		{jwa.EdDSA, 0, "OKP"},
		{jwa.HS256, 32, ""},
		{jwa.HS384, 48, ""},
		{jwa.HS512, 64, ""},
	}
	for _, tt := range tests {
		t.Run(tt.alg.String(), func(t *testing.T) {
			iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(tt.alg))
			defer iss.Close()
			assert.Equal(t, tt.alg, iss.Algorithm())
			assert.Len(t, iss.KeyID(), 16, "kid is 8 random bytes in hex")

			before := time.Now().Unix()
			tok := iss.Token(tokengate.Claims{Subject: "alice"})
			after := time.Now().Unix()

			require.NoError(t, verify(t, iss, tok))

			set := fetchJWKS(t, iss.JWKSURL())
			if tt.secretLen > 0 {
				assert.Len(t, iss.Secret(), tt.secretLen)
				assert.Nil(t, iss.PublicKey())
				assert.Equal(t, 0, set.Len(), "a secret is never published")
				// The wrong secret must not verify: the check above is real.
				_, err := jws.Verify([]byte(tok), jws.WithKey(tt.alg, make([]byte, tt.secretLen)))
				assert.Error(t, err)
			} else {
				assert.Nil(t, iss.Secret())
				require.Equal(t, 1, set.Len())
				k, ok := set.Key(0)
				require.True(t, ok)
				assert.Equal(t, iss.KeyID(), k.KeyID())
				assert.Equal(t, tt.alg, k.Algorithm())
				assert.Equal(t, "sig", k.KeyUsage())
				assert.Equal(t, tt.kty, k.KeyType().String())
				var raw any
				require.NoError(t, k.Raw(&raw))
				assert.Equal(t, iss.PublicKey(), raw, "the JWKS publishes PublicKey()")
				_, isPrivate := raw.(interface{ Public() any })
				assert.False(t, isPrivate, "the JWKS must hold public keys only")
				switch tt.kty {
				case "EC":
					assert.IsType(t, &ecdsa.PublicKey{}, iss.PublicKey())
				case "RSA":
					pk, ok := iss.PublicKey().(*rsa.PublicKey)
					require.True(t, ok)
					assert.Equal(t, 2048, pk.N.BitLen())
				case "OKP":
					assert.IsType(t, ed25519.PublicKey{}, iss.PublicKey())
				}
			}

			hdr := segment(t, tok, 0)
			assert.Equal(t, map[string]any{"alg": tt.alg.String(), "kid": iss.KeyID(), "typ": "JWT"}, hdr)

			p := segment(t, tok, 1)
			assert.Equal(t, iss.URL(), p["iss"])
			assert.Equal(t, "alice", p["sub"])
			iat, exp := unix(t, p["iat"]), unix(t, p["exp"])
			assert.GreaterOrEqual(t, iat, before)
			assert.LessOrEqual(t, iat, after)
			assert.Equal(t, int64(3600), exp-iat, "exp defaults to iat + 1h")
			jti, _ := p["jti"].(string)
			_, err := hex.DecodeString(jti)
			assert.NoError(t, err)
			assert.Len(t, jti, 32, "jti is 16 random bytes in hex")
			assert.Len(t, p, 5, "only iss, sub, iat, exp, jti: got %v", p)
		})
	}
}

func TestUnsupportedAlgorithm(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES512, jwa.RS384, jwa.NoSignature, "bogus", ""} {
		t.Run(alg.String(), func(t *testing.T) {
			defer func() {
				got := fmt.Sprint(recover())
				assert.Contains(t, got, "tokengatetest: unsupported algorithm")
				assert.Contains(t, got, fmt.Sprintf("%q", alg.String()))
			}()
			iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(alg))
			iss.Close()
			t.Errorf("NewIssuer(WithAlgorithm(%q)) did not panic", alg)
		})
	}
}

func TestTokenClaims(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	defer iss.Close()

	exp := time.Date(2031, 1, 2, 3, 4, 5, 999, time.UTC)
	nbf := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	iat := time.Date(2029, 1, 2, 3, 4, 5, 0, time.UTC)
	rat := func(s string) *big.Rat {
		r, ok := new(big.Rat).SetString(s)
		require.True(t, ok, s)
		return r
	}

	tests := []struct {
		name   string
		claims tokengate.Claims
		want   map[string]any // claims that must be present with these values
		absent []string       // claims that must be absent
	}{
		{
			name:   "zero fields omitted",
			claims: tokengate.Claims{},
			absent: []string{"sub", "aud", "nbf", "chain", "walletAddress", "displayAddress", "contractAddress", "tokenBalance", "tokenIds", "email"},
		},
		{
			name:   "one audience is a string",
			claims: tokengate.Claims{Audience: []string{"api"}},
			want:   map[string]any{"aud": "api"},
		},
		{
			name:   "several audiences are an array",
			claims: tokengate.Claims{Audience: []string{"api", "web"}},
			want:   map[string]any{"aud": []any{"api", "web"}},
		},
		{
			name: "explicit registered claims win over defaults",
			claims: tokengate.Claims{
				Issuer: "https://picketapi.com", ExpiresAt: exp, NotBefore: nbf, IssuedAt: iat, ID: "tok-1",
			},
			want: map[string]any{
				"iss": "https://picketapi.com",
				"exp": json.Number(fmt.Sprint(exp.Unix())),
				"nbf": json.Number(fmt.Sprint(nbf.Unix())),
				"iat": json.Number(fmt.Sprint(iat.Unix())),
				"jti": "tok-1",
			},
		},
		{
			name: "wallet claims",
			claims: tokengate.Claims{
				Chain: "ethereum", WalletAddress: "0xAbC", DisplayAddress: "alice.eth",
				ContractAddress: "0xC0n", TokenIDs: []string{"7"}, Email: "a@example.com",
			},
			want: map[string]any{
				"chain": "ethereum", "walletAddress": "0xAbC", "displayAddress": "alice.eth",
				"contractAddress": "0xC0n", "tokenIds": []any{"7"}, "email": "a@example.com",
			},
		},
		{name: "balance exact decimal", claims: tokengate.Claims{TokenBalance: rat("0.1337")}, want: map[string]any{"tokenBalance": "0.1337"}},
		{name: "balance integer", claims: tokengate.Claims{TokenBalance: rat("1000000000000000000000000000001")}, want: map[string]any{"tokenBalance": "1000000000000000000000000000001"}},
		{name: "balance zero", claims: tokengate.Claims{TokenBalance: new(big.Rat)}, want: map[string]any{"tokenBalance": "0"}},
		{name: "balance power of two", claims: tokengate.Claims{TokenBalance: big.NewRat(1, 1024)}, want: map[string]any{"tokenBalance": "0.0009765625"}},
		{name: "balance negative", claims: tokengate.Claims{TokenBalance: big.NewRat(-5, 2)}, want: map[string]any{"tokenBalance": "-2.5"}},
		{name: "balance 18 decimals", claims: tokengate.Claims{TokenBalance: rat("1.000000000000000001")}, want: map[string]any{"tokenBalance": "1.000000000000000001"}},
		{name: "balance not a finite decimal", claims: tokengate.Claims{TokenBalance: big.NewRat(2, 3)}, want: map[string]any{"tokenBalance": "0.666666666666666667"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := iss.Token(tt.claims)
			require.NoError(t, verify(t, iss, tok))
			p := segment(t, tok, 1)
			for name, want := range tt.want {
				assert.Equal(t, want, p[name], "claim %q", name)
			}
			for _, name := range tt.absent {
				assert.NotContains(t, p, name)
			}
		})
	}
}

func TestTokenOptions(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	defer iss.Close()
	claims := tokengate.Claims{Subject: "alice", Audience: []string{"api"}}
	yes, no := true, false

	tests := []struct {
		name       string
		opts       []tokengatetest.TokenOption
		wantClaims map[string]any // nil value: must be absent
		wantHeader map[string]any // nil value: must be absent
		verifies   *bool          // against the JWKS (which requires a matching kid); nil: not checked
	}{
		{
			name:       "extra claim",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithClaim("org_id", "acme")},
			wantClaims: map[string]any{"org_id": "acme", "sub": "alice"},
			verifies:   &yes,
		},
		{
			name:       "exp as a string",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithClaim("exp", "tomorrow")},
			wantClaims: map[string]any{"exp": "tomorrow"},
			verifies:   &yes,
		},
		{
			name:       "single audience forced to an array",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithClaim("aud", []string{"api"})},
			wantClaims: map[string]any{"aud": []any{"api"}},
			verifies:   &yes,
		},
		{
			name:       "drop defaults",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithoutClaim("iss", "exp", "missing")},
			wantClaims: map[string]any{"iss": nil, "exp": nil, "sub": "alice"},
			verifies:   &yes,
		},
		{
			name: "options apply in order",
			opts: []tokengatetest.TokenOption{
				tokengatetest.WithClaim("a", 1), tokengatetest.WithoutClaim("a"),
				tokengatetest.WithoutClaim("b"), tokengatetest.WithClaim("b", 2),
			},
			wantClaims: map[string]any{"a": nil, "b": json.Number("2")},
			verifies:   &yes,
		},
		{
			name:       "typ override and custom header",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithHeader("typ", "at+jwt"), tokengatetest.WithHeader("x-tenant", "t1")},
			wantHeader: map[string]any{"typ": "at+jwt", "x-tenant": "t1"},
			verifies:   &yes,
		},
		{
			name:       "kid removed",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithHeader("kid", nil)},
			wantHeader: map[string]any{"kid": nil, "typ": "JWT"},
			verifies:   &no,
		},
		{
			name:       "unknown kid",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithHeader("kid", "nope")},
			wantHeader: map[string]any{"kid": "nope"},
			verifies:   &no,
		},
		// jwx's WithKeySet takes the algorithm from the key, not the header,
		// so whether relabeled tokens verify there is jwx's business, not
		// checked here.
		{
			name:       "alg relabeled",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithHeader("alg", "HS256")},
			wantHeader: map[string]any{"alg": "HS256"},
		},
		{
			name:       "alg removed",
			opts:       []tokengatetest.TokenOption{tokengatetest.WithHeader("alg", nil)},
			wantHeader: map[string]any{"alg": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := iss.Token(claims, tt.opts...)
			p, h := segment(t, tok, 1), segment(t, tok, 0)
			for name, want := range tt.wantClaims {
				if want == nil {
					assert.NotContains(t, p, name)
				} else {
					assert.Equal(t, want, p[name], "claim %q", name)
				}
			}
			for name, want := range tt.wantHeader {
				if want == nil {
					assert.NotContains(t, h, name)
				} else {
					assert.Equal(t, want, h[name], "header %q", name)
				}
			}
			if tt.verifies != nil {
				err := verify(t, iss, tok)
				if *tt.verifies {
					assert.NoError(t, err)
				} else {
					assert.Error(t, err)
				}
			}

			// Whatever the header says, the signature is the issuer's key
			// over the token's own bytes.
			parts := strings.Split(tok, ".")
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			require.NoError(t, err)
			v, err := jws.NewVerifier(iss.Algorithm())
			require.NoError(t, err)
			assert.NoError(t, v.Verify([]byte(parts[0]+"."+parts[1]), sig, iss.PublicKey()))
		})
	}
}

func TestTokenPanics(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	defer iss.Close()
	tests := map[string]tokengatetest.TokenOption{
		"claim not JSON":   tokengatetest.WithClaim("x", func() {}),
		"kid not a string": tokengatetest.WithHeader("kid", 42),
		"unknown alg":      tokengatetest.WithHeader("alg", "XX999"),
	}
	for name, opt := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Panics(t, func() { iss.Token(tokengate.Claims{}, opt) })
		})
	}
}

func TestRotate(t *testing.T) {
	t.Run("asymmetric", func(t *testing.T) {
		iss := tokengatetest.NewIssuer()
		defer iss.Close()
		kid1, pub1 := iss.KeyID(), iss.PublicKey()
		tok1 := iss.Token(tokengate.Claims{})

		iss.Rotate()
		kid2 := iss.KeyID()
		assert.NotEqual(t, kid1, kid2)
		assert.NotEqual(t, pub1, iss.PublicKey())
		tok2 := iss.Token(tokengate.Claims{})
		assert.Equal(t, kid2, segment(t, tok2, 0)["kid"])

		set := fetchJWKS(t, iss.JWKSURL())
		require.Equal(t, 2, set.Len())
		_, ok := set.LookupKeyID(kid1)
		assert.True(t, ok, "previous key still published")
		_, ok = set.LookupKeyID(kid2)
		assert.True(t, ok, "new key published")
		assert.NoError(t, verify(t, iss, tok1), "token from before Rotate")
		assert.NoError(t, verify(t, iss, tok2))

		iss.Rotate()
		set = fetchJWKS(t, iss.JWKSURL())
		require.Equal(t, 2, set.Len())
		_, ok = set.LookupKeyID(kid1)
		assert.False(t, ok, "key from two rotations ago dropped")
		assert.Error(t, verify(t, iss, tok1))
		assert.NoError(t, verify(t, iss, tok2))
	})
	t.Run("HMAC", func(t *testing.T) {
		iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
		defer iss.Close()
		kid1, secret1 := iss.KeyID(), iss.Secret()
		tok1 := iss.Token(tokengate.Claims{})
		iss.Rotate()
		assert.NotEqual(t, kid1, iss.KeyID())
		assert.NotEqual(t, secret1, iss.Secret())
		assert.Equal(t, 0, fetchJWKS(t, iss.JWKSURL()).Len())
		assert.Error(t, verify(t, iss, tok1), "new secret")
		_, err := jws.Verify([]byte(tok1), jws.WithKey(jwa.HS256, secret1))
		assert.NoError(t, err, "old secret")
	})
}

func TestSecretIsACopy(t *testing.T) {
	iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
	defer iss.Close()
	s := iss.Secret()
	s[0] ^= 0xff
	assert.NotEqual(t, s, iss.Secret())
	assert.NoError(t, verify(t, iss, iss.Token(tokengate.Claims{})))
}

func TestJWKSEndpoint(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	defer iss.Close()

	tests := []struct {
		name       string
		method     string
		url        string
		wantStatus int
		counted    bool
	}{
		{"get", http.MethodGet, iss.JWKSURL(), http.StatusOK, true},
		{"head", http.MethodHead, iss.JWKSURL(), http.StatusOK, true},
		{"other path", http.MethodGet, iss.URL() + "/.well-known/openid-configuration", http.StatusNotFound, false},
		{"root", http.MethodGet, iss.URL() + "/", http.StatusNotFound, false},
		{"post", http.MethodPost, iss.JWKSURL(), http.StatusMethodNotAllowed, false},
		{"delete", http.MethodDelete, iss.JWKSURL(), http.StatusMethodNotAllowed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := iss.JWKSRequests()
			req, err := http.NewRequest(tt.method, tt.url, nil)
			require.NoError(t, err)
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			assert.Equal(t, tt.wantStatus, res.StatusCode)
			if tt.wantStatus == http.StatusOK {
				assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
				assert.Equal(t, "max-age=300", res.Header.Get("Cache-Control"))
			}
			want := before
			if tt.counted {
				want++
			}
			assert.Equal(t, want, iss.JWKSRequests())
		})
	}

	t.Run("HMAC body", func(t *testing.T) {
		h := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS512))
		defer h.Close()
		res, err := http.Get(h.JWKSURL())
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		assert.JSONEq(t, `{"keys":[]}`, string(body))
		assert.Equal(t, 1, h.JWKSRequests())
	})
}

func TestClose(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	url := iss.JWKSURL()
	iss.Close()
	_, err := http.Get(url)
	assert.Error(t, err, "server still answering after Close")
	assert.NotEmpty(t, iss.Token(tokengate.Claims{}), "tokens can still be minted")
}

func TestConcurrentUse(t *testing.T) {
	iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.EdDSA))
	defer iss.Close()
	var wg sync.WaitGroup
	const n = 8
	for range n {
		wg.Go(func() {
			for range 5 {
				iss.Rotate()
				_ = iss.Token(tokengate.Claims{Subject: "bob"})
				_ = iss.KeyID()
				_ = iss.PublicKey()
				res, err := http.Get(iss.JWKSURL())
				if assert.NoError(t, err) {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, n*5, iss.JWKSRequests())
	assert.NoError(t, verify(t, iss, iss.Token(tokengate.Claims{})))
}
