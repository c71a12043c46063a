package tokengate

import (
	"crypto/hmac"
	"hash/maphash"
	"maps"
	"math/big"
	"slices"
	"sync"
)

// maxCachedToken is the longest token the verified-token cache keeps.
const maxCachedToken = 4 << 10

// cacheShards splits the cache so that hits on different tokens rarely meet
// on a lock; hits take only a read lock.
const cacheShards = 32

// tokenCache holds verified tokens, keyed by the exact token string, for
// WithCache. Each entry keeps its claims (never handed out: callers get a
// copy), the key that verified it, and that key's provider, so a hit can
// check the key is still current.
type tokenCache struct {
	seed     maphash.Seed
	perShard int
	shards   [cacheShards]cacheShard
}

type cacheShard struct {
	mu      sync.RWMutex
	entries map[string]*cacheEntry
}

type cacheEntry struct {
	claims *Claims
	key    *key
	keys   keyProvider
}

func newTokenCache(entries int) *tokenCache {
	c := &tokenCache{seed: maphash.MakeSeed(), perShard: max(1, (entries+cacheShards-1)/cacheShards)}
	for i := range c.shards {
		c.shards[i].entries = make(map[string]*cacheEntry)
	}
	return c
}

func (c *tokenCache) shard(token string) *cacheShard {
	return &c.shards[maphash.String(c.seed, token)%cacheShards]
}

func (c *tokenCache) get(token string) *cacheEntry {
	s := c.shard(token)
	s.mu.RLock()
	e := s.entries[token]
	s.mu.RUnlock()
	return e
}

// put adds an entry, making room by dropping an arbitrary one when the
// shard is full.
func (c *tokenCache) put(token string, e *cacheEntry) {
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.entries[token]; !ok && len(s.entries) >= c.perShard {
		for k := range s.entries {
			delete(s.entries, k)
			break
		}
	}
	s.entries[token] = e
}

func (c *tokenCache) drop(token string) {
	s := c.shard(token)
	s.mu.Lock()
	delete(s.entries, token)
	s.mu.Unlock()
}

// clone is a deep copy of c: what a handler does to its claims never
// reaches the cache or another request. The verified payload is shared; it
// is never written.
func (c *Claims) clone() *Claims {
	d := *c
	d.Audience = slices.Clone(c.Audience)
	d.TokenIDs = slices.Clone(c.TokenIDs)
	if c.TokenBalance != nil {
		d.TokenBalance = new(big.Rat).Set(c.TokenBalance)
	}
	if c.TokenBalances != nil {
		d.TokenBalances = make(map[string]map[string]*big.Rat, len(c.TokenBalances))
		for contract, entries := range c.TokenBalances {
			m := maps.Clone(entries)
			for k, v := range m {
				m[k] = new(big.Rat).Set(v)
			}
			d.TokenBalances[contract] = m
		}
	}
	return &d
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
	pa, ok := a.raw.(interface{ Equal(any) bool })
	return ok && pa.Equal(b.raw)
}
