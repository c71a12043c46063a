package tokengate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/lestrrat-go/jwx/v2/jwa"
)

// rediscoverEvery is how often an OIDC source re-reads the discovery
// document once it has one.
const rediscoverEvery = 24 * time.Hour

// OIDC is a key source that finds the issuer's keys by OpenID Connect
// Discovery 1.0, for WithIssuer(iss, OIDC(...)): it reads
// iss + "/.well-known/openid-configuration" (a trailing "/" of iss dropped
// first, so an issuer with a path works), requires the document's "issuer"
// to equal iss exactly (§4.3: a document naming another issuer is never
// trusted) and its "jwks_uri" to be https (or http to a loopback host, for
// tests), and then keeps that key set as [JWKS] does, with opts: refresh,
// stale bound, the budget of request-triggered fetches, 503 when no keys
// can be had.
//
// The document is fetched in the background with the key set's size,
// time and redirect limits (1 MiB, [JWKSTimeout], same host only), retried
// with backoff while it fails, and re-read every 24 hours; a new jwks_uri
// replaces the key set. Until a document has been read, requests wait up to
// [JWKSWait] and are then answered 503 with Retry-After. With
// [JWKSRequireInitialFetch], New reads the document and the key set before
// it returns and fails when either fails.
//
// New fails when the issuer is not an absolute https URL (http to a loopback
// host is allowed), and for WithKeys(OIDC()): discovery needs the issuer.
func OIDC(opts ...JWKSOption) KeySource {
	base := JWKS("", opts...).(*jwksSource)
	return &oidcSource{cfg: base.cfg, err: base.err}
}

type oidcSource struct {
	cfg jwksConfig
	err error
}

func (s *oidcSource) open(env *sourceEnv) (keyProvider, error) {
	if s.err != nil {
		return nil, s.err
	}
	if env.iss == "" {
		return nil, errors.New("OIDC: discovery needs the issuer: use WithIssuer(iss, OIDC()), not WithKeys")
	}
	if err := secureURL(env.iss); err != nil {
		return nil, fmt.Errorf("OIDC: issuer: %w", err)
	}
	docURL := strings.TrimSuffix(env.iss, "/") + "/.well-known/openid-configuration"
	client, owned := outboundClient(s.cfg.client)
	ctx, cancel := context.WithCancel(context.Background())
	p := &oidcProvider{iss: env.iss, docURL: docURL, cfg: s.cfg, env: env, client: client, transport: owned,
		ctx: ctx, cancel: cancel, ready: make(chan struct{})}
	if s.cfg.requireInitial {
		if err := p.discover(); err != nil {
			p.close()
			return nil, fmt.Errorf("OIDC: discovery failed: %w: %w", ErrKeysUnavailable, err)
		}
	}
	p.wg.Add(1)
	go p.run()
	return p, nil
}

// secureURL requires raw to be an absolute https URL, or http to a loopback
// host.
func secureURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "":
		return errors.New("not an absolute URL")
	case u.Scheme == "https", u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return errors.New("not https (plain http is accepted for loopback hosts only)")
}

// oidcProvider reads the discovery document and serves keys from the JWKS
// provider of its jwks_uri.
type oidcProvider struct {
	iss, docURL string
	cfg         jwksConfig
	env         *sourceEnv
	client      *http.Client
	transport   *http.Transport // made here, nil when the user gave a client

	keys  atomic.Pointer[jwksProvider] // nil until a document was read
	ready chan struct{}                // closed when keys is first set
	once  sync.Once

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	jwksURI string // of the provider in keys
	lastErr error  // why the last discovery failed
}

func (p *oidcProvider) lookup(ctx context.Context, kid string, alg jwa.SignatureAlgorithm) (*key, error) {
	j := p.keys.Load()
	if j == nil {
		// The wait for discovery and for the first key set share one
		// JWKSWait.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.cfg.wait)
		defer cancel()
		t := time.NewTimer(p.cfg.wait)
		select {
		case <-p.ready:
		case <-t.C:
		case <-ctx.Done():
		case <-p.ctx.Done():
		}
		t.Stop()
		if j = p.keys.Load(); j == nil {
			p.mu.Lock()
			last := p.lastErr
			p.mu.Unlock()
			if last != nil {
				return nil, fmt.Errorf("%w: OIDC discovery for %s has not succeeded (last: %w)", ErrKeysUnavailable, p.iss, last)
			}
			return nil, fmt.Errorf("%w: OIDC discovery for %s has not succeeded yet", ErrKeysUnavailable, p.iss)
		}
	}
	return j.lookup(ctx, kid, alg)
}

