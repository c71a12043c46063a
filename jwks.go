package tokengate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"golang.org/x/time/rate"
)

// maxJWKSBytes caps a JWKS response body; a larger one is a failed refresh.
const maxJWKSBytes = 1 << 20

// Values of [JWKSRefreshEvent].Reason.
const (
	// JWKSReasonInitial: the first fetch of the key set.
	JWKSReasonInitial = "initial"
	// JWKSReasonScheduled: a background refresh, at the interval the last
	// response asked for, or a retry after a failed fetch.
	JWKSReasonScheduled = "scheduled"
	// JWKSReasonUnknownKid: a token named a kid the key set lacks.
	JWKSReasonUnknownKid = "unknown_kid"
	// JWKSReasonUnavailable: a request found no keys, or keys past the
	// [JWKSMaxStale] bound.
	JWKSReasonUnavailable = "unavailable"
)

// JWKSRefreshEvent describes one finished fetch of a key set. A [JWKS]
// source built with [JWKSOnRefresh] hands one to its hook after every fetch,
// for metrics. It never holds key material.
type JWKSRefreshEvent struct {
	// URL is the key set's URL, with any password redacted.
	URL string
	// Reason is what started the fetch: JWKSReasonInitial,
	// JWKSReasonScheduled, JWKSReasonUnknownKid or JWKSReasonUnavailable.
	Reason string
	// Keys is the number of usable keys the fetch installed; 0 when it
	// failed (the keys fetched last stay in use).
	Keys int
	// Skipped is the number of keys in the response that were unusable and
	// left out (each one is logged when a logger is set).
	Skipped int
	// Duration is how long the fetch took, from request to parsed keys.
	Duration time.Duration
	// Failures is the number of failed fetches in a row, this one included;
	// 0 when the fetch succeeded.
	Failures int
	// Err is why the fetch failed, nil when it succeeded.
	Err error
}

// JWKSOption configures a [JWKS] key source.
type JWKSOption func(*jwksConfig) error

type jwksConfig struct {
	client         *http.Client
	timeout        time.Duration
	minRefresh     time.Duration
	maxRefresh     time.Duration
	minInterval    time.Duration
	wait           time.Duration
	maxStale       time.Duration
	requireInitial bool
	onRefresh      func(JWKSRefreshEvent)
	// now is the clock that the stale bound and the minimum interval
	// between request-triggered fetches are measured on (time.Now by
	// default). Only tests set it, through jwks_export_internal_test.go;
	// timers (refresh schedule, backoff, fetch timeout, JWKSWait) always run
	// on real time.
	now func() time.Time
}

// JWKSClient sets the HTTP client that fetches the key set. Default: a
// client with its own clone of http.DefaultTransport, whose idle connections
// Close shuts. Whatever the client's own policy, a redirect to another host
// or from https to http fails the fetch. The client's Timeout, if any, adds
// to [JWKSTimeout].
func JWKSClient(c *http.Client) JWKSOption {
	return func(cfg *jwksConfig) error {
		if c == nil {
			return errors.New("JWKSClient: nil client")
		}
		cfg.client = c
		return nil
	}
}

// JWKSTimeout bounds one fetch of the key set, from request to parsed body;
// a fetch that takes longer fails (the keys fetched last stay in use).
// Default 5s; it must be positive.
func JWKSTimeout(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return fmt.Errorf("JWKSTimeout: %v is not positive", d)
		}
		cfg.timeout = d
		return nil
	}
}

// JWKSRefresh bounds the background refresh interval. The interval is the
// response's Cache-Control max-age (15 minutes when it has none; min for
// no-cache and no-store), clamped to [min, max], and kept at or below half
// of [JWKSMaxStale] so that a failed refresh is retried before the keys go
// stale. After a failed fetch the next try comes after 1s, doubling up to
// min, each with up to 20% random jitter. Default [1 minute, 24 hours]; min
// must be positive and not above max.
func JWKSRefresh(min, max time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if min <= 0 || max < min {
			return fmt.Errorf("JWKSRefresh: bounds [%v, %v] are invalid", min, max)
		}
		cfg.minRefresh, cfg.maxRefresh = min, max
		return nil
	}
}

