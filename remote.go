package tokengate

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/lestrrat-go/jwx/v2/jwa"
)

// Remote validation: key sources for issuers that publish no keys and
// validate a whole token when asked (RFC 7662 introspection, Picket's
// validate call). See [Introspect] and [PicketValidate].

const (
	// DefaultPicketURL is the endpoint [PicketValidate] asks unless
	// [RemoteURL] names another.
	DefaultPicketURL = "https://picketapi.com/api/v1/auth/validate"

	// maxRemoteBytes caps the body of an issuer's answer; a larger one is
	// an unusable answer (503).
	maxRemoteBytes = 1 << 20
)

// RemoteOption configures an [Introspect] or [PicketValidate] key source.
// Invalid values are reported by New.
type RemoteOption func(*remoteConfig) error

type remoteConfig struct {
	url      string
	client   *http.Client
	timeout  time.Duration
	ttl      time.Duration // positive answers
	negTTL   time.Duration // the issuer's refusals
	entries  int
	auth     func(*http.Request) // client credentials, nil when none
	authName string              // the option that set auth
	// now is the clock of the answer cache and of the exp pre-check
	// (time.Now). Only tests set it, through remote_export_internal_test.go;
	// RemoteTimeout runs on real time.
	now func() time.Time
}

// RemoteURL sets the endpoint the token is sent to: for [PicketValidate]
// instead of [DefaultPicketURL] (a self-hosted or test server), for
// [Introspect] instead of its url argument. It must be an absolute http or
// https URL; New fails otherwise. Plain http is meant for loopback test
// servers and is logged as a warning for any other host: the token and the
// credentials travel in clear.
func RemoteURL(url string) RemoteOption {
	return func(cfg *remoteConfig) error {
		cfg.url = url
		return nil
	}
}

// RemoteClient sets the HTTP client that asks the issuer. Default: a client
// with its own clone of http.DefaultTransport, whose idle connections Close
// shuts. Whatever the client's own policy, a redirect to another host or
// from https to http fails the call (503), so the token goes nowhere but the
// configured host. The client's Timeout, if any, adds to [RemoteTimeout].
// New fails on nil.
func RemoteClient(c *http.Client) RemoteOption {
	return func(cfg *remoteConfig) error {
		if c == nil {
			return errors.New("RemoteClient: nil client")
		}
		cfg.client = c
		return nil
	}
}

// RemoteTimeout bounds one call to the issuer, from request to read answer.
// A call that takes longer fails, and the requests waiting for it are
// answered 503 with Retry-After (an error wrapping [ErrKeysUnavailable]),
// never 401 and never accepted. Default 5s; New fails unless it is positive.
func RemoteTimeout(d time.Duration) RemoteOption {
	return func(cfg *remoteConfig) error {
		if d <= 0 {
			return fmt.Errorf("RemoteTimeout: %v is not positive", d)
		}
		cfg.timeout = d
		return nil
	}
}

// RemoteCacheTTL bounds how long the issuer's answer that a token is valid
// is reused: the claims are kept until the answer's exp, but at most d, and
// the issuer is asked again afterwards (a token revoked upstream is thus
// refused within d). Every reuse still passes the claims checks (exp, nbf,
// aud, ...), single use and requirements. Default 5 minutes; 0 turns the
// cache of valid answers off (concurrent requests with one token still
// share one call); New fails on a negative d.
func RemoteCacheTTL(d time.Duration) RemoteOption {
	return func(cfg *remoteConfig) error {
		if d < 0 {
			return fmt.Errorf("RemoteCacheTTL: %v is negative", d)
		}
		cfg.ttl = d
		return nil
	}
}

// RemoteNegativeTTL sets how long the issuer's refusal of a token (inactive,
// invalid, or claims that do not decode) is reused, so that a client that
// repeats a bad token costs one call per d. Failures to ask (issuer down,
// timeout, 5xx) are never cached. Default 10s; 0 turns it off; New fails on
// a negative d.
func RemoteNegativeTTL(d time.Duration) RemoteOption {
	return func(cfg *remoteConfig) error {
		if d < 0 {
			return fmt.Errorf("RemoteNegativeTTL: %v is negative", d)
		}
		cfg.negTTL = d
		return nil
	}
}

