package tokengate_test

import (
	"context"
	"runtime"
	"testing"
	"weak"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/require"
	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestCacheKeepsNoPayload: a cache entry keeps none of the memory of the
// verification that filled it: not the claims box and payload allocated
// together (the Claims returned on a miss point to its start), through no
// claim, the keys of tokenBalances in either of Picket's shapes included.
func TestCacheKeepsNoPayload(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []tokengatetest.TokenOption
	}{
		{"plain", nil},
		{"tokenBalances flat", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalances",
			map[string]any{"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d": "1.5"})}},
		{"tokenBalances grouped", []tokengatetest.TokenOption{tokengatetest.WithClaim("tokenBalances",
			map[string]any{"contractAddress": map[string]any{"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d": "1.5"},
				"tokenIds": map[string]any{"42": "1"}})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iss := newIssuer(t, jwa.HS256)
			m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())),
				tokengate.WithAudience("my-app-id"), tokengate.WithCache(16))
			c := picketClaims()
			tok := iss.Token(c, tc.opts...)
			got, err := m.Verify(context.Background(), tok)
			require.NoError(t, err)
			require.Equal(t, 1, tokengate.CacheLen(m))
			wp := weak.Make(got)
			got = nil
			for range 3 {
				runtime.GC()
			}
			require.Nil(t, wp.Value(), "the cache entry keeps the verification's claims and payload alive")
			runtime.KeepAlive(m)
		})
	}
}
