package tokengate_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
	"weak"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestCacheRechecksTime: a cached token is refused once it expires, and a
// token not yet valid is not served from the cache before its time.
func TestCacheRechecksTime(t *testing.T) {
	iss := newIssuer(t, jwa.HS256)
	now := time.Now()
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())), tokengate.WithCache(16),
		tokengate.WithClock(func() time.Time { return time.Unix(0, clock.Load()) }))
	tok := iss.Token(tokengate.Claims{IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
	_, err := m.Verify(context.Background(), tok)
	require.NoError(t, err)
	_, err = m.Verify(context.Background(), tok)
	require.NoError(t, err, "a hit")
	clock.Store(now.Add(2 * time.Minute).UnixNano())
	_, err = m.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, tokengate.ErrExpired, "an expired token is never served from the cache")

	clock.Store(now.UnixNano())
	later := iss.Token(tokengate.Claims{IssuedAt: now, NotBefore: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)})
	_, err = m.Verify(context.Background(), later)
	assert.ErrorIs(t, err, tokengate.ErrNotYetValid)
	clock.Store(now.Add(2 * time.Minute).UnixNano())
	_, err = m.Verify(context.Background(), later)
	assert.NoError(t, err)
	clock.Store(now.UnixNano())
	_, err = m.Verify(context.Background(), later)
	assert.ErrorIs(t, err, tokengate.ErrNotYetValid, "nbf is rechecked on a hit")
}

// TestCacheDropsRemovedKey: once a JWKS refresh removes the key that
// verified a cached token, the token is refused.
func TestCacheDropsRemovedKey(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL(), tokengate.JWKSMinInterval(0))),
		tokengate.WithCache(16))
	old := iss.Token(tokengate.Claims{})
	_, err := m.Verify(context.Background(), old)
	require.NoError(t, err)
	iss.Rotate()
	iss.Rotate() // the old key leaves the published set
	// A token of the new key triggers the refresh that drops the old one.
	_, err = m.Verify(context.Background(), iss.Token(tokengate.Claims{}))
	require.NoError(t, err)
	_, err = m.Verify(context.Background(), old)
	assert.ErrorIs(t, err, tokengate.ErrUnknownKey)
}

// TestCacheKeepsUnchangedKeys: a refresh that republishes the same key keeps
// its cached tokens.
func TestCacheKeepsUnchangedKeys(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL(), tokengate.JWKSMinInterval(0))),
		tokengate.WithCache(16))
	tok := iss.Token(tokengate.Claims{})
	_, err := m.Verify(context.Background(), tok)
	require.NoError(t, err)
	iss.Rotate() // publishes a new key next to the old one
	_, err = m.Verify(context.Background(), iss.Token(tokengate.Claims{}))
	require.NoError(t, err)
	_, err = m.Verify(context.Background(), tok)
	assert.NoError(t, err)
}

// TestCacheSingleUse: a cached single-use token still meets the replay store.
func TestCacheSingleUse(t *testing.T) {
	iss := newIssuer(t, jwa.HS256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())),
		tokengate.WithCache(16), tokengate.WithSingleUse(tokengate.NewMemoryStore()))
	tok := iss.Token(tokengate.Claims{})
	_, err := m.Verify(context.Background(), tok)
	require.NoError(t, err)
	_, err = m.Verify(context.Background(), tok)
	assert.ErrorIs(t, err, tokengate.ErrReplayed)
}

// TestCacheClaimsAreCopies: what a handler does to its claims never reaches
// the next request.
func TestCacheClaimsAreCopies(t *testing.T) {
	iss := newIssuer(t, jwa.HS256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())), tokengate.WithCache(16))
	tok := iss.Token(tokengate.Claims{Subject: "alice", Audience: nil, TokenIDs: []string{"1"}, TokenBalance: big.NewRat(1, 10),
		WalletAddress: "0x809d4310d578649d8539e718030ee11e603ee8f3", Chain: "ethereum"},
		tokengatetest.WithClaim("tokenBalances", map[string]map[string]string{"contractAddress": {"0xa": "2"}}))
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tokengate.ClaimsFromContext(r.Context())
		c.Subject = "mallory"
		c.TokenIDs[0] = "999"
		c.TokenIDs = append(c.TokenIDs, "1000")
		c.TokenBalance.SetInt64(1 << 40)
		c.TokenBalances.ContractAddress["0xa"].SetInt64(1 << 40)
		c.TokenBalances.ContractAddress["0xb"] = nil
		c.TokenBalances.TokenIDs = map[string]*big.Rat{"7": big.NewRat(1, 1)}
		c.Wallets[0].Address = "0x0000000000000000000000000000000000000bad"
		c.Wallets = append(c.Wallets, tokengate.WalletAccount{Chain: "eip155", Address: "0x1"})
	}))
	for range 3 {
		h.ServeHTTP(httptest.NewRecorder(), bearer(tok))
	}
	c, err := m.Verify(context.Background(), tok)
	require.NoError(t, err)
	assert.Equal(t, "alice", c.Subject)
	assert.Equal(t, []string{"1"}, c.TokenIDs)
	assert.Equal(t, "1/10", c.TokenBalance.RatString())
	assert.Equal(t, "2", c.TokenBalances.ContractAddress["0xa"].RatString())
	assert.Len(t, c.TokenBalances.ContractAddress, 1)
	assert.Nil(t, c.TokenBalances.TokenIDs)
	assert.Equal(t, []tokengate.WalletAccount{{Chain: "eip155:1", Address: "0x809d4310d578649d8539e718030ee11e603ee8f3"}}, c.Wallets)
}