// RemoteCacheSize bounds the number of answers kept (valid and refused
// together; each about 1 KB plus the answer's size). When full, expired
// answers are dropped first, else an arbitrary one. Answers are keyed by
// the SHA-256 of the token: the cache never holds a token. Default 10000;
// New fails on n below 1.
func RemoteCacheSize(n int) RemoteOption {
	return func(cfg *remoteConfig) error {
		if n < 1 {
			return fmt.Errorf("RemoteCacheSize: %d entries", n)
		}
		cfg.entries = n
		return nil
	}
}

// RemoteBasicAuth authenticates an [Introspect] call as the OAuth client id
// with secret, by HTTP Basic authentication (RFC 7662 §2.1, RFC 6749
// §2.3.1: both are form-encoded first, as RFC 6749 requires). New fails on
// an empty id or secret, when client credentials are given twice, and with
// [PicketValidate], whose secret key is its credential.
func RemoteBasicAuth(clientID, secret string) RemoteOption {
	return func(cfg *remoteConfig) error {
		if clientID == "" || secret == "" {
			return errors.New("RemoteBasicAuth: empty client id or secret")
		}
		id, pw := url.QueryEscape(clientID), url.QueryEscape(secret)
		return cfg.setAuth("RemoteBasicAuth", func(r *http.Request) { r.SetBasicAuth(id, pw) })
	}
}

// RemoteBearer authenticates an [Introspect] call with an
// "Authorization: Bearer token" header (RFC 7662 §2.1 allows a separate
// access token for the introspection endpoint). New fails on an empty token
// or one with white space or control characters, when client credentials
// are given twice, and with [PicketValidate].
func RemoteBearer(token string) RemoteOption {
	return func(cfg *remoteConfig) error {
		if token == "" || strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
			return errors.New("RemoteBearer: empty token, or white space or control characters in it")
		}
		return cfg.setAuth("RemoteBearer", func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) })
	}
}

func (cfg *remoteConfig) setAuth(name string, auth func(*http.Request)) error {
	if cfg.auth != nil {
		return fmt.Errorf("%s: client credentials already given by %s", name, cfg.authName)
	}
	cfg.auth, cfg.authName = auth, name
	return nil
}

// Introspect is a key source for an OAuth 2.0 authorization server that
// validates tokens by RFC 7662 introspection: for each token it POSTs the
// form token=…&token_type_hint=access_token to url, authenticated by
// [RemoteBasicAuth] or [RemoteBearer] (or neither, for example with a mutual
// TLS [RemoteClient]).
//
// An answer {"active": true, …} is the token's claims, decoded exactly as a
// verified payload is ("active", "scope", "client_id" and other members
// without a typed field are left to [Claims.Decode]). RFC 7662 makes exp
// optional: an answer without it takes the token's own exp (the token must
// carry one, as every token must), and the answer is still reused for at
// most [RemoteCacheTTL]. An answer without iss takes the token's iss; one
// whose iss differs from a token's non-empty iss is refused ([ErrIssuer]).
// Then aud, exp, nbf, iat, WithMaxLifetime, single use and requirements
// apply as for any token.
//
// Failures: {"active": false} is 401 (an error wrapping [ErrSignature]);
// an active answer whose claims do not decode (a claim of the wrong type,
// a duplicate name) is 401 ([ErrMalformed]). The issuer unreachable, slower
// than [RemoteTimeout], answering a status other than 2xx (401 and 403
// there mean this client's credentials were refused, not the token), a
// redirect to another host, or a body that is not a JSON object with a
// boolean "active" (or over 1 MiB): 503 with Retry-After ([ErrKeysUnavailable]),
// never 401 and never accepted.
//
// Answers are cached by the SHA-256 of the token ([RemoteCacheTTL],
// [RemoteNegativeTTL], [RemoteCacheSize]), concurrent requests with one
// token share one call, and a token past its own exp (beyond WithClockSkew) is
// refused (401, [ErrExpired]) without a call. The token is never logged.
// New fails on a url that is not an absolute http or https URL.
func Introspect(url string, opts ...RemoteOption) KeySource {
	return newRemoteSource(dialectIntrospect, url, "", opts)
}

