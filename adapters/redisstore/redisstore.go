// Package redisstore is a [tokengate.ReplayStore] on Redis, so that
// [tokengate.WithSingleUse] holds across every instance of an app: a token id
// is spent with one atomic SET NX with an expiry, on a single node, Sentinel
// or Cluster (any go-redis v9 UniversalClient).
//
// When Redis cannot be reached, Use returns an error and the middleware
// refuses the request with 503 (fail closed); nothing is cached, so the
// store works again as soon as Redis does, without a restart.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tokengate/tokengate"
)

// Store spends token ids in Redis. Build it with [New]; it is safe for
// concurrent use.
type Store struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
	err     error
}

// Option configures a [Store].
type Option func(*Store)

// WithPrefix sets the prefix of the keys the store writes. Default
// "tokengate:spent:". In Redis Cluster, a prefix with a hash tag (such as
// "{tokengate}:") would put every key in one slot; the default spreads them.
func WithPrefix(prefix string) Option {
	return func(s *Store) { s.prefix = prefix }
}

// WithTimeout bounds one call to Redis. Default 1s; a value that is not
// positive makes every Use fail.
func WithTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d <= 0 {
			s.err = fmt.Errorf("redisstore: timeout %v is not positive", d)
		}
		s.timeout = d
	}
}

var _ tokengate.ReplayStore = (*Store)(nil)

// New returns a Store on c. Use fails (and so refuses the request) when c is
// nil or an option is invalid.
func New(c redis.UniversalClient, opts ...Option) *Store {
	s := &Store{client: c, prefix: "tokengate:spent:", timeout: time.Second}
	if c == nil {
		s.err = errors.New("redisstore: nil client")
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	return s
}

// Use spends id until exp with SET key 1 NX PXAT exp. It reports false when
// the id was spent before, true when it was fresh (or exp has passed, which
// leaves nothing to record), and an error when Redis does not answer within
// the timeout.
func (s *Store) Use(ctx context.Context, id string, exp time.Time) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	if !time.Now().Before(exp) {
		return true, nil
	}
	// Round up to the millisecond, Redis's resolution: the record must
	// outlive exp, never expire just before it.
	exp = exp.Add(time.Millisecond - 1).Truncate(time.Millisecond)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := s.client.SetArgs(ctx, s.prefix+id, "1", redis.SetArgs{Mode: "NX", ExpireAt: exp}).Err()
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	default:
		return false, fmt.Errorf("redisstore: %w", err)
	}
}