// TestCacheBoundsAndLimits: the cache holds at most its size, and tokens
// over 4 KiB are verified every time.
func TestCacheBoundsAndLimits(t *testing.T) {
	iss := newIssuer(t, jwa.HS256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())), tokengate.WithCache(1))
	for i := range 100 {
		_, err := m.Verify(context.Background(), iss.Token(tokengate.Claims{ID: string(rune('a' + i%26))}))
		require.NoError(t, err)
	}
	big := iss.Token(tokengate.Claims{}, tokengatetest.WithClaim("pad", strings.Repeat("a", 4000)))
	for range 2 {
		_, err := m.Verify(context.Background(), big)
		assert.NoError(t, err)
	}
	for _, n := range []int{0, -1, 1<<24 + 1, math.MaxInt} {
		_, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret(iss.Secret())), tokengate.WithCache(n))
		assert.ErrorIs(t, err, tokengate.ErrConfig, "WithCache(%d)", n)
	}
}

// TestCacheKeepsRequestChecks: with a cache, the Authorization header is
// still checked on every request: credentials with characters outside RFC
// 6750's b64token get 400 each time, also after the token they spell
// differently was cached.
func TestCacheKeepsRequestChecks(t *testing.T) {
	iss := newIssuer(t, jwa.HS256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())), tokengate.WithCache(16))
	h := m.Handler(okHandler)
	tok := iss.Token(tokengate.Claims{})
	for _, tt := range []struct {
		name  string
		token string
		want  int
	}{
		{"valid", tok, http.StatusOK},
		{"valid again, from the cache", tok, http.StatusOK},
		{"a comma inside", strings.Replace(tok, ".", ",", 1), http.StatusBadRequest},
		{"a trailing quote", tok + `"`, http.StatusBadRequest},
		{"a comma inside, again", strings.Replace(tok, ".", ",", 1), http.StatusBadRequest},
		{"valid, once more", tok, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, bearer(tt.token))
			assert.Equal(t, tt.want, w.Code)
		})
	}
}

// TestCacheSurvivesRefresh: a key set refresh that brings the same keys
// keeps them, so the tokens they verified stay cached, for every kind of
// public key (their Equal takes a crypto.PublicKey).
func TestCacheSurvivesRefresh(t *testing.T) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.RS256, jwa.EdDSA, jwa.PS256} {
		t.Run(alg.String(), func(t *testing.T) {
			iss := newIssuer(t, alg)
			var rec decisions
			m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss, tokengate.JWKSMinInterval(0))),
				tokengate.WithCache(16), tokengate.WithDecisionHook(rec.hook))
			tok := iss.Token(tokengate.Claims{})
			require.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
			before := iss.JWKSRequests()
			require.Equal(t, 401, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}, tokengatetest.WithHeader("kid", "unknown")))).status)
			require.Equal(t, before+1, iss.JWKSRequests(), "a refresh")
			rec.take()
			require.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
			got := rec.take()
			require.Len(t, got, 1)
			assert.True(t, got[0].Cached, "the cache still answers after the refresh")
		})
	}
}

// picketTokens mints distinct HS256 Picket-shaped tokens of exactly size
// bytes, fast enough for a hundred thousand: one token from iss, then its
// jti rewritten and the result signed again.
type picketTokens struct {
	head, payload string // header segment and decoded payload with the placeholder
	secret        []byte
}

const jtiPlaceholder = "jti-000000000000"