// PicketValidate is a key source that validates Picket access tokens by
// asking Picket: for each token it POSTs {"accessToken": "…"} to
// [DefaultPicketURL] (or [RemoteURL]), authenticated by HTTP Basic with
// secretKey, the project's secret key, as user name and an empty password,
// as Picket's SDKs do. Bind it to Picket's issuer with WithIssuer (or give
// it to WithKeys), and set WithAudience to the project id.
//
// A 2xx answer is the token's claims, decoded exactly as a verified payload
// is; an answer without exp is refused ([ErrMalformed]), an answer without
// iss takes the token's, and one whose iss differs from the token's is
// refused ([ErrIssuer]). Then aud, exp, nbf, iat, WithMaxLifetime, single use
// and requirements apply as for any token.
//
// Failures: 400, 401, 403 and 422 mean Picket refuses the token: 401 (an
// error wrapping [ErrSignature]); a wrong secret key may answer so too, so
// it refuses every token (check the logs). A 2xx answer whose claims do not
// decode is 401 ([ErrMalformed]). Picket unreachable, slower than
// [RemoteTimeout], answering any other status (5xx, 404, 429, …), a redirect
// to another host, or a 2xx body that is not a JSON object (or over 1 MiB):
// 503 with Retry-After ([ErrKeysUnavailable]), never 401 and never accepted.
//
// Caching, shared calls, the exp pre-check and logging are as for
// [Introspect]. New fails on an empty secret key, one with a colon, white
// space or control characters, and with [RemoteBasicAuth] or [RemoteBearer].
func PicketValidate(secretKey string, opts ...RemoteOption) KeySource {
	return newRemoteSource(dialectPicket, DefaultPicketURL, secretKey, opts)
}

type remoteDialect int

const (
	dialectIntrospect remoteDialect = iota
	dialectPicket
)

func (d remoteDialect) String() string {
	if d == dialectPicket {
		return "PicketValidate"
	}
	return "Introspect"
}

type remoteSource struct {
	dialect remoteDialect
	secret  string // Picket's secret key
	cfg     remoteConfig
	err     error
}

func newRemoteSource(d remoteDialect, u, secret string, opts []RemoteOption) *remoteSource {
	s := &remoteSource{dialect: d, secret: secret, cfg: remoteConfig{
		url:     u,
		timeout: 5 * time.Second,
		ttl:     5 * time.Minute,
		negTTL:  10 * time.Second,
		entries: 10000,
		now:     time.Now,
	}}
	for _, o := range opts {
		if o == nil {
			s.err = fmt.Errorf("%s: nil option", d)
			return s
		}
		if err := o(&s.cfg); err != nil {
			s.err = fmt.Errorf("%s: %w", d, err)
			return s
		}
	}
	return s
}

func (s *remoteSource) open(env *sourceEnv) (keyProvider, error) {
	if s.err != nil {
		return nil, s.err
	}
	logURL, err := outboundURL(env, s.dialect.String(), s.cfg.url)
	if err != nil {
		return nil, err
	}
	auth := s.cfg.auth
	if s.dialect == dialectPicket {
		switch {
		case s.secret == "":
			return nil, errors.New("PicketValidate: empty secret key")
		case strings.IndexFunc(s.secret, func(r rune) bool { return r <= ' ' || r == 0x7f || r == ':' }) >= 0:
			return nil, errors.New("PicketValidate: the secret key holds a colon, white space or a control character")
		case auth != nil:
			return nil, fmt.Errorf("PicketValidate: %s does not apply: the secret key is the credential", s.cfg.authName)
		}
		secret := s.secret
		auth = func(r *http.Request) { r.SetBasicAuth(secret, "") }
	}
	client, owned := outboundClient(s.cfg.client)
	ctx, cancel := context.WithCancel(context.Background())
	return &remoteProvider{
		dialect:   s.dialect,
		url:       s.cfg.url,
		logURL:    logURL,
		cfg:       s.cfg,
		auth:      auth,
		client:    client,
		transport: owned,
		logger:    env.logger,
		skew:      env.skew,
		ctx:       ctx,
		cancel:    cancel,
		answers:   make(map[[sha256.Size]byte]*remoteAnswer),
		flights:   make(map[[sha256.Size]byte]*remoteFlight),
	}, nil
}