// JWKSMinInterval is the least time between two fetches that requests
// trigger: a token with an unknown kid, or a request while no fresh keys are
// loaded, starts a fetch only when the request-triggered budget allows it.
// That budget holds one fetch, is full at start and refills one fetch per
// interval; the initial and scheduled fetches never spend it, so an issuer
// that starts signing with a new key right after any fetch is picked up on
// the first token that carries it. A request the budget refuses is answered
// at once (401 for an unknown kid, 503 without keys); it never waits for the
// limit. Concurrent requests share the fetch in flight. A flood of tokens
// with random kids thus costs at most one fetch per interval, plus one.
// Default 30s; it must not be negative, and 0 (no limit, fetches still never
// overlap) is meant for tests.
func JWKSMinInterval(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d < 0 {
			return fmt.Errorf("JWKSMinInterval: %v is negative", d)
		}
		cfg.minInterval = d
		return nil
	}
}

// JWKSWait bounds how long a request waits for a fetch in flight (one it
// started, or joined because another request or the background refresh
// started it) before it is answered without it: a hanging endpoint never
// holds a request longer than this. Default 2s; it must be positive.
func JWKSWait(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return fmt.Errorf("JWKSWait: %v is not positive", d)
		}
		cfg.wait = d
		return nil
	}
}

// JWKSMaxStale bounds how long the keys of the last successful fetch stay
// in use while refreshes fail. Past it, measured from the end of the last
// successful fetch, requests for this source are answered 503 with
// Retry-After (an error wrapping [ErrKeysUnavailable]), never 401, until a
// fetch succeeds. Default 24 hours; it must be positive, and New fails when
// it is below the [JWKSRefresh] minimum.
func JWKSMaxStale(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return fmt.Errorf("JWKSMaxStale: %v is not positive", d)
		}
		cfg.maxStale = d
		return nil
	}
}

// JWKSRequireInitialFetch makes New fetch the key set before it returns and
// fail, with an error wrapping both [ErrConfig] and [ErrKeysUnavailable],
// when that one fetch fails (it is not retried; it takes at most
// [JWKSTimeout]). Default: New does not wait; it starts the first fetch in
// the background, and requests are answered 503 until keys arrive.
func JWKSRequireInitialFetch() JWKSOption {
	return func(cfg *jwksConfig) error {
		cfg.requireInitial = true
		return nil
	}
}

// JWKSOnRefresh sets a hook called after every fetch of the key set, success
// or failure, with what it found (never key material): feed it to metrics.
// Calls come from the fetching goroutine after the outcome is in use, one at
// a time; a slow hook delays neither requests nor fetches, and a panic in it
// is recovered and logged. Default: none;
// New fails on nil. Fetches cut short by Close are not reported.
func JWKSOnRefresh(hook func(JWKSRefreshEvent)) JWKSOption {
	return func(cfg *jwksConfig) error {
		if hook == nil {
			return errors.New("JWKSOnRefresh: nil hook")
		}
		cfg.onRefresh = hook
		return nil
	}
}

