package tokengate

import (
	"crypto"
	"crypto/hmac"
	"slices"
	"sync"
	"sync/atomic"
)

// maxCachedToken is the longest token the verified-token cache keeps.
const maxCachedToken = 4 << 10

// tokenCache holds verified tokens, keyed by the exact token string, for
// WithCache. Each entry keeps its claims (never handed out: callers get a
// copy), the key that verified it, and that key's provider, so a hit can
// check the key is still current. Hits take no lock (sync.Map's reads are
// lock-free), so they scale with cores.
type tokenCache struct {
	max     int64
	size    atomic.Int64
	entries sync.Map // string → *cacheEntry
}

type cacheEntry struct {
	claims *Claims
	key    *key
	iss    *issuer // whose keys verified the token, and whose audience applies
}

func newTokenCache(entries int) *tokenCache {
	return &tokenCache{max: int64(entries)}
}

func (c *tokenCache) get(token string) *cacheEntry {
	if e, ok := c.entries.Load(token); ok {
		return e.(*cacheEntry)
	}
	return nil
}

// put adds an entry, making room by dropping arbitrary ones when the cache
// is full.
func (c *tokenCache) put(token string, e *cacheEntry) {
	if _, loaded := c.entries.Swap(token, e); loaded {
		return
	}
	if c.size.Add(1) <= c.max {
		return
	}
	c.entries.Range(func(k, _ any) bool {
		if k.(string) != token {
			c.drop(k.(string))
		}
		return c.size.Load() > c.max
	})
}

func (c *tokenCache) drop(token string) {
	if _, loaded := c.entries.LoadAndDelete(token); loaded {
		c.size.Add(-1)
	}
}

// clone is a deep copy of c: what a handler does to its claims never
// reaches the cache or another request. The verified payload is shared; it
// is never written.
func (c *Claims) clone() *Claims {
	box := &claimsBox{c: *c}
	d := &box.c
	if c.Audience != nil {
		d.Audience = append(box.aud[:0:len(box.aud)], c.Audience...)
	}
	if c.TokenIDs != nil {
		d.TokenIDs = append(box.ids[:0:len(box.ids)], c.TokenIDs...)
	}
	if c.TokenBalance != nil {
		d.TokenBalance = box.bal.Set(c.TokenBalance)
	}
	d.TokenBalances = c.TokenBalances.clone()
	if len(c.Wallets) <= len(box.wallet) && c.Wallets != nil {
		d.Wallets = append(box.wallet[:0:len(box.wallet)], c.Wallets...)
	} else {
		d.Wallets = slices.Clone(c.Wallets)
	}
	d.Scopes = slices.Clone(c.Scopes)
	return d
}

// sameKey reports whether a and b verify alike: the same kid, algorithm and
// key material.
func sameKey(a, b *key) bool {
	if a.kid != b.kid || a.alg != b.alg {
		return false
	}
	if sa, ok := a.raw.([]byte); ok {
		sb, ok := b.raw.([]byte)
		return ok && hmac.Equal(sa, sb)
	}
	pa, ok := a.raw.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pa.Equal(b.raw)
}
