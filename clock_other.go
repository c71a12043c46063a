//go:build !(linux && amd64)

package tokengate

import "time"

// wallClock is the default clock (see WithClock): time.Now. (On
// linux/amd64 it reads the wall time alone, see clock_linux_amd64.go.)
func wallClock() time.Time { return time.Now() }
