package tokengatetest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestProviderTokens: each provider-shaped token verifies through the
// matching tokengate preset with the wallets it was given, and carries the
// provider's claim shapes.
func TestProviderTokens(t *testing.T) {
	es := tokengatetest.NewIssuer()
	defer es.Close()
	rs := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.RS256))
	defer rs.Close()
	wallets := []tokengate.WalletAccount{
		{Chain: "eip155", Address: "0x809d4310d578649d8539e718030ee11e603ee8f3"},
		{Chain: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Address: "2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF"},
	}
	want := []tokengate.WalletAccount{wallets[0], {Chain: "solana", Address: wallets[1].Address}}
	tests := []struct {
		name   string
		preset tokengate.Option
		tok    string
		shape  func(t *testing.T, payload map[string]any)
	}{
		{"Privy", tokengate.Privy("app", tokengate.ProviderJWKSURL(es.JWKSURL())),
			es.PrivyToken("app", tokengate.Claims{Email: "a@b.c", Wallets: wallets}),
			func(t *testing.T, p map[string]any) {
				linked, ok := p["linked_accounts"].(string)
				require.True(t, ok, "linked_accounts is a string")
				var accounts []map[string]any
				require.NoError(t, json.Unmarshal([]byte(linked), &accounts))
				assert.Len(t, accounts, 3)
				assert.Equal(t, "privy.io", p["iss"])
				assert.True(t, strings.HasPrefix(p["sub"].(string), "did:privy:"))
				assert.NotContains(t, p, "jti")
			}},
		{"Dynamic", tokengate.Dynamic("env-1", tokengate.ProviderAudience("https://site.example"), tokengate.ProviderJWKSURL(rs.JWKSURL())),
			rs.DynamicToken("env-1", "https://site.example", tokengate.Claims{Email: "a@b.c", Wallets: wallets}),
			func(t *testing.T, p map[string]any) {
				assert.Equal(t, "app.dynamic.xyz/env-1", p["iss"])
				assert.Equal(t, "user:basic", p["scope"])
				assert.Len(t, p["verified_credentials"], 3)
			}},
		{"Web3Auth", tokengate.Web3Auth("client", tokengate.ProviderJWKSURL(es.JWKSURL())),
			es.Web3AuthToken("client", tokengate.Claims{Wallets: wallets}),
			func(t *testing.T, p map[string]any) {
				assert.Equal(t, "https://authjs.web3auth.io", p["iss"])
				assert.Len(t, p["wallets"], 2)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tokengate.New(tt.preset)
			require.NoError(t, err)
			defer m.Close()
			c, err := m.Verify(context.Background(), tt.tok)
			require.NoError(t, err)
			assert.Equal(t, want, c.Wallets)
			seg, err := base64.RawURLEncoding.DecodeString(strings.Split(tt.tok, ".")[1])
			require.NoError(t, err)
			var payload map[string]any
			require.NoError(t, json.Unmarshal(seg, &payload))
			tt.shape(t, payload)
		})
	}
}
