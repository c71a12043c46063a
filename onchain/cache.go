package onchain

import (
	"errors"
	"math/big"
	"sync"
	"time"
)

// maxProbes bounds how many entries a full cache looks at, under its lock,
// for finished reads to evict before it refuses a new read.
const maxProbes = 64

// errCacheFull is the failure of a read that finds the cache full of reads
// in flight.
var errCacheFull = errors.New("tokengate: onchain: cache full of reads in flight (CacheSize)")

// callKind is what a read asks a contract.
type callKind uint8

const (
	callDecimals  callKind = iota + 1 // decimals()
	callBalance                       // balanceOf(wallet)
	callOwner                         // ownerOf(id)
	callBalanceID                     // balanceOf(wallet, id)
)

// key names one read: the chain, the contract, the call and its arguments
// (the wallet, the token id, or both; zero when unused).
type key struct {
	chain    uint64
	contract address
	call     callKind
	wallet   address
	id       word
}

// value is the answer of one read.
type value struct {
	n        *big.Int // balances; never changed once stored
	owner    address  // ownerOf
	reverted bool     // ownerOf reverted: no such token
	decimals uint8
}

// entry is a cached read, or one in flight (done open).
type entry struct {
	done  chan struct{} // closed when val or err is set
	ready bool          // val is set; guarded by cache.mu
	val   value
	err   error   // set before done closes, when the read failed
	timer stopper // removes the entry at MaxAge (decimals: DecimalsMaxAge)
}

// stopper is a *time.Timer, or a test clock's timer.
type stopper interface{ Stop() bool }

// clock is the time as the cache sees it: realClock, or a test's.
type clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) stopper
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) stopper { return time.AfterFunc(d, f) }

// cache holds reads for MaxAge, and the reads in flight so that concurrent
// requests for one key share one call: at most max entries of both kinds.
//
// An entry leaves the cache when its timer fires, MaxAge after its read
// began, so a cache hit needs no clock reading (time.Now costs more than
// the rest of a hit on some machines).
type cache struct {
	mu     sync.RWMutex
	m      map[key]*entry
	max    int
	maxAge time.Duration
	clock  clock
}

func newCache(size int, maxAge time.Duration) *cache {
	return &cache{
		m:      make(map[key]*entry, min(size, 1024)),
		max:    size,
		maxAge: maxAge,
		clock:  realClock{},
	}
}

// hits fills out with the cached reads of keys and reports whether all of
// them were there.
func (c *cache) hits(keys []key, out []value) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i := range keys {
		e := c.m[keys[i]]
		if e == nil || !e.ready {
			return false
		}
		out[i] = e.val
	}
	return true
}

// claim sorts keys into cached reads (copied to out), reads in flight (to
// wait for, in wait) and reads nobody is making, which the caller must make
// and then pass to finish (in own, as new in-flight entries). It returns
// the entry of each key that is not cached. When a new entry does not fit
// (see insert), it adds none of them and returns errCacheFull.
func (c *cache) claim(keys []key, out []value) (own, wait []int, entries []*entry, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries = make([]*entry, len(keys))
	for i, k := range keys {
		e := c.m[k]
		switch {
		case e != nil && e.ready:
			out[i] = e.val
			continue
		case e != nil:
			wait = append(wait, i)
		default:
			e = &entry{done: make(chan struct{})}
			if !c.insert(k, e) {
				for _, j := range own { // in flight, but nobody has seen them
					delete(c.m, keys[j])
				}
				return nil, nil, nil, errCacheFull
			}
			own = append(own, i)
		}
		entries[i] = e
	}
	return own, wait, entries, nil
}

// insert adds e under k and reports true, unless the cache is full: then
// it first evicts the finished reads among at most maxProbes entries (in
// the map's order, which is random), and if that frees no room, adds
// nothing and reports false. So the cache never holds more than max
// entries, and an insert never scans more than maxProbes. c.mu is held.
func (c *cache) insert(k key, e *entry) bool {
	if len(c.m) >= c.max {
		probes := 0
		for k2, e2 := range c.m {
			if probes == maxProbes {
				break
			}
			probes++
			if e2.ready {
				c.remove(k2, e2)
			}
		}
		if len(c.m) >= c.max {
			return false
		}
	}
	c.m[k] = e
	return true
}

// remove deletes e, cached under k. c.mu is held.
func (c *cache) remove(k key, e *entry) {
	if e.timer != nil {
		e.timer.Stop()
	}
	delete(c.m, k)
}

// finish stores the reads made for the own entries, vals when err is nil,
// each kept until MaxAge after started, when the read began (decimals:
// DecimalsMaxAge), or else err, which is not kept: the next request reads
// again.
// Waiters are woken either way.
func (c *cache) finish(keys []key, own []int, entries []*entry, vals []value, err error, started time.Time) {
	c.mu.Lock()
	for j, i := range own {
		e, k := entries[i], keys[i]
		mine := c.m[k] == e
		if err != nil {
			e.err = err
			if mine {
				delete(c.m, k)
			}
			continue
		}
		e.val = vals[j]
		e.ready = true
		if !mine {
			continue
		}
		maxAge := c.maxAge
		if k.call == callDecimals {
			maxAge = DecimalsMaxAge
		}
		ttl := maxAge - c.clock.Now().Sub(started)
		if ttl <= 0 {
			delete(c.m, k)
			continue
		}
		e.timer = c.clock.AfterFunc(ttl, func() { c.expire(k, e) })
	}
	c.mu.Unlock()
	for _, i := range own {
		close(entries[i].done)
	}
}

// expire removes e, if it is still cached under k.
func (c *cache) expire(k key, e *entry) {
	c.mu.Lock()
	if c.m[k] == e {
		delete(c.m, k)
	}
	c.mu.Unlock()
}

// len reports how many entries the cache holds.
func (c *cache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// clear empties the cache, stopping its timers; reads in flight finish
// for their waiters but are not kept.
func (c *cache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		c.remove(k, e)
	}
}
