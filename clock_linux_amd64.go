//go:build linux && amd64

package tokengate

import (
	"syscall"
	"time"
)

// wallClock is the default clock (see WithClock): the system's wall time,
// to the microsecond, read with one vDSO call. time.Now makes two, the
// second for the monotonic clock, which the claim checks never use: it
// costs twice as much (BenchmarkWallClock). It falls back to time.Now if
// the call fails.
func wallClock() time.Time {
	var tv syscall.Timeval
	if syscall.Gettimeofday(&tv) != nil {
		return time.Now()
	}
	return time.Unix(tv.Sec, tv.Usec*1000)
}
