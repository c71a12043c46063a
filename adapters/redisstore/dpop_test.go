package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/redisstore"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestDPoPProofAcrossInstances: two instances whose DPoP proofs are spent
// in one Redis accept a proof exactly once between them: a proof taken off
// the wire after instance A accepted it is refused by instance B with
// invalid_dpop_proof, and 32 concurrent presentations over both are
// admitted once. The record expires when the proof would be too old anyway.
func TestDPoPProofAcrossInstances(t *testing.T) {
	srv := startRedis(t)
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	var servers []*httptest.Server
	for range 2 {
		m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
			tokengate.WithDPoP(tokengate.DPoPRequired,
				tokengate.DPoPReplayStore(redisstore.New(newClient(t, srv.addr()), redisstore.WithPrefix("dpop-test:"))),
				tokengate.DPoPPublicURL("https://api.example.com")))
		require.NoError(t, err)
		t.Cleanup(func() { _ = m.Close() })
		s := httptest.NewServer(m.Handler(ok200()))
		t.Cleanup(s.Close)
		servers = append(servers, s)
	}
	key := tokengatetest.NewDPoPKey(jwa.ES256)
	tok := iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))
	// Both instances sit behind https://api.example.com: a proof for it
	// is good on either.
	send := func(s *httptest.Server, proof string) *http.Response {
		req, err := http.NewRequest(http.MethodGet, s.URL+"/orders", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "DPoP "+tok)
		req.Header.Set("DPoP", proof)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp
	}
	proof := func() string { return key.Proof("GET", "https://api.example.com/orders", tok) }

	t.Run("replayed on the other instance", func(t *testing.T) {
		p := proof()
		require.Equal(t, http.StatusOK, send(servers[0], p).StatusCode, "instance A")
		resp := send(servers[1], p)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "instance B")
		assert.True(t, strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `DPoP realm="api", error="invalid_dpop_proof"`),
			resp.Header.Get("WWW-Authenticate"))
		assert.Equal(t, http.StatusOK, send(servers[1], proof()).StatusCode, "a fresh proof on B")
	})
	t.Run("32 at once", func(t *testing.T) {
		p := proof()
		var mu sync.Mutex
		got := map[int]int{}
		var wg sync.WaitGroup
		for i := range 32 {
			wg.Go(func() {
				code := send(servers[i%2], p).StatusCode
				mu.Lock()
				got[code]++
				mu.Unlock()
			})
		}
		wg.Wait()
		assert.Equal(t, map[int]int{200: 1, 401: 31}, got)
	})
	t.Run("records expire with the proof window", func(t *testing.T) {
		c := newClient(t, srv.addr())
		keys, err := c.Keys(context.Background(), "dpop-test:*").Result()
		require.NoError(t, err)
		require.NotEmpty(t, keys)
		for _, k := range keys {
			ttl, err := c.PTTL(context.Background(), k).Result()
			require.NoError(t, err)
			assert.Greater(t, ttl, time.Duration(0), k)
			assert.LessOrEqual(t, ttl, tokengate.DefaultDPoPMaxAge+time.Second, k)
		}
	})
}
