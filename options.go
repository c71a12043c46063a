package tokengate

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// Option configures a [Middleware]. Options are checked by [New], which
// reports the first invalid one.
type Option func(*config) error

type config struct {
	issuers      []issuerSource
	fallback     KeySource
	audience     []string
	algs         []jwa.SignatureAlgorithm
	skew         time.Duration
	maxLifetime  time.Duration
	extractor    Extractor
	optional     bool
	errorHandler func(http.ResponseWriter, *http.Request, error)
	logger       *slog.Logger
	realm        string
	now          func() time.Time
	requirements []Requirement
	replay       ReplayStore
	cacheEntries int
	onDecision   func(Decision)
	dpop         *dpopConfig // nil without WithDPoP
}

type issuerSource struct {
	iss  string
	keys KeySource
	cfg  issuerConfig
}

// WithIssuer accepts tokens whose "iss" claim equals iss exactly (no
// normalisation of case, scheme or trailing slash) and verifies them with
// keys. opts set what applies to this issuer's tokens only, in place of the
// Middleware's settings: [IssuerAudience], [IssuerAlgorithms],
// [IssuerTypes]. It may be given once per issuer; New fails on an empty
// iss, a nil source, a nil or invalid option, or the same iss twice (a
// provider preset such as [Privy] counts as a WithIssuer for its issuer).
func WithIssuer(iss string, keys KeySource, opts ...IssuerOption) Option {
	return func(c *config) error {
		switch {
		case iss == "":
			return errors.New("WithIssuer: empty issuer")
		case keys == nil:
			return fmt.Errorf("WithIssuer(%q): nil key source", iss)
		}
		for _, s := range c.issuers {
			if s.iss == iss {
				return fmt.Errorf("WithIssuer(%q): issuer given twice", iss)
			}
		}
		src := issuerSource{iss: iss, keys: keys}
		for _, o := range opts {
			if o == nil {
				return fmt.Errorf("WithIssuer(%q): nil option", iss)
			}
			if err := o(&src.cfg); err != nil {
				return fmt.Errorf("WithIssuer(%q): %w", iss, err)
			}
		}
		c.issuers = append(c.issuers, src)
		return nil
	}
}

// WithKeys verifies the tokens that no [WithIssuer] matches: tokens without
// "iss" (Refold-style session tokens) and tokens whose issuer is not listed.
// Without it, such tokens are refused with [ErrIssuer]. New fails when it is
// given twice or with a nil source.
func WithKeys(keys KeySource) Option {
	return func(c *config) error {
		switch {
		case keys == nil:
			return errors.New("WithKeys: nil key source")
		case c.fallback != nil:
			return errors.New("WithKeys: given twice")
		}
		c.fallback = keys
		return nil
	}
}

// WithAudience requires the token's "aud" (a string or an array) to contain
// at least one of aud, compared exactly. Without it, a token that carries any
// "aud" is refused (RFC 7519 §4.1.3: a recipient that does not identify with
// the audience must reject the token), and tokens without "aud" are accepted.
// New fails on an empty list or an empty value.
func WithAudience(aud ...string) Option {
	return func(c *config) error {
		if len(aud) == 0 || slices.Contains(aud, "") {
			return errors.New("WithAudience: empty audience")
		}
		c.audience = append(c.audience, aud...)
		return nil
	}
}

// WithAlgorithms limits the accepted signature algorithms. Default: every
// algorithm tokengate supports (RS256/384/512, PS256/384/512, ES256/384/512,
// EdDSA, HS256/384/512); each key still verifies only with its own. New fails
// on an empty list, "none" or an unsupported algorithm, and on a static key
// whose algorithm is not listed; JWKS keys outside the list are skipped.
func WithAlgorithms(algs ...jwa.SignatureAlgorithm) Option {
	return func(c *config) error {
		if len(algs) == 0 {
			return errors.New("WithAlgorithms: empty list")
		}
		for _, a := range algs {
			if !slices.Contains(supportedAlgs, a) {
				return fmt.Errorf("WithAlgorithms: algorithm %q is not supported", a)
			}
		}
		c.algs = slices.Clone(algs)
		return nil
	}
}

// WithClockSkew tolerates clocks that disagree by up to d when checking exp,
// nbf and iat. Default 0; New fails on a negative d or one over 5 minutes.
func WithClockSkew(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 || d > 5*time.Minute {
			return fmt.Errorf("WithClockSkew: %v is outside [0, 5m]", d)
		}
		c.skew = d
		return nil
	}
}

// WithMaxLifetime refuses tokens that live longer than d: exp minus iat, or
// exp minus now when the token has no iat. Default: no limit. New fails on a
// d that is not positive.
func WithMaxLifetime(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("WithMaxLifetime: %v is not positive", d)
		}
		c.maxLifetime = d
		return nil
	}
}

// WithExtractor sets where the token is taken from. Default: [FromAuthHeader].
// New fails on nil.
func WithExtractor(e Extractor) Option {
	return func(c *config) error {
		if e == nil {
			return errors.New("WithExtractor: nil extractor")
		}
		c.extractor = e
		return nil
	}
}

// WithCredentialsOptional lets requests without a token through to the
// handler, with no claims in the context. A request with a token that fails
// is still refused. Default: a token is required.
func WithCredentialsOptional() Option {
	return func(c *config) error {
		c.optional = true
		return nil
	}
}

