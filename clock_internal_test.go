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