// JWKS is a key source that fetches a JSON Web Key Set from url (http or
// https) and keeps it fresh in the background, honouring the response's
// Cache-Control max-age within the [JWKSRefresh] bounds.
//
// New does not wait for the first fetch (unless [JWKSRequireInitialFetch]);
// requests that arrive before keys are loaded wait for it up to [JWKSWait]
// and are answered 503 with Retry-After when none arrive.
//
// A fetch fails on a transport error, a timeout ([JWKSTimeout]), a status
// other than 200, a body over 1 MiB, a redirect to another host, invalid
// JSON, a set with no usable key, or two usable keys with the same kid. The
// keys fetched last then stay in use, up to [JWKSMaxStale] after the last
// successful fetch (then 503), and the fetch is retried with backoff and
// jitter. A successful fetch replaces the whole set at once: a key removed
// upstream stops verifying.
//
// Unusable keys (an unknown kty or curve, private material, "use": "enc",
// RSA under 2048 bits, an alg outside WithAlgorithms, a symmetric key) are
// skipped and logged; the others stay usable. A token whose kid is unknown
// triggers one fetch, shared by concurrent requests and at most once per
// [JWKSMinInterval]; requests that the interval refuses are answered 401 at
// once. Fetches are logged (with [WithLogger]) and reported to
// [JWKSOnRefresh]. [Middleware.Close] stops every goroutine the source
// started.
//
// Use an https URL in production: whoever can change the key set can sign
// tokens. A plain http URL is accepted for local issuers and tests, and
// logged as a warning when its host is not a loopback address.
func JWKS(url string, opts ...JWKSOption) KeySource {
	s := &jwksSource{url: url, cfg: jwksConfig{
		timeout:     5 * time.Second,
		minRefresh:  time.Minute,
		maxRefresh:  24 * time.Hour,
		minInterval: 30 * time.Second,
		wait:        2 * time.Second,
		maxStale:    24 * time.Hour,
		now:         time.Now,
	}}
	for _, o := range opts {
		if o == nil {
			s.err = errors.New("JWKS: nil option")
			break
		}
		if err := o(&s.cfg); err != nil {
			s.err = err
			break
		}
	}
	return s
}

type jwksSource struct {
	url string
	cfg jwksConfig
	err error
}

func (s *jwksSource) open(env *sourceEnv) (keyProvider, error) {
	if s.err != nil {
		return nil, s.err
	}
	logURL, err := outboundURL(env, "JWKS", s.url)
	if err != nil {
		return nil, err
	}
	if s.cfg.maxStale < s.cfg.minRefresh {
		return nil, fmt.Errorf("JWKS: JWKSMaxStale %v is below the JWKSRefresh minimum %v", s.cfg.maxStale, s.cfg.minRefresh)
	}
	client, owned := outboundClient(s.cfg.client)
	ctx, cancel := context.WithCancel(context.Background())
	p := &jwksProvider{
		url:       s.url,
		logURL:    logURL,
		cfg:       s.cfg,
		env:       env,
		client:    client,
		transport: owned,
		ctx:       ctx,
		cancel:    cancel,
		wake:      make(chan struct{}, 1),
		triggered: rate.NewLimiter(rate.Every(s.cfg.minInterval), 1),
	}
	if s.cfg.requireInitial {
		f := p.start(JWKSReasonInitial, true)
		<-f.done
		if f.err != nil {
			p.close()
			return nil, fmt.Errorf("JWKS: first fetch failed: %w: %w", ErrKeysUnavailable, f.err)
		}
	}
	p.wg.Add(1)
	go p.run()
	return p, nil
}

type jwksProvider struct {
	url       string
	logURL    string // url with any password redacted, for logs and events
	cfg       jwksConfig
	env       *sourceEnv
	client    *http.Client
	transport *http.Transport // the transport this provider made, nil when the user gave a client
	keys      atomic.Pointer[jwksKeys]

	ctx    context.Context // canceled by close
	cancel context.CancelFunc
	wg     sync.WaitGroup // run and every fetch goroutine
	wake   chan struct{}  // a fetch ended: run reconsiders its schedule

	reportMu sync.Mutex // one report (log, hook) at a time

	// triggered is the budget of request-triggered fetches: burst 1, one
	// per minInterval, on cfg.now. Initial and scheduled fetches do not
	// spend it.
	triggered *rate.Limiter

	mu       sync.Mutex
	closed   bool      // close was called: start no fetch
	flight   *flight   // fetch in progress, nil when none
	started  bool      // a fetch was started: the next is not the initial one
	due      time.Time // when run starts the next background fetch (real time)
	failures int       // failed fetches in a row
	lastErr  error     // why the last fetch failed, nil after a success
}

// jwksKeys is one successfully fetched key set. It is replaced whole, never
// changed.
type jwksKeys struct {
	ring    *keyring
	fetched time.Time // end of the fetch, on cfg.now
}

// flight is one fetch; done closes once its outcome is installed and it is
// no longer the fetch in progress.
type flight struct {
	done chan struct{}
	err  error // set before done closes
}

