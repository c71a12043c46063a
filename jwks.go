package tokengate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// maxJWKSBytes caps a JWKS response body; a larger one is a failed refresh.
const maxJWKSBytes = 1 << 20

// JWKSOption configures a [JWKS] key source.
type JWKSOption func(*jwksConfig) error

type jwksConfig struct {
	client      *http.Client
	timeout     time.Duration
	minRefresh  time.Duration
	maxRefresh  time.Duration
	minInterval time.Duration
	wait        time.Duration
}

// JWKSClient sets the HTTP client that fetches the key set. Default: a client
// on http.DefaultTransport. Whatever the client's own policy, a redirect to
// another host or from https to http fails the fetch.
func JWKSClient(c *http.Client) JWKSOption {
	return func(cfg *jwksConfig) error {
		if c == nil {
			return errors.New("JWKSClient: nil client")
		}
		cfg.client = c
		return nil
	}
}

// JWKSTimeout bounds one fetch of the key set, from request to parsed body.
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
// response's Cache-Control max-age (15 minutes when it has none), clamped to
// [min, max]. Default [1 minute, 24 hours]; min must be positive and not above
// max.
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
// trigger: a token with an unknown kid, or a request while no keys are loaded,
// starts a fetch only when the last one started at least this long ago
// (otherwise it is answered at once, without waiting). Default 30s; it must
// not be negative.
func JWKSMinInterval(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d < 0 {
			return fmt.Errorf("JWKSMinInterval: %v is negative", d)
		}
		cfg.minInterval = d
		return nil
	}
}

// JWKSWait bounds how long a request waits for a fetch in flight before it is
// answered without it. Default 2s; it must be positive.
func JWKSWait(d time.Duration) JWKSOption {
	return func(cfg *jwksConfig) error {
		if d <= 0 {
			return fmt.Errorf("JWKSWait: %v is not positive", d)
		}
		cfg.wait = d
		return nil
	}
}

// JWKS is a key source that fetches a JSON Web Key Set from url (http or
// https) and keeps it fresh in the background, honouring the response's
// Cache-Control max-age within the [JWKSRefresh] bounds.
//
// New does not wait for the first fetch; requests that arrive before keys
// are loaded wait for it up to [JWKSWait] and are answered 503 when none
// arrive. A fetch fails on a status other than 200, a body over 1 MiB, a
// redirect to another host, invalid JSON, a set with no usable key, or two
// usable keys with the same kid; the keys fetched last stay in use and the
// fetch is retried with backoff.
// Unusable keys (private material, "use": "enc", weak RSA, an alg outside
// WithAlgorithms, a symmetric key) are skipped and logged. A token whose kid
// is unknown triggers a fetch, at most once per [JWKSMinInterval].
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
	u, err := url.Parse(s.url)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("JWKS: url must be an absolute http or https URL")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) && env.logger != nil {
		env.logger.Warn("tokengate: JWKS URL is plain http; use https in production", slog.String("url", s.url))
	}
	client := http.Client{}
	if s.cfg.client != nil {
		client = *s.cfg.client
	}
	client.CheckRedirect = sameHostRedirects(client.CheckRedirect)
	ctx, cancel := context.WithCancel(context.Background())
	p := &jwksProvider{
		url:    s.url,
		cfg:    s.cfg,
		env:    env,
		client: &client,
		ctx:    ctx,
		cancel: cancel,
	}
	p.wg.Add(1)
	go p.run()
	return p, nil
}