// lookupKid is the key set's lookupKid (see jwksProvider.lookupKid).
func (p *oidcProvider) lookupKid(ctx context.Context, kid string) (*key, error) {
	if j := p.keys.Load(); j != nil {
		return j.lookupKid(ctx, kid)
	}
	return nil, fmt.Errorf("%w: no key with that kid", ErrUnknownKey)
}

func (p *oidcProvider) current(k *key) bool {
	j := p.keys.Load()
	return j != nil && j.current(k)
}

// run reads the document until it has one, with backoff, then re-reads it
// every rediscoverEvery, until close.
func (p *oidcProvider) run() {
	defer p.wg.Done()
	failures := 0
	for {
		wait := rediscoverEvery
		if p.keys.Load() == nil || failures > 0 {
			wait = 0
		}
		if failures > 0 {
			wait = backoff(failures, p.cfg.minRefresh)
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-p.ctx.Done():
				t.Stop()
				return
			}
		}
		if p.ctx.Err() != nil {
			return
		}
		if err := p.discover(); err != nil {
			failures++
			p.log(slog.LevelWarn, "tokengate: OIDC discovery failed", slog.String("issuer", p.iss),
				slog.Int("failures", failures), slog.Any("error", err))
			continue
		}
		failures = 0
	}
}

// discover reads the document once and, when its jwks_uri is new, opens a
// key set for it in place of the previous one.
func (p *oidcProvider) discover() error {
	uri, err := p.fetch()
	p.mu.Lock()
	p.lastErr = err
	same := err == nil && uri == p.jwksURI
	p.mu.Unlock()
	if err != nil || same {
		return err
	}
	kp, err := (&jwksSource{url: uri, cfg: p.cfg}).open(p.env)
	if err != nil {
		p.mu.Lock()
		p.lastErr = err
		p.mu.Unlock()
		return err
	}
	p.mu.Lock()
	if p.ctx.Err() != nil { // closed meanwhile
		p.mu.Unlock()
		kp.close()
		return p.ctx.Err()
	}
	old := p.keys.Swap(kp.(*jwksProvider))
	p.jwksURI = uri
	p.mu.Unlock()
	if old != nil {
		old.close()
	}
	p.once.Do(func() { close(p.ready) })
	p.log(slog.LevelInfo, "tokengate: OIDC discovery", slog.String("issuer", p.iss), slog.String("jwks_uri", redactedURL(uri)))
	return nil
}

// fetch reads the discovery document and returns its jwks_uri, after
// checking its issuer.
func (p *oidcProvider) fetch() (string, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.docURL, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return "", fmt.Errorf("read discovery document: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return "", errors.New("discovery document larger than 1 MiB")
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		// The decoder's message may quote the body: keep it out of logs.
		return "", errors.New("discovery document: not a JSON object with string issuer and jwks_uri")
	}
	switch {
	case doc.Issuer != p.iss:
		return "", errors.New("discovery document names another issuer (OIDC Discovery §4.3)")
	case doc.JWKSURI == "":
		return "", errors.New("discovery document has no jwks_uri")
	}
	if err := secureURL(doc.JWKSURI); err != nil {
		return "", fmt.Errorf("discovery document: jwks_uri: %w", err)
	}
	return doc.JWKSURI, nil
}

// redactedURL is raw with any password hidden.
func redactedURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return ""
}

func (p *oidcProvider) log(level slog.Level, msg string, attrs ...slog.Attr) {
	if p.env.logger != nil {
		p.env.logger.LogAttrs(context.Background(), level, msg, attrs...)
	}
}

// close stops discovery and the key set, and waits for them.
func (p *oidcProvider) close() {
	p.cancel()
	p.wg.Wait()
	p.mu.Lock()
	j := p.keys.Load()
	p.mu.Unlock()
	if j != nil {
		j.close()
	}
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
}
