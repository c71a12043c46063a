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
	own, wait, entries, err := c.claim(keys, out)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
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
// once read, are kept for DecimalsMaxAge (an hour), not MaxAge.
func TestCacheErrorsNotKept(t *testing.T) {
	c, clock := testCache(10, time.Second)
	keys := []key{{chain: 1, call: callDecimals}}
	out := make([]value, 1)
	own, _, entries, _ := c.claim(keys, out)
	_, wait, entries2, _ := c.claim(keys, out) // a second request waits
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
	own, _, entries, _ = c.claim(keys, out)
	c.finish(keys, own, entries, []value{{decimals: 6}}, nil, clock.Now())
	clock.Advance(DecimalsMaxAge - time.Nanosecond)
	if !c.hits(keys, out) || out[0].decimals != 6 {
		t.Fatal("decimals expired before DecimalsMaxAge")
	}
	clock.Advance(time.Nanosecond)
	if c.hits(keys, out) {
		t.Fatal("decimals kept past DecimalsMaxAge")
	}
}

// TestCacheDecimalsMaxAgeZero: with MaxAge 0, decimals are still read once
// per DecimalsMaxAge.
func TestCacheDecimalsMaxAgeZero(t *testing.T) {
	c, clock := testCache(10, 0)
	keys := []key{{chain: 1, call: callDecimals}}
	out := make([]value, 1)
	own, _, entries, _ := c.claim(keys, out)
	c.finish(keys, own, entries, []value{{decimals: 6}}, nil, clock.Now())
	clock.Advance(DecimalsMaxAge - time.Nanosecond)
	if !c.hits(keys, out) {
		t.Fatal("decimals not kept with MaxAge 0")
	}
	clock.Advance(time.Nanosecond)
	if c.len() != 0 {
		t.Fatal("decimals kept past DecimalsMaxAge")
	}
}

// balanceKeys are n balance read keys, from wallet number from.
func balanceKeys(from, n int) []key {
	keys := make([]key, n)
	for i := range keys {
		keys[i] = key{chain: 1, call: callBalance, wallet: address{byte(from + i), byte((from + i) >> 8), 0xbb}}
	}
	return keys
}

// TestCacheFullOfReadsInFlight: reads in flight count against the size
// too. When the cache is full and has no finished read to evict, a new
// read fails at once (errCacheFull) instead of growing the cache, and a
// request's other new reads are not left behind; once reads finish, they
// are evicted to make room.
func TestCacheFullOfReadsInFlight(t *testing.T) {
	c, _ := testCache(8, time.Minute)
	keys := balanceKeys(0, 8)
	out := make([]value, 8)
	own, _, entries, err := c.claim(keys, out)
	if err != nil || len(own) != 8 {
		t.Fatalf("claim of 8 in a cache of 8: own %d, err %v", len(own), err)
	}

	// Full of reads in flight: a new read fails, a shared one with it.
	for _, ks := range [][]key{balanceKeys(100, 1), {keys[0], balanceKeys(100, 1)[0]}} {
		_, _, _, err := c.claim(ks, make([]value, len(ks)))
		if !errors.Is(err, errCacheFull) {
			t.Fatalf("claim in a cache full of reads in flight: got %v, want errCacheFull", err)
		}
		if got := c.len(); got != 8 {
			t.Fatalf("len: got %d, want 8", got)
		}
	}

	// Two reads finish: room for two new ones, not three; the two that fit
	// are taken out again when the third fails.
	vals := make([]value, 2)
	c.finish(keys, own[:2], entries, vals, nil, c.clock.Now())
	if _, _, _, err := c.claim(balanceKeys(100, 3), make([]value, 3)); !errors.Is(err, errCacheFull) {
		t.Fatalf("claim of 3 with room for 2: got %v, want errCacheFull", err)
	}
	if got := c.len(); got != 6 {
		t.Fatalf("len after a failed claim: got %d, want 6 (the 6 reads in flight)", got)
	}
	ks := balanceKeys(100, 2)
	if own, _, _, err := c.claim(ks, make([]value, 2)); err != nil || len(own) != 2 {
		t.Fatalf("claim of 2 with room for 2: own %d, err %v", len(own), err)
	}
	if got := c.len(); got != 8 {
		t.Fatalf("len: got %d, want 8", got)
	}
}

// TestCacheFullLarge: a cache much larger than maxProbes (so each insert
// gives up after maxProbes entries), full of reads in flight, refuses new
// reads without growing, however many come.
func TestCacheFullLarge(t *testing.T) {
	const size = 50 * maxProbes
	c, _ := testCache(size, time.Minute)
	if _, _, _, err := c.claim(balanceKeys(0, size), make([]value, size)); err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		ks := balanceKeys(size+i, 1)
		if _, _, _, err := c.claim(ks, make([]value, 1)); !errors.Is(err, errCacheFull) {
			t.Fatalf("claim %d: got %v, want errCacheFull", i, err)
		}
	}
	if got := c.len(); got != size {
		t.Fatalf("len: got %d, want %d", got, size)
	}
}
