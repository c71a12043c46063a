package tokengate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
)

// Middleware verifies Bearer tokens. Build it with [New]; it is immutable
// afterwards and safe for concurrent use. Call [Middleware.Close] when done
// with it, to stop background key refreshes.
type Middleware struct {
	cfg      config // scalar settings, as the options left them
	issuers  map[string]*issuer
	fallback *issuer     // nil without WithKeys
	algs     algSet      // every algorithm some issuer accepts: the first check
	cache    *tokenCache // nil without WithCache
	headers  headerCache

	closeOnce sync.Once
}

// New builds a Middleware from opts. It needs at least one key source
// ([WithIssuer] or [WithKeys]) and fails, with an error wrapping [ErrConfig],
// on any invalid option or key; it never panics. Key sources that fetch (such
// as [JWKS]) start their background work here; [Middleware.Close] stops it.
func New(opts ...Option) (*Middleware, error) {
	cfg := config{realm: "api", now: wallClock} // a nil extractor: FromAuthHeader's checks, see Authenticate
	for _, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("%w: nil option", ErrConfig)
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if len(cfg.issuers) == 0 && cfg.fallback == nil {
		return nil, fmt.Errorf("%w: no key source: use WithIssuer or WithKeys", ErrConfig)
	}
	if cfg.dpop != nil {
		cfg.dpop = cfg.dpop.finish(cfg.replay)
	}
	var global algSet
	algs := cfg.algs
	if algs == nil {
		algs = supportedAlgs
	}
	for _, a := range algs {
		global = global.with(a)
	}
	m := &Middleware{
		cfg:     cfg,
		issuers: make(map[string]*issuer, len(cfg.issuers)),
		algs:    global,
	}
	if cfg.cacheEntries > 0 {
		m.cache = newTokenCache(cfg.cacheEntries)
	}
	open := func(name, iss string, keys KeySource, ic issuerConfig) (*issuer, error) {
		is := &issuer{audience: cfg.audience, algs: global, types: ic.types, wallets: ic.wallets, checks: ic.checks}
		if ic.audience != nil {
			is.audience = ic.audience
		}
		if ic.algs != nil {
			is.algs = 0
			for _, a := range ic.algs {
				is.algs, m.algs = is.algs.with(a), m.algs.with(a)
			}
		}
		p, err := keys.open(&sourceEnv{iss: iss, algs: is.algs, logger: cfg.logger, skew: cfg.skew})
		if err != nil {
			m.Close()
			return nil, fmt.Errorf("%w: %s: %w", ErrConfig, name, err)
		}
		is.keys = p
		return is, nil
	}
	for _, s := range cfg.issuers {
		is, err := open(fmt.Sprintf("WithIssuer(%q)", s.iss), s.iss, s.keys, s.cfg)
		if err != nil {
			return nil, err
		}
		is.name = s.iss
		m.issuers[s.iss] = is
	}
	if cfg.fallback != nil {
		is, err := open("WithKeys", "", cfg.fallback, issuerConfig{})
		if err != nil {
			return nil, err
		}
		m.fallback = is
	}
	return m, nil
}

// Handler returns next wrapped: a request with a valid token reaches next
// with its [Claims] in the context (see [ClaimsFromContext]); any other is
// answered by the error handler (by default a RFC 6750 answer: 400, 401,
// 403 or 503) and never reaches next. With [WithCredentialsOptional], a request
// without a token reaches next with no claims.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := m.Admit(r)
		switch {
		case err != nil:
			m.WriteError(w, r, err)
		case c == nil:
			next.ServeHTTP(w, r)
		default:
			next.ServeHTTP(w, r.WithContext(ContextWithClaims(r.Context(), c)))
		}
	})
}

// Admit is the decision [Middleware.Handler] makes for r, for adapters to
// other routers: the verified claims; or nil claims and a nil error when
// [WithCredentialsOptional] is set and r carries no token; or the error
// (an [*Error]) that Handler answers.
func (m *Middleware) Admit(r *http.Request) (*Claims, error) {
	d := m.observe()
	c, err := m.authenticate(r, d)
	if err != nil && m.cfg.optional && errors.Is(err, ErrNoToken) {
		c, err = nil, nil
	}
	m.report(d, err)
	return c, err
}

// Authenticate extracts the token from r and verifies it. It returns the
// claims, or an [*Error] wrapping a sentinel such as [ErrNoToken] (no token),
// [ErrInvalidRequest] (malformed credentials) or one of [Middleware.Verify]'s.
func (m *Middleware) Authenticate(r *http.Request) (*Claims, error) {
	d := m.observe()
	c, err := m.authenticate(r, d)
	m.report(d, err)
	return c, err
}

// authenticate is Authenticate, collecting what d reports (d may be nil).
func (m *Middleware) authenticate(r *http.Request, d *decisionMeta) (*Claims, error) {
	if m.cfg.dpop != nil {
		return m.authenticateDPoP(r, d)
	}
	tok, b64token, err := m.extract(r)
	if err != nil {
		return nil, classify(err)
	}
	return m.verifyAll(r.Context(), tok, b64token, d)
}