func newPicketTokens(t testing.TB, iss *tokengatetest.Issuer, size int) *picketTokens {
	t.Helper()
	for pad := range 128 {
		c := picketClaims()
		c.ID = jtiPlaceholder
		c.Email = "holder" + strings.Repeat("x", pad) + "@example.com"
		tok := iss.Token(c)
		if len(tok) != size {
			continue
		}
		seg := strings.Split(tok, ".")
		p := &picketTokens{head: seg[0], payload: mustDecode(seg[1]), secret: iss.Secret()}
		require.Equal(t, tok, p.token(-1), "the minter reproduces the issuer's token")
		return p
	}
	t.Fatalf("no padding gives a %d-byte token", size)
	return nil
}

// token returns the i-th token (i = -1: the template itself), a new string.
func (p *picketTokens) token(i int) string {
	payload := p.payload
	if i >= 0 {
		payload = strings.Replace(payload, jtiPlaceholder, fmt.Sprintf("jti-%012d", i), 1)
	}
	input := p.head + "." + encode(payload)
	mac := hmac.New(sha256.New, p.secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// TestCacheMemory: at 100,000 entries of a 762-byte Picket-shaped token,
// each verified from a fresh copy of the token (as each request brings its
// own Authorization header), the cache holds at most 1,000 bytes of heap
// per entry, and no token: every token string can be collected.
func TestCacheMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("mints and verifies 100,000 tokens")
	}
	const n, size = 100_000, 762
	iss := newIssuer(t, jwa.HS256)
	mint := newPicketTokens(t, iss, size)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())),
		tokengate.WithAudience("my-app-id"), tokengate.WithCache(n))
	ctx := context.Background()

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var tokens []weak.Pointer[byte] // every 100th token string
	for i := range n {
		tok := mint.token(i)
		if i%100 == 0 {
			tokens = append(tokens, weak.Make(unsafe.StringData(tok)))
		}
		c, err := m.Verify(ctx, tok)
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("jti-%012d", i), c.ID)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	held := tokengate.CacheLen(m)
	perEntry := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(held)
	t.Logf("%d entries held of %d, %.0f bytes of heap per entry (%d-byte token)", held, n, perEntry, size)
	assert.GreaterOrEqual(t, held, n*94/100, "the cache fills")
	assert.LessOrEqual(t, perEntry, 1000.0, "bytes of heap per entry")
	kept := 0
	for _, w := range tokens {
		if w.Value() != nil {
			kept++
		}
	}
	assert.Zero(t, kept, "token strings still reachable after a GC, of %d sampled", len(tokens))

	// The entries answer: a fresh copy of a token of the fill is a hit.
	var rec decisions
	m2 := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())),
		tokengate.WithAudience("my-app-id"), tokengate.WithCache(16), tokengate.WithDecisionHook(rec.hook))
	for range 2 {
		_, err := m2.Verify(ctx, mint.token(7))
		require.NoError(t, err)
	}
	got := rec.take()
	require.Len(t, got, 2)
	assert.False(t, got[0].Cached)
	assert.True(t, got[1].Cached, "a fresh copy of a cached token is a hit")
	runtime.KeepAlive(m)
}

// TestCacheKeepsHotEntries: a token presented often stays cached while ten
// times the cache's size of tokens seen once go through it; a token seen
// once at the start does not (so the fill did cycle the cache).
func TestCacheKeepsHotEntries(t *testing.T) {
	const size = 64
	iss := newIssuer(t, jwa.HS256)
	mint := newPicketTokens(t, iss, 762)
	var rec decisions
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.HMACSecret(iss.Secret())),
		tokengate.WithAudience("my-app-id"), tokengate.WithCache(size), tokengate.WithDecisionHook(rec.hook))
	ctx := context.Background()
	verify := func(tok string) bool {
		_, err := m.Verify(ctx, tok)
		require.NoError(t, err)
		got := rec.take()
		require.Len(t, got, 1)
		return got[0].Cached
	}
	hot, cold := mint.token(0), mint.token(1)
	verify(hot)
	verify(cold)
	require.True(t, verify(hot), "hot is cached")
	misses := 0
	for i := range 10 * size {
		require.False(t, verify(mint.token(2+i)), "a token seen once is a miss")
		if i%4 == 3 && !verify(hot) { // hot comes back every four requests
			misses++
		}
	}
	assert.Zero(t, misses, "hot was evicted by tokens seen once")
	assert.False(t, verify(cold), "a token seen once at the start is evicted by the fill")
	assert.LessOrEqual(t, tokengate.CacheLen(m), size)
}
