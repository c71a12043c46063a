package onchain

import (
	"sync"
	"sync/atomic"
	"time"
)

// FakeClock is a clock for the cache that moves only when told, so tests
// of MaxAge do not depend on timing.
type FakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped atomic.Bool
}

func (t *fakeTimer) Stop() bool { return !t.stopped.Swap(true) }

// NewFakeClock returns a FakeClock at a fixed time.
func NewFakeClock() *FakeClock { return &FakeClock{now: time.Unix(1_800_000_000, 0)} }

// Now is the clock's time.
func (f *FakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// AfterFunc calls fn once the clock has been advanced by d.
func (f *FakeClock) AfterFunc(d time.Duration, fn func()) stopper {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{at: f.now.Add(d), f: fn}
	f.timers = append(f.timers, t)
	return t
}

// Advance moves the clock by d and runs the timers now due.
func (f *FakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	var due []*fakeTimer
	rest := f.timers[:0]
	for _, t := range f.timers {
		if !t.at.After(f.now) {
			due = append(due, t)
		} else {
			rest = append(rest, t)
		}
	}
	f.timers = rest
	f.mu.Unlock()
	for _, t := range due {
		if !t.stopped.Load() {
			t.f()
		}
	}
}

// SetClock makes c's cache use f; call it before c is used.
func SetClock(c *Client, f *FakeClock) { c.cache.clock = f }

// CacheLen reports how many reads c's cache holds.
func CacheLen(c *Client) int { return c.cache.len() }