// remoteProvider is an opened remote source: the remoteValidator the
// verification pipeline asks instead of checking a signature.
type remoteProvider struct {
	dialect   remoteDialect
	url       string
	logURL    string // url with any password redacted, for logs and errors
	cfg       remoteConfig
	auth      func(*http.Request)
	client    *http.Client
	transport *http.Transport // the transport this provider made, nil when the user gave a client
	logger    *slog.Logger
	skew      time.Duration // WithClockSkew, for the exp pre-check

	ctx    context.Context // canceled by close: calls in flight end
	cancel context.CancelFunc
	wg     sync.WaitGroup // calls in flight

	mu      sync.Mutex
	closed  bool
	answers map[[sha256.Size]byte]*remoteAnswer // by SHA-256 of the token
	flights map[[sha256.Size]byte]*remoteFlight // calls in flight, by SHA-256 of the token
}

// remoteAnswer is a cached outcome: claims (never handed out: callers get
// copies) or the issuer's refusal.
type remoteAnswer struct {
	claims  *Claims
	err     error
	expires time.Time // on cfg.now
}

// remoteFlight is one call to the issuer, shared by the requests that
// present the same token meanwhile; done closes once claims or err is set.
type remoteFlight struct {
	done    chan struct{}
	claims  *Claims
	err     error
	waiters int // requests sharing the call, under remoteProvider.mu
}

var _ remoteValidator = (*remoteProvider)(nil)

func (p *remoteProvider) lookup(context.Context, string, jwa.SignatureAlgorithm) (*key, error) {
	return nil, fmt.Errorf("%w: %s validates whole tokens and holds no keys", ErrUnknownKey, p.dialect)
}

func (p *remoteProvider) current(*key) bool { return false }

// close ends the calls in flight (their requests get 503) and waits for
// them, and closes the idle connections of the transport the provider made.
// Cached answers still serve afterwards; a token not in the cache gets 503.
func (p *remoteProvider) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
}

// validate returns the claims of the issuer's answer for token: from the
// cache, from a call in flight for the same token, or from a new call.
// A token well past its own exp is refused without asking.
func (p *remoteProvider) validate(ctx context.Context, token string) (*Claims, error) {
	t, _, err := parseCompact(token, nil, parseMode{})
	if err != nil {
		return nil, err
	}
	unverified, err := decodePayload(t.payload)
	if err != nil {
		return nil, err
	}
	// A token past its own exp (and the middleware's clock skew) is refused
	// without asking the issuer.
	if !p.cfg.now().Before(unverified.ExpiresAt.Add(p.skew)) {
		return nil, fmt.Errorf("%w: exp has passed (the issuer was not asked)", ErrExpired)
	}
	id := sha256.Sum256([]byte(token))

	p.mu.Lock()
	if a, ok := p.answers[id]; ok {
		if p.cfg.now().Before(a.expires) {
			p.mu.Unlock()
			return copyOutcome(a.claims, a.err)
		}
		delete(p.answers, id)
	}
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: %s %s: the middleware is closed", ErrKeysUnavailable, p.dialect, p.logURL)
	}
	f, ok := p.flights[id]
	if !ok {
		f = &remoteFlight{done: make(chan struct{})}
		p.flights[id] = f
		p.wg.Add(1)
		// The call runs on its own, bounded by RemoteTimeout: a request that
		// gives up does not fail the others that share the call.
		go p.fly(id, f, token, unverified)
	}
	f.waiters++
	p.mu.Unlock()

	select {
	case <-f.done:
		return copyOutcome(f.claims, f.err)
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: %s %s: request ended while waiting for the issuer: %w", ErrKeysUnavailable, p.dialect, p.logURL, ctx.Err())
	}
}

// copyOutcome hands out a private copy of cached or shared claims.
func copyOutcome(c *Claims, err error) (*Claims, error) {
	if err != nil {
		return nil, err
	}
	return c.clone(), nil
}

