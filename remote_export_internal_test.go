package tokengate

import (
	"crypto/sha256"
	"time"
)

// RemoteTestClock sets the clock a remote source ([Introspect],
// [PicketValidate]) measures its cache lifetimes and its exp pre-check on.
// RemoteTimeout still runs on real time. It exists only in this package's
// tests, so that they can move past a TTL without waiting for it.
func RemoteTestClock(now func() time.Time) RemoteOption {
	return func(cfg *remoteConfig) error {
		cfg.now = now
		return nil
	}
}

// RemoteWaiters reports how many requests share the call in flight for
// token at the remote source of issuer iss (0 when there is none), so that
// tests can release a fake issuer once every request waits.
func RemoteWaiters(m *Middleware, iss, token string) int {
	is, ok := m.issuers[iss]
	if !ok {
		return 0
	}
	p, ok := is.keys.(*remoteProvider)
	if !ok {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if f := p.flights[sha256.Sum256([]byte(token))]; f != nil {
		return f.waiters
	}
	return 0
}
