package onchain

import (
	"errors"
	"testing"
	"time"
)

func testCache(size int, maxAge time.Duration) (*cache, *FakeClock) {
	c := newCache(size, maxAge)
	f := NewFakeClock()
	c.clock = f
	return c, f
}

// fill caches n balance reads, from wallet number from.
func fill(t *testing.T, c *cache, from, n int) {
	t.Helper()
	keys := make([]key, n)
	for i := range keys {
		keys[i] = key{chain: 1, call: callBalance, wallet: address{byte(from + i), byte((from + i) >> 8)}}
	}
	out := make([]value, n)
	own, wait, entries := c.claim(keys, out)
	if len(own) != n || len(wait) != 0 {
		t.Fatalf("claim: own %d wait %d, want %d 0", len(own), len(wait), n)
	}
	c.finish(keys, own, entries, out, nil, c.clock.Now())
}

// TestCacheBounded: the cache never holds more than its size, and reads
// leave it at MaxAge.
func TestCacheBounded(t *testing.T) {
	c, clock := testCache(64, time.Minute)
	fill(t, c, 0, 64)
	if got := c.len(); got != 64 {
		t.Fatalf("len: got %d, want 64", got)
	}
	for i := 0; i < 500; i += 10 {
		fill(t, c, 1000+i, 10)
		if got := c.len(); got > 64 {
			t.Fatalf("len: got %d, above 64", got)
		}
	}
	clock.Advance(time.Minute - time.Nanosecond)
	if got := c.len(); got == 0 {
		t.Fatal("reads left before MaxAge")
	}
	clock.Advance(time.Nanosecond)
	if got := c.len(); got != 0 {
		t.Fatalf("len at MaxAge: got %d, want 0", got)
	}
}

// TestCacheMaxAgeZero: with MaxAge 0 nothing is kept.
func TestCacheMaxAgeZero(t *testing.T) {
	c, _ := testCache(64, 0)
	fill(t, c, 0, 5)
	if got := c.len(); got != 0 {
		t.Fatalf("len: got %d, want 0", got)
	}
}

// TestCacheErrorsNotKept: a failed read wakes its waiters with the error
// and leaves nothing behind, so the next request reads again; decimals,
// once read, are kept for good.
func TestCacheErrorsNotKept(t *testing.T) {
	c, clock := testCache(10, time.Second)
	keys := []key{{chain: 1, call: callDecimals}}
	out := make([]value, 1)
	own, _, entries := c.claim(keys, out)
	_, wait, entries2 := c.claim(keys, out) // a second request waits
	if len(own) != 1 || len(wait) != 1 || entries[0] != entries2[0] {
		t.Fatal("second claim does not wait on the first")
	}
	boom := errors.New("boom")
	c.finish(keys, own, entries, nil, boom, clock.Now())
	<-entries2[0].done
	if !errors.Is(entries2[0].err, boom) {
		t.Fatalf("waiter: got %v, want boom", entries2[0].err)
	}
	if c.len() != 0 {
		t.Fatal("a failed read was kept")
	}
	own, _, entries = c.claim(keys, out)
	c.finish(keys, own, entries, []value{{decimals: 6}}, nil, clock.Now())
	clock.Advance(1000 * time.Hour)
	if !c.hits(keys, out) || out[0].decimals != 6 {
		t.Fatal("decimals expired")
	}
}