// WithErrorHandler replaces the writer of failure answers. h receives the
// request and an [*Error] (status, RFC 6750 code, cause); it must not send
// the error's message to the client. Default: the RFC 6750 answer described
// in the package documentation. New fails on nil.
func WithErrorHandler(h func(http.ResponseWriter, *http.Request, error)) Option {
	return func(c *config) error {
		if h == nil {
			return errors.New("WithErrorHandler: nil handler")
		}
		c.errorHandler = h
		return nil
	}
}

// WithLogger logs to l the cause of each refused request (at Info; requests
// without a token at Debug), never the token, and key-set refreshes.
// Default: nothing is logged. New fails on nil.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithRealm sets the realm of the WWW-Authenticate challenge. Default "api".
// New fails on an empty realm or one with a quote, a backslash or a control
// character.
func WithRealm(realm string) Option {
	return func(c *config) error {
		if realm == "" || strings.ContainsAny(realm, "\"\\") || strings.IndexFunc(realm, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return fmt.Errorf("WithRealm: %q is not a valid realm", realm)
		}
		c.realm = realm
		return nil
	}
}

// WithClock sets the clock that exp, nbf and iat (and a DPoP proof's iat)
// are checked against. Default: the system's wall clock (time.Now, or on
// linux/amd64 the same wall time read without the monotonic clock, to the
// microsecond). New fails on nil. Meant for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithRequirements applies reqs to every request, after the token is
// verified: a request whose claims fail one is answered 403
// insufficient_scope. It may be given more than once; the lists add up.
// New fails on an invalid requirement (an empty list inside, a bad decimal,
// a nil requirement). For per-route requirements use [Middleware.Require].
func WithRequirements(reqs ...Requirement) Option {
	return func(c *config) error {
		if err := validateRequirements(reqs); err != nil {
			return fmt.Errorf("WithRequirements: %w", err)
		}
		c.requirements = localFirst(append(c.requirements, reqs...))
		return nil
	}
}

// WithSingleUse accepts each token once: its id ("jti", else "tid"), with its
// issuer, is spent in store after every other check passed, and a second
// presentation is refused with [ErrReplayed] (401). A token without an id is
// refused (401); a store that fails refuses the request with
// [ErrStoreUnavailable] (503), never accepts it. The record lives until the
// token's exp plus the clock skew. Use [NewMemoryStore] for one instance and
// adapters/redisstore for several. New fails on a nil store or when given
// twice.
func WithSingleUse(store ReplayStore) Option {
	return func(c *config) error {
		switch {
		case store == nil:
			return errors.New("WithSingleUse: nil store")
		case c.replay != nil:
			return errors.New("WithSingleUse: given twice")
		}
		c.replay = store
		return nil
	}
}

// WithCache keeps up to entries verified tokens, so a token presented again
// skips the signature check and the decoding. The cache keeps no token: an
// entry is found by a 128-bit keyed cryptographic fingerprint of the exact
// token (random keys per Middleware; a token spelled differently is a miss,
// verified in full), and holds the claims compactly, about 850 bytes for a
// 760-byte Picket-style token, plus 16 bytes per entry allocated by New.
// A hit is rechecked every time: exp, nbf, iat, lifetime and audience
// against the clock, and the key that verified it must still be in its key
// set (a key removed by a JWKS refresh, or a key set past its stale bound,
// drops the entry). Single-use tokens still consult the replay store, and
// requirements still apply, on every request. Each hit hands out its own
// copy of the claims. When the cache is full a new token replaces one not
// presented lately (CLOCK), so tokens presented often stay while tokens
// seen once pass through. Tokens over 4 KiB are not cached. Default: no
// cache. New fails on entries below 1 or above 16,777,216 (1<<24, whose
// slots alone take 256 MiB), or given twice.
func WithCache(entries int) Option {
	return func(c *config) error {
		switch {
		case entries < 1:
			return fmt.Errorf("WithCache: %d entries", entries)
		case entries > maxCacheEntries:
			return fmt.Errorf("WithCache: %d entries, more than %d", entries, maxCacheEntries)
		case c.cacheEntries != 0:
			return errors.New("WithCache: given twice")
		}
		c.cacheEntries = entries
		return nil
	}
}

// WithDecisionHook calls hook once per decision, with its outcome (status,
// RFC 6750 code, the sentinel cause), the issuer whose settings applied,
// whether the verified-token cache answered, and the time taken: feed it to
// metrics or traces. It never receives the token or a claim value. A
// decision is one call of [Middleware.Handler] (per request),
// [Middleware.Require] or [Middleware.Gate] (per request), or of
// [Middleware.Authenticate], [Middleware.Admit] or [Middleware.Verify]
// called directly: a request through Handler and then Require is two
// decisions. The hook runs on the request's goroutine before the answer is
// written, so it must be fast and safe for concurrent use; it must not
// panic. Default: none, which costs a nil check per request. New fails on a
// nil hook or when given twice.
func WithDecisionHook(hook func(Decision)) Option {
	return func(c *config) error {
		switch {
		case hook == nil:
			return errors.New("WithDecisionHook: nil hook")
		case c.onDecision != nil:
			return errors.New("WithDecisionHook: given twice")
		}
		c.onDecision = hook
		return nil
	}
}
