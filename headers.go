package tokengate

import (
	"strings"
	"sync"
	"sync/atomic"
)

// Bounds of the header cache.
const (
	maxCachedHeaders   = 64  // entries; the cache starts over when full
	maxCachedHeaderSeg = 512 // bytes of a header segment it keeps
)

// headerCache keeps the JOSE headers that decoded and passed header.decode's
// checks, keyed by the header segment exactly as received. An issuer signs
// its tokens with a handful of headers (one per key), so most requests skip
// the header's JSON. Reads take no lock. A flood of distinct headers only
// makes the cache start over, and costs each of them what an uncached
// decode costs.
type headerCache struct {
	size    atomic.Int32
	entries sync.Map // string → *header
}

func (c *headerCache) get(seg string) (*header, bool) {
	if h, ok := c.entries.Load(seg); ok {
		return h.(*header), true
	}
	return nil, false
}

func (c *headerCache) put(seg string, h header) {
	if len(seg) > maxCachedHeaderSeg {
		return
	}
	if c.size.Add(1) > maxCachedHeaders {
		c.entries.Clear()
		c.size.Store(1)
	}
	// A copy of the segment, so the entry does not keep the token alive.
	c.entries.Store(strings.Clone(seg), &h)
}