// fetchResult is what one fetch found.
type fetchResult struct {
	ring     *keyring
	keys     int
	skipped  int
	interval time.Duration // until the next background refresh
	err      error
}

func (p *jwksProvider) lookup(ctx context.Context, kid string, alg jwa.SignatureAlgorithm) (*key, error) {
	var deadline time.Time // of the wait for fetches, set when one is awaited
	ks := p.keys.Load()
	if !p.fresh(ks) {
		p.await(ctx, p.start(JWKSReasonUnavailable, false), &deadline)
		ks = p.keys.Load()
		if !p.fresh(ks) {
			return nil, p.unavailable(ks)
		}
	}
	// With a kid, either error means that no key has it (ErrAlgorithm: nor
	// does a key without kid have the token's alg).
	k, err := ks.ring.lookup(kid, alg)
	if noKey := errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrAlgorithm); kid == "" || !noKey {
		return k, err
	}
	if now := p.refetch(ctx, ks, &deadline); now != nil {
		return now.ring.lookup(kid, alg)
	}
	return nil, err
}

// lookupKid is for a token whose kid is in no key of the set, and which the
// key without kid that stood in for it failed to verify: the issuer may
// have started signing with a new key that a fetch would bring. It returns
// the key of that kid in the key set in use, or in one fetched now (as for
// an unknown kid: when the budget allows, sharing a fetch in flight), or
// an error wrapping ErrUnknownKey.
func (p *jwksProvider) lookupKid(ctx context.Context, kid string) (*key, error) {
	ks := p.keys.Load()
	if p.fresh(ks) {
		if k, ok := ks.ring.byKid[kid]; ok {
			return k, nil
		}
		var deadline time.Time
		if now := p.refetch(ctx, ks, &deadline); now != nil {
			if k, ok := now.ring.byKid[kid]; ok {
				return k, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: no key with that kid", ErrUnknownKey)
}

// refetch starts a fetch for a kid that ks lacks (when the budget allows
// it) or joins the one in flight, and waits for it. It returns the key set
// in use when it is fresh and is not ks, else nil. A fetch that ended since
// ks was loaded may have brought the kid: the budget then refuses a new
// one, but the new keys answer.
func (p *jwksProvider) refetch(ctx context.Context, ks *jwksKeys, deadline *time.Time) *jwksKeys {
	if f := p.start(JWKSReasonUnknownKid, false); f != nil {
		p.await(ctx, f, deadline)
	}
	if now := p.keys.Load(); now != ks && p.fresh(now) {
		return now
	}
	return nil
}

func (p *jwksProvider) current(k *key) bool {
	ks := p.keys.Load()
	return p.fresh(ks) && ks.ring.has(k)
}

// fresh reports whether ks holds keys within the stale bound.
func (p *jwksProvider) fresh(ks *jwksKeys) bool {
	return ks != nil && p.cfg.now().Sub(ks.fetched) <= p.cfg.maxStale
}

// unavailable is the error for a request that found no fresh keys in ks.
func (p *jwksProvider) unavailable(ks *jwksKeys) error {
	p.mu.Lock()
	last := p.lastErr
	p.mu.Unlock()
	why := "no key set fetched yet"
	if ks != nil {
		why = fmt.Sprintf("key set last fetched %v ago, past the %v bound", p.cfg.now().Sub(ks.fetched).Round(time.Second), p.cfg.maxStale)
	}
	if last != nil {
		return fmt.Errorf("%w: JWKS %s: %s (last fetch: %w)", ErrKeysUnavailable, p.logURL, why, last)
	}
	return fmt.Errorf("%w: JWKS %s: %s", ErrKeysUnavailable, p.logURL, why)
}

// await waits for f to end, while ctx lives, and in all at most the
// configured wait from the first call with this deadline.
func (p *jwksProvider) await(ctx context.Context, f *flight, deadline *time.Time) {
	if f == nil {
		return
	}
	if deadline.IsZero() {
		*deadline = time.Now().Add(p.cfg.wait)
	}
	d := time.Until(*deadline)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-f.done:
	case <-t.C:
	case <-ctx.Done():
	case <-p.ctx.Done():
	}
}

// start joins the fetch in flight or starts one. Unless force (the initial
// and scheduled fetches), starting one spends the request-triggered budget,
// and start returns nil when the budget is empty. It returns nil after
// close.
func (p *jwksProvider) start(reason string, force bool) *flight {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	if p.flight != nil {
		return p.flight
	}
	if !p.started {
		reason = JWKSReasonInitial
	} else if !force && !p.triggered.AllowN(p.cfg.now(), 1) {
		return nil
	}
	f := &flight{done: make(chan struct{})}
	p.flight, p.started = f, true
	p.wg.Add(1)
	go p.fly(f, reason)
	return f
}

// fly runs the fetch f, installs its outcome, then logs and reports it.
func (p *jwksProvider) fly(f *flight, reason string) {
	defer p.wg.Done()
	began := time.Now()
	res := p.fetch()
	took := time.Since(began)
	canceled := p.ctx.Err() != nil

	p.mu.Lock()
	switch {
	case res.err == nil:
		p.keys.Store(&jwksKeys{ring: res.ring, fetched: p.cfg.now()})
		p.failures, p.lastErr = 0, nil
		p.due = time.Now().Add(res.interval)
	case !canceled:
		p.failures++
		p.lastErr = res.err
		p.due = time.Now().Add(backoff(p.failures, p.cfg.minRefresh))
	}
	failures := p.failures
	p.flight = nil
	p.mu.Unlock()
	f.err = res.err
	close(f.done)
	select {
	case p.wake <- struct{}{}:
	default:
	}

	if !canceled {
		p.reportMu.Lock()
		defer p.reportMu.Unlock()
		p.report(JWKSRefreshEvent{URL: p.logURL, Reason: reason, Keys: res.keys, Skipped: res.skipped,
			Duration: took, Failures: failures, Err: res.err})
	}
}

// report logs ev and hands it to the hook.
func (p *jwksProvider) report(ev JWKSRefreshEvent) {
	if ev.Err == nil {
		p.log(slog.LevelInfo, "tokengate: JWKS refreshed", slog.String("url", ev.URL), slog.String("reason", ev.Reason),
			slog.Int("keys", ev.Keys), slog.Int("skipped", ev.Skipped), slog.Duration("duration", ev.Duration))
	} else {
		p.log(slog.LevelWarn, "tokengate: JWKS refresh failed", slog.String("url", ev.URL), slog.String("reason", ev.Reason),
			slog.Int("failures", ev.Failures), slog.Duration("duration", ev.Duration), slog.Any("error", ev.Err))
	}
	if p.cfg.onRefresh != nil {
		defer func() {
			// The hook runs on a background goroutine, where a panic would end
			// the process: it is logged instead.
			if r := recover(); r != nil {
				p.log(slog.LevelError, "tokengate: JWKSOnRefresh hook panicked", slog.Any("panic", r))
			}
		}()
		p.cfg.onRefresh(ev)
	}
}

// run refreshes the key set until close: at once (unless New already
// fetched it), then when the last fetch, whoever started it, set the next
// one due: after a success at the interval the response asked for, after a
// failure with backoff.
func (p *jwksProvider) run() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		wait := time.Until(p.due)
		p.mu.Unlock()
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-p.wake:
				t.Stop()
			case <-p.ctx.Done():
				t.Stop()
				return
			}
			continue
		}
		f := p.start(JWKSReasonScheduled, true)
		if f == nil {
			return
		}
		select {
		case <-f.done:
		case <-p.ctx.Done():
			return
		}
	}
}

