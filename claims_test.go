package tokengate_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestPicketTokenEndToEnd verifies a Picket-shaped ES256 access token through
// a JWKS URL and reads its typed claims back from the request context.
func TestPicketTokenEndToEnd(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
		tokengate.WithAudience("picket-project-id"))
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	tok := iss.Token(tokengate.Claims{
		Subject:         "0xAbC0000000000000000000000000000000000001",
		Audience:        []string{"picket-project-id"},
		ExpiresAt:       exp,
		Chain:           "ethereum",
		WalletAddress:   "0xAbC0000000000000000000000000000000000001",
		DisplayAddress:  "vitalik.eth",
		ContractAddress: "0x1234567890abcdef1234567890abcdef12345678",
		TokenBalance:    big.NewRat(1337, 10000),
		TokenIDs:        []string{"1", "42"},
		Email:           "holder@example.com",
	}, tokengatetest.WithoutClaim("jti"), tokengatetest.WithClaim("tid", "picket-tid-1"))

	res := serve(m.Handler, bearer(tok))
	require.Equal(t, 200, res.status, res.body)
	c := res.claims
	require.NotNil(t, c)
	assert.Equal(t, iss.URL(), c.Issuer)
	assert.Equal(t, "0xAbC0000000000000000000000000000000000001", c.Subject)
	assert.Equal(t, []string{"picket-project-id"}, c.Audience)
	assert.True(t, exp.Equal(c.ExpiresAt), "exp %v, want %v", c.ExpiresAt, exp)
	assert.False(t, c.IssuedAt.IsZero())
	assert.Equal(t, "picket-tid-1", c.ID, "tid stands in for a missing jti")
	assert.Equal(t, "ethereum", c.Chain)
	assert.Equal(t, "0xAbC0000000000000000000000000000000000001", c.WalletAddress)
	assert.Equal(t, "vitalik.eth", c.DisplayAddress)
	assert.Equal(t, "0x1234567890abcdef1234567890abcdef12345678", c.ContractAddress)
	require.NotNil(t, c.TokenBalance)
	assert.Equal(t, 0, c.TokenBalance.Cmp(big.NewRat(1337, 10000)), "balance %s", c.TokenBalance.RatString())
	assert.Equal(t, []string{"1", "42"}, c.TokenIDs)
	assert.Equal(t, "holder@example.com", c.Email)
}

// TestRefoldSessionToken verifies an HS256 session token without iss through
// WithKeys and reads provider claims with Decode.
func TestRefoldSessionToken(t *testing.T) {
	secret := []byte("refold-signing-secret-of-32-bytes!!")
	iss := newIssuer(t, jwa.HS256)
	m := newMiddleware(t, tokengate.WithKeys(tokengate.HMACSecret(iss.Secret())))
	tok := iss.Token(tokengate.Claims{Subject: "user_1", ExpiresAt: time.Now().Add(24 * time.Hour)},
		tokengatetest.WithoutClaim("iss"),
		tokengatetest.WithClaim("org_id", "org_42"),
		tokengatetest.WithClaim("linked_account_id", "la_7"))

	res := serve(m.Handler, bearer(tok))
	require.Equal(t, 200, res.status, res.body)
	assert.Equal(t, "", res.claims.Issuer)
	assert.Equal(t, "user_1", res.claims.Subject)
	var refold struct {
		OrgID           string `json:"org_id"`
		LinkedAccountID string `json:"linked_account_id"`
	}
	require.NoError(t, res.claims.Decode(&refold))
	assert.Equal(t, "org_42", refold.OrgID)
	assert.Equal(t, "la_7", refold.LinkedAccountID)

	t.Run("another secret", func(t *testing.T) {
		other := newMiddleware(t, tokengate.WithKeys(tokengate.HMACSecret(secret)))
		res := serve(other.Handler, bearer(tok))
		assert.Equal(t, 401, res.status)
	})
}