// fly makes the call f, caches its outcome and wakes its waiters.
func (p *remoteProvider) fly(id [sha256.Size]byte, f *remoteFlight, token string, unverified *Claims) {
	defer p.wg.Done()
	began := time.Now()
	c, status, err := p.ask(token, unverified)
	took := time.Since(began)

	p.mu.Lock()
	delete(p.flights, id)
	if life := p.lifetime(c, err); life > 0 {
		p.store(id, &remoteAnswer{claims: c, err: err, expires: p.cfg.now().Add(life)})
	}
	waiters := f.waiters
	p.mu.Unlock()
	f.claims, f.err = c, err
	close(f.done)

	if p.logger == nil {
		return
	}
	attrs := []slog.Attr{slog.String("source", p.dialect.String()), slog.String("url", p.logURL),
		slog.Int("status", status), slog.Duration("duration", took), slog.Int("requests", waiters)}
	switch {
	case err == nil:
		p.logger.LogAttrs(context.Background(), slog.LevelDebug, "tokengate: remote validation: token valid", attrs...)
	case errors.Is(err, ErrKeysUnavailable):
		p.logger.LogAttrs(context.Background(), slog.LevelWarn, "tokengate: remote validation failed",
			append(attrs, slog.Any("error", err))...)
	default:
		p.logger.LogAttrs(context.Background(), slog.LevelDebug, "tokengate: remote validation: token refused",
			append(attrs, slog.Any("error", err))...)
	}
}

// lifetime is how long an outcome is reused: valid claims until their exp
// (at least the negative TTL, so that a token the issuer still calls valid
// past our clock's exp costs one call per negative TTL; the claims check
// refuses it meanwhile), at most the TTL; refusals for the negative TTL;
// failures to ask, never.
func (p *remoteProvider) lifetime(c *Claims, err error) time.Duration {
	switch {
	case err == nil:
		return min(p.cfg.ttl, max(c.ExpiresAt.Sub(p.cfg.now()), p.cfg.negTTL))
	case errors.Is(err, ErrKeysUnavailable):
		return 0
	default:
		return p.cfg.negTTL
	}
}

// store caches a, making room when the cache is full: expired answers among
// a few visited go first, else the first one visited (map order is random).
func (p *remoteProvider) store(id [sha256.Size]byte, a *remoteAnswer) {
	if _, ok := p.answers[id]; !ok && len(p.answers) >= p.cfg.entries {
		now, visited, dropped := p.cfg.now(), 0, false
		var first [sha256.Size]byte
		for k, old := range p.answers {
			if visited == 0 {
				first = k
			}
			if !now.Before(old.expires) {
				delete(p.answers, k)
				dropped = true
			}
			if visited++; visited == 16 {
				break
			}
		}
		if !dropped {
			delete(p.answers, first)
		}
	}
	p.answers[id] = a
}

// ask makes one call to the issuer and reads its answer. status is the
// answer's status code, 0 when there is none.
func (p *remoteProvider) ask(token string, unverified *Claims) (c *Claims, status int, err error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.cfg.timeout)
	defer cancel()
	req, err := p.request(ctx, token)
	if err != nil {
		return nil, 0, p.unavailable("build request: %w", err)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		// The url.Error names the URL (password redacted) and never the
		// token, which travels in the body; keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) && p.ctx.Err() == nil {
			return nil, 0, p.unavailable("no answer within %v: %w", p.cfg.timeout, err)
		}
		return nil, 0, p.unavailable("%w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRemoteBytes+1))
	switch {
	case err != nil:
		return nil, resp.StatusCode, p.unavailable("status %d, read answer: %w", resp.StatusCode, err)
	case len(body) > maxRemoteBytes:
		return nil, resp.StatusCode, p.unavailable("status %d, answer larger than 1 MiB", resp.StatusCode)
	}
	if p.dialect == dialectPicket {
		c, err = p.picketAnswer(resp.StatusCode, body, unverified)
	} else {
		c, err = p.introspectionAnswer(resp.StatusCode, body, unverified)
	}
	return c, resp.StatusCode, err
}

// request builds the call for token: RFC 7662's form, or Picket's JSON.
func (p *remoteProvider) request(ctx context.Context, token string) (*http.Request, error) {
	var body, ctype string
	if p.dialect == dialectPicket {
		b, err := json.Marshal(struct {
			AccessToken string `json:"accessToken"`
		}{token})
		if err != nil {
			return nil, err
		}
		body, ctype = string(b), "application/json"
	} else {
		body = url.Values{"token": {token}, "token_type_hint": {"access_token"}}.Encode()
		ctype = "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	if p.auth != nil {
		p.auth(req)
	}
	return req, nil
}