// extract takes the token off r with the configured extractor: the token,
// whether verify must still check that it is a b64token, or an error
// wrapping ErrNoToken or ErrInvalidRequest.
func (m *Middleware) extract(r *http.Request) (tok string, b64token bool, err error) {
	// The default extraction is FromAuthHeader's, with its b64token check
	// left to verify, which skips it for a cached token.
	extract := m.cfg.extractor
	if extract == nil {
		extract, b64token = bearerToken, true
	}
	tok, err = extract(r)
	switch {
	case err != nil && !errors.Is(err, ErrNoToken) && !errors.Is(err, ErrInvalidRequest):
		err = fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	case err == nil && tok == "":
		err = ErrNoToken
	}
	return tok, b64token, err
}

// Verify verifies a raw compact token: form, header, issuer, key, signature
// and claims, in that order, then spends the token's id with
// [WithSingleUse] ([ErrReplayed], [ErrStoreUnavailable]) and applies the
// [WithRequirements] requirements ([ErrForbidden], or [ErrUnavailable] when
// one cannot decide). It returns the claims, or an [*Error] wrapping one of
// [ErrMalformed], [ErrAlgorithm], [ErrIssuer], [ErrUnknownKey],
// [ErrSignature], [ErrExpired], [ErrNotYetValid], [ErrAudience],
// [ErrKeysUnavailable], [ErrForbidden] or [ErrUnavailable]. With [WithDPoP],
// a token bound to a DPoP key (cnf.jkt) is refused with [ErrDPoPRequired]:
// a raw token comes without a proof, so use [Middleware.Authenticate] for
// those.
func (m *Middleware) Verify(ctx context.Context, token string) (*Claims, error) {
	d := m.observe()
	c, err := m.verifyAll(ctx, token, false, d)
	m.report(d, err)
	return c, err
}

// verifyAll is Verify; with b64token, a token that is not in the cache must
// also be an RFC 6750 b64token, or it is refused with [ErrInvalidRequest].
// It fills d (which may be nil) with the issuer and whether the cache
// answered.
//
// With [WithDPoP], a token bound to a DPoP key (cnf.jkt) is refused with
// [ErrDPoPRequired]: it arrived without a proof.
func (m *Middleware) verifyAll(ctx context.Context, token string, b64token bool, d *decisionMeta) (*Claims, error) {
	c, err := m.verify(ctx, token, b64token, d)
	if err == nil && m.cfg.dpop != nil {
		err = refuseBound(c)
	}
	if err == nil {
		err = m.admitVerified(ctx, c)
	}
	if err != nil {
		return nil, classify(err)
	}
	return c, nil
}

// admitVerified is what follows a verified token: its id spent with
// WithSingleUse, then the WithRequirements requirements.
func (m *Middleware) admitVerified(ctx context.Context, c *Claims) error {
	if m.cfg.replay != nil {
		if err := m.spend(ctx, c); err != nil {
			return err
		}
	}
	return checkAll(ctx, c, m.cfg.requirements)
}

// WriteError answers a refused request as Handler does: it logs the cause
// (with [WithLogger], never the token) and calls the [WithErrorHandler]
// handler, or writes the default RFC 6750 answer.
func (m *Middleware) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	m.logRefusal(r, err)
	if m.cfg.errorHandler != nil {
		m.cfg.errorHandler(w, r, err)
		return
	}
	status, header, body := m.answer(r, err)
	writeAnswer(w, status, header, body)
}

// ErrorResponse logs a refused request as [Middleware.WriteError] does and
// returns the default RFC 6750 answer for err, for adapters whose framework
// writes responses itself: the status, the headers to set
// (WWW-Authenticate or Retry-After, DPoP-Nonce for a [ErrDPoPNonce]
// refusal, Content-Type, Cache-Control) and the JSON body. It ignores
// [WithErrorHandler].
func (m *Middleware) ErrorResponse(r *http.Request, err error) (status int, header http.Header, body []byte) {
	m.logRefusal(r, err)
	return m.answer(r, err)
}

// answer is the default answer to r for err.
func (m *Middleware) answer(r *http.Request, err error) (int, http.Header, []byte) {
	return answer(m.cfg.realm, m.cfg.dpop, err, m.cfg.dpop != nil && inDPoPScheme(r))
}

// logRefusal logs why r was refused, without the token.
func (m *Middleware) logRefusal(r *http.Request, err error) {
	if m.cfg.logger != nil {
		level := slog.LevelInfo
		if errors.Is(err, ErrNoToken) {
			level = slog.LevelDebug // routine: a client that has not logged in
		}
		m.cfg.logger.LogAttrs(r.Context(), level, "tokengate: request refused",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	}
}

// Close stops the background work of the key sources (JWKS refreshes) and
// waits for it to end. It is safe to call more than once; the Middleware
// still verifies with the keys it holds afterwards, but no longer refreshes
// them. It returns nil.
func (m *Middleware) Close() error {
	m.closeOnce.Do(func() {
		for _, is := range m.issuers {
			is.keys.close()
		}
		if m.fallback != nil {
			m.fallback.keys.close()
		}
	})
	return nil
}
