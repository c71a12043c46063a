// Package redisstore is a [tokengate.ReplayStore] on Redis, so that
// [tokengate.WithSingleUse] holds across every instance of an app: a token id
// is spent with one atomic script (set the key unless it exists, with an
// expiry), on a single node, Sentinel or Cluster (any go-redis v9
// UniversalClient, with its default options or any others).
//
// When Redis cannot be reached, Use returns an error and the middleware
// refuses the request with 503 (fail closed); nothing is cached, so the
// store works again as soon as Redis does, without a restart.
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
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
	nonce   string        // random, this Store's part of every value it writes
	calls   atomic.Uint64 // the other part: a count of its Use calls
}

// Option configures a [Store].
type Option func(*Store)

// WithPrefix sets the prefix of the keys the store writes. Default
// "tokengate:spent:". In Redis Cluster, a prefix with a hash tag (such as
// "{tokengate}:") would put every key in one slot; the default spreads them.
func WithPrefix(prefix string) Option {
	return func(s *Store) { s.prefix = prefix }
}

// WithTimeout bounds one call to Redis: Use fails when Redis has not
// answered by then, whatever the client's options (without go-redis's
// ContextTimeoutEnabled, the command itself then ends at the client's read
// and write timeouts, in the background). Default 1s; a value that is not
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
	s := &Store{client: c, prefix: "tokengate:spent:", timeout: time.Second, nonce: newNonce()}
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

// Use spends id until exp. It reports false when the id was spent before,
// true when it was fresh (or exp has passed, which leaves nothing to
// record), and an error when Redis does not answer within the timeout.
//
// The record is written with a value of this call's own and an expiry
// counted from now on this host's clock (never Redis's: a Redis host whose
// clock runs ahead must not drop records early), rounded up to the
// millisecond. When the client retries the command because its answer was
// lost, the retry finds that value and reports the id fresh: the call that
// spent it is this one.
func (s *Store) Use(ctx context.Context, id string, exp time.Time) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	ttl := time.Until(exp)
	if ttl <= 0 {
		return true, nil
	}
	ms := (ttl + time.Millisecond - 1) / time.Millisecond
	value := s.nonce + strconv.FormatUint(s.calls.Add(1), 36)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	done := make(chan spendResult, 1)
	go func() {
		n, err := s.client.Eval(ctx, spendScript, []string{s.prefix + id}, value, int64(ms)).Int()
		done <- spendResult{n == 1, err}
	}()
	var r spendResult
	select {
	case r = <-done:
	case <-ctx.Done():
		select {
		case r = <-done: // it answered just in time
		default:
			return false, fmt.Errorf("redisstore: %w", ctx.Err())
		}
	}
	if r.err != nil {
		return false, fmt.Errorf("redisstore: %w", r.err)
	}
	return r.fresh, nil
}

// spendResult is what the spend script answered.
type spendResult struct {
	fresh bool
	err   error
}

// spendScript sets KEYS[1] to ARGV[1] for ARGV[2] milliseconds unless it
// exists, and answers 1 when the id was fresh: the key was absent, or holds
// ARGV[1] already (an earlier attempt of this very call, whose answer was
// lost), else 0. It is sent whole with EVAL (Redis keeps it compiled):
// EVALSHA would need its SHA-1, which the FIPS 140-only mode refuses.
const spendScript = `
local v = redis.call('GET', KEYS[1])
if v == false then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
	return 1
end
if v == ARGV[1] then
	return 1
end
return 0
`

// newNonce returns 16 random bytes in hex and a separator.
func newNonce() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:]) + ":"
}