// unavailable is a failure to get an answer: 503, never cached.
func (p *remoteProvider) unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: %s %s: %w", ErrKeysUnavailable, p.dialect, p.logURL, fmt.Errorf(format, args...))
}

// introspectionAnswer reads an RFC 7662 answer.
func (p *remoteProvider) introspectionAnswer(status int, body []byte, unverified *Claims) (*Claims, error) {
	if status < 200 || status > 299 {
		hint := ""
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			hint = " (the introspection endpoint refused this client's credentials)"
		}
		return nil, p.unavailable("status %d%s", status, hint)
	}
	body = bytes.TrimSpace(body)
	if !isJSONObject(body) {
		return nil, p.unavailable("status %d, the answer is not a JSON object", status)
	}
	var head struct {
		Active jsontext.Value `json:"active"`
		Exp    jsontext.Value `json:"exp"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return nil, fmt.Errorf("%w: issuer's answer: %s", ErrMalformed, jsonProblem(err))
	}
	switch head.Active.Kind() {
	case 't':
	case 'f':
		return nil, fmt.Errorf("%w: the issuer says the token is not active", ErrSignature)
	default:
		return nil, p.unavailable(`status %d, the answer has no boolean "active"`, status)
	}
	if len(head.Exp) == 0 {
		// RFC 7662 §2.2 makes exp optional: the token's own stands in.
		body = withExp(body, unverified.ExpiresAt)
	}
	return answerClaims(body, unverified)
}

// picketAnswer reads the answer of Picket's validate call.
func (p *remoteProvider) picketAnswer(status int, body []byte, unverified *Claims) (*Claims, error) {
	switch {
	case status == http.StatusBadRequest || status == http.StatusUnauthorized ||
		status == http.StatusForbidden || status == http.StatusUnprocessableEntity:
		return nil, fmt.Errorf("%w: the issuer says the token is not valid (status %d%s)", ErrSignature, status, picketCode(body))
	case status < 200 || status > 299:
		return nil, p.unavailable("status %d%s", status, picketCode(body))
	}
	body = bytes.TrimSpace(body)
	if !isJSONObject(body) {
		return nil, p.unavailable("status %d, the answer is not a JSON object", status)
	}
	return answerClaims(body, unverified)
}

// answerClaims decodes the claims of an answer exactly as a verified
// payload is decoded, and binds them to the token's issuer.
func answerClaims(body []byte, unverified *Claims) (*Claims, error) {
	c, err := decodePayload(body)
	if err != nil {
		return nil, fmt.Errorf("issuer's answer: %w", err)
	}
	switch {
	case c.Issuer == "":
		c.Issuer = unverified.Issuer
	case unverified.Issuer != "" && c.Issuer != unverified.Issuer:
		return nil, fmt.Errorf("%w: the issuer's answer names another issuer than the token", ErrIssuer)
	}
	return c, nil
}

// isJSONObject reports whether b is one syntactically valid JSON object.
// Duplicate names and invalid UTF-8 pass here: the claims decoder refuses
// them as malformed claims.
func isJSONObject(b []byte) bool {
	v := jsontext.Value(b)
	return v.Kind() == '{' && v.IsValid(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
}

// withExp inserts "exp" (whole seconds, rounded down) as the first member
// of obj, a valid JSON object without one.
func withExp(obj []byte, exp time.Time) []byte {
	member := `"exp":` + strconv.FormatInt(exp.Unix(), 10)
	rest := obj[1:]
	if bytes.TrimSpace(rest)[0] != '}' {
		member += ","
	}
	out := make([]byte, 0, len(obj)+len(member))
	out = append(out, '{')
	out = append(out, member...)
	return append(out, rest...)
}

// picketCode is Picket's error code from an error answer
// {"msg": "…", "code": "…"}, as ", code X" for errors and logs, when it is a
// short identifier; the message is left out, lest it quote the token.
func picketCode(body []byte) string {
	var e struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &e) != nil || e.Code == "" || len(e.Code) > 64 ||
		strings.IndexFunc(e.Code, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-')
		}) >= 0 {
		return ""
	}
	return ", code " + e.Code
}
