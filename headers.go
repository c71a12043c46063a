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
// decode costs. (The entry put last is also kept apart, and may outlive
// the map's starting over by one entry.)
type headerCache struct {
	size    atomic.Int32
	entries sync.Map // string → *header
	// last is the entry put last, compared before the map is consulted: an
	// issuer with one key signs every token with one header. It is only
	// written by put, so reads stay free of writes.
	last atomic.Pointer[headerEntry]
}

// headerEntry is a header segment and its header.
type headerEntry struct {
	seg string
	h   header
}

// get returns the header of the segment seg when the cache holds it.
func (c *headerCache) get(seg string) (*header, bool) {
	if e := c.last.Load(); e != nil && e.seg == seg {
		return &e.h, true
	}
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
	e := &headerEntry{seg: strings.Clone(seg), h: h}
	c.entries.Store(e.seg, &e.h)
	c.last.Store(e)
}