// sameHostRedirects allows at most 3 redirects, all to the original host and
// never from https to http, then defers to next when set.
func sameHostRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		switch {
		case len(via) > 3:
			return errors.New("too many redirects")
		case req.URL.Host != first.Host:
			return errors.New("redirect to another host")
		case first.Scheme == "https" && req.URL.Scheme != "https":
			return errors.New("redirect from https to http")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

type jwksProvider struct {
	url    string
	cfg    jwksConfig
	env    *sourceEnv
	client *http.Client
	ring   atomic.Pointer[keyring]

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu        sync.Mutex
	closed    bool      // close was called: start no fetch
	flight    *flight   // fetch in progress, nil when none
	lastStart time.Time // start of the last fetch
}

// flight is one fetch; done closes when it ends.
type flight struct {
	done     chan struct{}
	interval time.Duration
	err      error
}

func (p *jwksProvider) lookup(ctx context.Context, kid string, alg jwa.SignatureAlgorithm) (*key, error) {
	ring := p.ring.Load()
	if ring == nil {
		p.await(ctx, p.start(false))
		if ring = p.ring.Load(); ring == nil {
			return nil, fmt.Errorf("%w: no key set fetched yet", ErrKeysUnavailable)
		}
	}
	k, err := ring.lookup(kid, alg)
	if err != nil && kid != "" && errors.Is(err, ErrUnknownKey) {
		if f := p.start(false); f != nil {
			p.await(ctx, f)
			k, err = p.ring.Load().lookup(kid, alg)
		}
	}
	return k, err
}

// await waits for f to end, at most the configured wait and while ctx lives.
func (p *jwksProvider) await(ctx context.Context, f *flight) {
	if f == nil {
		return
	}
	t := time.NewTimer(p.cfg.wait)
	defer t.Stop()
	select {
	case <-f.done:
	case <-t.C:
	case <-ctx.Done():
	case <-p.ctx.Done():
	}
}

// start joins the fetch in flight or starts one. Unless force, it starts one
// only when the last started at least minInterval ago, and returns nil when it
// may not.
func (p *jwksProvider) start(force bool) *flight {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.flight != nil {
		return p.flight
	}
	now := time.Now()
	if !force && !p.lastStart.IsZero() && now.Sub(p.lastStart) < p.cfg.minInterval {
		return nil
	}
	if p.closed {
		return nil
	}
	f := &flight{done: make(chan struct{})}
	p.flight, p.lastStart = f, now
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f.interval, f.err = p.fetch()
		p.mu.Lock()
		p.flight = nil
		p.mu.Unlock()
		close(f.done)
	}()
	return f
}

// run refreshes the key set until close: at once, then after each success
// at the interval the response asked for, after each failure with backoff.
func (p *jwksProvider) run() {
	defer p.wg.Done()
	failures := 0
	for {
		f := p.start(true)
		if f == nil {
			return
		}
		select {
		case <-f.done:
		case <-p.ctx.Done():
			return
		}
		next := f.interval
		if f.err != nil {
			failures++
			next = backoff(failures, p.cfg.minRefresh)
			p.log(slog.LevelWarn, "tokengate: JWKS refresh failed", slog.String("url", p.url), slog.Any("error", f.err), slog.Int("failures", failures))
		} else {
			failures = 0
		}
		t := time.NewTimer(next)
		select {
		case <-t.C:
		case <-p.ctx.Done():
			t.Stop()
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

// fetch loads the key set once. On success it installs the new keys and
// returns how long to wait before the next refresh.
func (p *jwksProvider) fetch() (time.Duration, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return 0, err
	}
	if len(body) > maxJWKSBytes {
		return 0, errors.New("key set larger than 1 MiB")
	}
	set, err := jwk.Parse(body)
	if err != nil {
		return 0, fmt.Errorf("parse key set: %w", err)
	}
	keys := make([]*key, 0, set.Len())
	for i := 0; i < set.Len(); i++ {
		jk, _ := set.Key(i)
		k, err := keyFromJWK(jk, false)
		if err == nil && !p.env.algs[k.alg] {
			err = fmt.Errorf("key %q: algorithm %s not allowed", k.kid, k.alg)
		}
		if err != nil {
			p.log(slog.LevelWarn, "tokengate: JWKS key skipped", slog.String("url", p.url), slog.Any("error", err))
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return 0, errors.New("key set has no usable key")
	}
	ring, err := newKeyring(keys)
	if err != nil {
		return 0, err
	}
	p.ring.Store(ring)
	p.log(slog.LevelInfo, "tokengate: JWKS refreshed", slog.String("url", p.url), slog.Int("keys", len(keys)))
	return refreshInterval(resp.Header.Get("Cache-Control"), p.cfg.minRefresh, p.cfg.maxRefresh), nil
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

// close stops the refresh loop and any fetch in flight, and waits for them.
func (p *jwksProvider) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
