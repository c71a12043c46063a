package tokengate

import "time"

// JWKSTestClock sets the clock a JWKS source measures its stale bound
// (JWKSMaxStale) and its minimum interval between request-triggered fetches
// (JWKSMinInterval) on. Timers (refresh schedule, backoff, JWKSTimeout,
// JWKSWait) still run on real time. It exists only in this package's tests,
// so that they can move past a 24 h bound without waiting for it.
func JWKSTestClock(now func() time.Time) JWKSOption {
	return func(cfg *jwksConfig) error {
		cfg.now = now
		return nil
	}
}