// backoff is the wait after n consecutive failures: 1s doubling up to max,
// with up to 20% random jitter so that many instances do not retry in step.
func backoff(n int, max time.Duration) time.Duration {
	d := max
	if n < 30 && time.Second<<(n-1) < max {
		d = time.Second << (n - 1)
	}
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// fetch loads the key set once.
func (p *jwksProvider) fetch() fetchResult {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return fetchResult{err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return fetchResult{err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fetchResult{err: fmt.Errorf("status %d", resp.StatusCode)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return fetchResult{err: fmt.Errorf("read key set: %w", err)}
	}
	if len(body) > maxJWKSBytes {
		return fetchResult{err: errors.New("key set larger than 1 MiB")}
	}
	res := p.parse(body)
	if res.err == nil {
		res.interval = refreshInterval(resp.Header.Get("Cache-Control"), p.cfg.minRefresh, p.cfg.refreshCap())
	}
	return res
}

// refreshCap is the longest background refresh interval: the JWKSRefresh
// maximum, held to half the stale bound (but not below the JWKSRefresh
// minimum) so that a failed refresh is retried before the keys go stale.
func (c *jwksConfig) refreshCap() time.Duration {
	return min(c.maxRefresh, max(c.minRefresh, c.maxStale/2))
}

// parse reads a JWK set, key by key, so that one key jwx cannot parse (an
// unknown kty, say) is skipped like any other unusable key.
func (p *jwksProvider) parse(body []byte) fetchResult {
	var doc struct {
		Keys []jsontext.Value `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		// The decoder's message may quote the body: keep it out of logs.
		return fetchResult{err: errors.New(`parse key set: not a JSON object with a "keys" array`)}
	}
	if doc.Keys == nil {
		return fetchResult{err: errors.New(`parse key set: no "keys" array`)}
	}
	var res fetchResult
	keys := make([]*key, 0, len(doc.Keys))
	for i, raw := range doc.Keys {
		k, err := p.parseKey(raw)
		if err != nil {
			res.skipped++
			p.log(slog.LevelWarn, "tokengate: JWKS key skipped", slog.String("url", p.logURL), slog.Int("index", i), slog.Any("error", err))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		res.err = fmt.Errorf("key set has no usable key (%d skipped)", res.skipped)
		return res
	}
	if old := p.keys.Load(); old != nil {
		// A key that did not change keeps its identity, so that the tokens
		// it verified stay in the verified-token cache.
		for i, k := range keys {
			if k.kid != "" {
				if prev, ok := old.ring.byKid[k.kid]; ok && sameKey(prev, k) {
					keys[i] = prev
				}
				continue
			}
			for _, prev := range old.ring.keys {
				if prev.kid == "" && sameKey(prev, k) {
					keys[i] = prev
					break
				}
			}
		}
	}
	ring, err := newKeyring(keys)
	if err != nil {
		res.err = err
		return res
	}
	res.ring, res.keys = ring, len(keys)
	return res
}

// parseKey turns one member of "keys" into a key, or says why it is unusable
// without quoting the key.
func (p *jwksProvider) parseKey(raw jsontext.Value) (*key, error) {
	jk, err := jwk.ParseKey(raw)
	if err != nil {
		var id struct {
			Kid string `json:"kid"`
			Kty string `json:"kty"`
		}
		_ = json.Unmarshal(raw, &id)
		return nil, fmt.Errorf("key %q (kty %q) cannot be parsed", id.Kid, id.Kty)
	}
	k, err := keyFromJWK(jk, false)
	if err != nil {
		return nil, err
	}
	if !p.env.algs.has(k.alg) {
		return nil, fmt.Errorf("key %q: algorithm %s not allowed", k.kid, k.alg)
	}
	return k, nil
}

// refreshInterval reads max-age from a Cache-Control value (15 minutes when
// absent; the lower bound for no-cache and no-store) and clamps it.
func refreshInterval(cc string, lo, hi time.Duration) time.Duration {
	d := 15 * time.Minute
	for _, dir := range strings.Split(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(dir), "=")
		switch strings.ToLower(name) {
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 {
				d = time.Duration(min(n, int64(hi/time.Second)+1)) * time.Second
			}
		case "no-cache", "no-store":
			return lo
		}
	}
	return max(lo, min(d, hi))
}

func (p *jwksProvider) log(level slog.Level, msg string, attrs ...slog.Attr) {
	if p.env.logger != nil {
		p.env.logger.LogAttrs(context.Background(), level, msg, attrs...)
	}
}

// close stops the refresh loop and any fetch in flight, waits for them, and
// closes the idle connections of the transport the provider made.
func (p *jwksProvider) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
}
