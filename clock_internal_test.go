package tokengate

import (
	"testing"
	"time"
)

// TestWallClock: the default clock reads the wall time, to the microsecond,
// between two readings of time.Now.
func TestWallClock(t *testing.T) {
	for range 1000 {
		before := time.Now().Round(0) // wall times only
		got := wallClock()
		after := time.Now().Round(0)
		if got.Before(before.Truncate(time.Microsecond)) || got.After(after) {
			t.Fatalf("wallClock() = %v, not between %v and %v", got, before, after)
		}
	}
}

// BenchmarkWallClock prices the default clock next to time.Now (the
// floor): one vDSO call against two on linux/amd64, the same elsewhere.
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench WallClock .; done | go run ./internal/benchratio
func BenchmarkWallClock(b *testing.B) {
	var sink time.Time
	b.Run("floor", func(b *testing.B) {
		for b.Loop() {
			sink = time.Now()
		}
	})
	b.Run("wallClock", func(b *testing.B) {
		for b.Loop() {
			sink = wallClock()
		}
	})
	_ = sink
}