func TestClaimTypes(t *testing.T) {
	iss := newIssuer(t, jwa.HS256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())))
	tests := []struct {
		name  string
		opts  []tokengatetest.TokenOption
		check func(t *testing.T, c *tokengate.Claims)
		err   error
	}{
		{"tokenIds as a string", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenIds", "7")},
			func(t *testing.T, c *tokengate.Claims) { assert.Equal(t, []string{"7"}, c.TokenIDs) }, nil},
		{"tokenIds as numbers", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenIds", []int{7, 8})},
			func(t *testing.T, c *tokengate.Claims) { assert.Equal(t, []string{"7", "8"}, c.TokenIDs) }, nil},
		{"tokenBalance of 10^30 base units", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalance", "1000000000000000000000000000000")},
			func(t *testing.T, c *tokengate.Claims) {
				want, _ := new(big.Rat).SetString("1000000000000000000000000000000")
				assert.Equal(t, 0, c.TokenBalance.Cmp(want))
			}, nil},
		{"tokenBalance absent", nil,
			func(t *testing.T, c *tokengate.Claims) { assert.Nil(t, c.TokenBalance) }, nil},
		{"jti wins over tid", []tokengatetest.TokenOption{tokengatetest.WithClaim("jti", "j"), tokengatetest.WithClaim("tid", "t")},
			func(t *testing.T, c *tokengate.Claims) { assert.Equal(t, "j", c.ID) }, nil},
		{"fractional exp", []tokengatetest.TokenOption{tokengatetest.WithClaim("exp", float64(time.Now().Add(time.Hour).Unix())+0.5)},
			func(t *testing.T, c *tokengate.Claims) {
				assert.Equal(t, 500*time.Millisecond, time.Duration(c.ExpiresAt.Nanosecond()))
			}, nil},
		{"tokenBalances grouped", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalances", map[string]map[string]any{
			"contractAddress": {"0xabc": "12.5"}, "tokenIds": {"2": 3}})},
			func(t *testing.T, c *tokengate.Claims) {
				require.NotNil(t, c.TokenBalances)
				assert.Equal(t, 0, c.TokenBalances.ContractAddress["0xabc"].Cmp(big.NewRat(25, 2)))
				assert.Equal(t, 0, c.TokenBalances.TokenIDs["2"].Cmp(big.NewRat(3, 1)))
				assert.Nil(t, c.TokenBalances.Collection)
			}, nil},
		{"tokenBalances flat", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalances", map[string]string{"0xabc": "1"})},
			func(t *testing.T, c *tokengate.Claims) {
				assert.Equal(t, map[string]*big.Rat{"0xabc": big.NewRat(1, 1)}, c.TokenBalances.ContractAddress)
			}, nil},
		{"tokenBalances with a bad decimal", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalances", map[string]map[string]any{"contractAddress": {"0xabc": "1e9"}})}, nil, tokengate.ErrMalformed},
		{"tokenBalance with exponent", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalance", "1e9")}, nil, tokengate.ErrMalformed},
		{"tokenBalance negative", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalance", "-1")}, nil, tokengate.ErrMalformed},
		{"tokenBalance a fraction", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalance", "1/3")}, nil, tokengate.ErrMalformed},
		{"tokenIds holding an object", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenIds", []any{map[string]int{"a": 1}})}, nil, tokengate.ErrMalformed},
		{"aud a number", []tokengatetest.TokenOption{tokengatetest.WithClaim("aud", 5)}, nil, tokengate.ErrMalformed},
		{"iss a number", []tokengatetest.TokenOption{tokengatetest.WithClaim("iss", 5)}, nil, tokengate.ErrMalformed},
		{"exp null", []tokengatetest.TokenOption{tokengatetest.WithClaim("exp", nil)}, nil, tokengate.ErrMalformed},
		{"exp zero", []tokengatetest.TokenOption{tokengatetest.WithClaim("exp", 0)}, nil, tokengate.ErrMalformed},
		{"exp 1e300", []tokengatetest.TokenOption{tokengatetest.WithClaim("exp", 1e300)}, nil, tokengate.ErrMalformed},
		{"exp an RFC 3339 date", []tokengatetest.TokenOption{tokengatetest.WithClaim("exp", "2999-01-01T00:00:00Z")}, nil, tokengate.ErrMalformed},
		{"nbf a bool", []tokengatetest.TokenOption{tokengatetest.WithClaim("nbf", true)}, nil, tokengate.ErrMalformed},
		{"iat an array", []tokengatetest.TokenOption{tokengatetest.WithClaim("iat", []int{1})}, nil, tokengate.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := m.Verify(context.Background(), iss.Token(tokengate.Claims{}, tt.opts...))
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestContextClaims(t *testing.T) {
	_, ok := tokengate.ClaimsFromContext(context.Background())
	assert.False(t, ok)
	_, ok = tokengate.ClaimsFromContext(tokengate.ContextWithClaims(context.Background(), nil))
	assert.False(t, ok, "nil claims are no claims")
	c := &tokengate.Claims{Subject: "s"}
	got, ok := tokengate.ClaimsFromContext(tokengate.ContextWithClaims(httptest.NewRequest("GET", "/", nil).Context(), c))
	assert.True(t, ok)
	assert.Same(t, c, got)
}

func TestDecodeWithoutPayload(t *testing.T) {
	var v map[string]any
	assert.Error(t, (&tokengate.Claims{}).Decode(&v))
	assert.Error(t, (*tokengate.Claims)(nil).Decode(&v))
}

// TestDecodeMatchesNamesExactly: a claim name that differs only in case
// cannot stand in for another, in Decode as in the typed fields.
func TestDecodeMatchesNamesExactly(t *testing.T) {
	iss := newIssuer(t, jwa.HS256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())))
	c, err := m.Verify(context.Background(), iss.Token(tokengate.Claims{Subject: "alice"},
		tokengatetest.WithClaim("Org_ID", "evil")))
	require.NoError(t, err)
	var v struct {
		Sub   string `json:"sub"`
		OrgID string `json:"org_id"`
	}
	require.NoError(t, c.Decode(&v))
	assert.Equal(t, "alice", c.Subject)
	assert.Equal(t, "alice", v.Sub)
	assert.Equal(t, "", v.OrgID)
}

// TestPublicKeyIsCopied: changing the caller's key after New changes nothing.
func TestPublicKeyIsCopied(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	pub := *(iss.PublicKey().(*ecdsa.PublicKey))
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.PublicKey(jwa.ES256, &pub)))
	//lint:ignore SA1019 the test changes the key the way a caller still can
	pub.X = new(big.Int).Add(pub.X, big.NewInt(1))
	_, err := m.Verify(context.Background(), iss.Token(tokengate.Claims{}))
	assert.NoError(t, err)
}
