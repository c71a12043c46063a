package tokengate

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// DPoP (RFC 9449) binds an access token to a key its client holds: the
// token carries the key's thumbprint in "cnf": {"jkt": ...}, and every
// request carries a fresh proof, a JWT signed with that key, in a DPoP
// header. This file holds the option and the request path; the proof's
// checks are in dpop_proof.go, its key in dpop_key.go, the URL comparison in
// dpop_url.go, the nonces in dpop_nonce.go and the answers in
// dpop_answer.go.

// DPoPMode says which requests [WithDPoP] accepts.
type DPoPMode int

const (
	// DPoPAllowed accepts DPoP-bound tokens in the DPoP scheme with a
	// proof, and tokens without "cnf" as Bearer tokens too (from the
	// configured [Extractor]). A DPoP-bound token sent as Bearer is refused
	// with [ErrDPoPRequired] (RFC 9449 §7.2).
	DPoPAllowed DPoPMode = iota + 1
	// DPoPRequired accepts only DPoP-bound tokens in the DPoP scheme with
	// a proof; any Bearer token is refused with [ErrDPoPRequired].
	DPoPRequired
)

// String returns "allowed" or "required".
func (mode DPoPMode) String() string {
	switch mode {
	case DPoPAllowed:
		return "allowed"
	case DPoPRequired:
		return "required"
	}
	return fmt.Sprintf("DPoPMode(%d)", int(mode))
}

// DPoPOption configures [WithDPoP].
type DPoPOption func(*dpopConfig) error

// Defaults of WithDPoP.
const (
	// DefaultDPoPMaxAge is how old a proof's iat may be, by default.
	DefaultDPoPMaxAge = 60 * time.Second
	// DefaultDPoPFutureSkew is how far in the future a proof's iat may
	// be, by default.
	DefaultDPoPFutureSkew = 5 * time.Second
)

type dpopConfig struct {
	mode       DPoPMode
	algs       algSet
	algList    string // the algs challenge parameter: the algorithms, space-separated
	maxAge     time.Duration
	futureSkew time.Duration
	store      ReplayStore
	nonces     *nonceSource // nil without DPoPNonces
	public     *publicURL   // nil without DPoPPublicURL
}

// WithDPoP accepts DPoP-bound access tokens (RFC 9449): "Authorization: DPoP
// <token>" together with one "DPoP: <proof>" header. mode is [DPoPAllowed]
// (Bearer tokens without "cnf" still accepted) or [DPoPRequired].
//
// Every request in the DPoP scheme is checked after its token verified,
// also when the token comes from the [WithCache] cache: the proof must be a
// compact JWS with typ "dpop+jwt", an alg from [DPoPAlgorithms], and a
// public key in its "jwk" header that verifies it (the only place tokengate
// reads a key from a JWT; a private or symmetric key is refused); its htm
// and htu must be the request's method and URL (see [DPoPPublicURL]), its
// iat within [DPoPMaxAge] in the past and [DPoPFutureSkew] in the future,
// its ath the base64url SHA-256 of the token, its jti unspent (see
// [DPoPReplayStore]), and the token's cnf.jkt the RFC 7638 thumbprint of
// the proof's key. With [DPoPNonces] it must also carry a current server
// nonce. Then the token's own id is spent ([WithSingleUse]) and the
// requirements apply.
//
// A refused proof is answered 401 with WWW-Authenticate: DPoP
// error="invalid_dpop_proof" ([ErrDPoPProof]), a key that is not the
// token's with error="invalid_token" ([ErrDPoPBinding]), a missing or stale
// nonce with error="use_dpop_nonce" and a DPoP-Nonce header
// ([ErrDPoPNonce]); each DPoP challenge names the accepted algorithms in
// algs. [Middleware.Verify], which sees no request, refuses DPoP-bound
// tokens.
//
// The options' defaults: every asymmetric algorithm tokengate supports, a
// proof at most 60 s old and 5 s ahead, proof ids spent in the
// [WithSingleUse] store or else a [MemoryStore], no server nonces, and the
// request's own scheme, Host and path as the URL htu must name. Without
// WithDPoP, "Authorization: DPoP" is no credential and a token's "cnf" is
// not looked at. New fails on a mode other than these two, an invalid
// option, or WithDPoP given twice.
func WithDPoP(mode DPoPMode, opts ...DPoPOption) Option {
	return func(c *config) error {
		switch {
		case c.dpop != nil:
			return errors.New("WithDPoP: given twice")
		case mode != DPoPAllowed && mode != DPoPRequired:
			return fmt.Errorf("WithDPoP: unknown mode %d", int(mode))
		}
		dp := &dpopConfig{mode: mode, maxAge: DefaultDPoPMaxAge, futureSkew: DefaultDPoPFutureSkew}
		for _, o := range opts {
			if o == nil {
				return errors.New("WithDPoP: nil option")
			}
			if err := o(dp); err != nil {
				return fmt.Errorf("WithDPoP: %w", err)
			}
		}
		if dp.algs == 0 { // DPoPAlgorithms sets at least one
			dp.setAlgs(defaultDPoPAlgs)
		}
		c.dpop = dp
		return nil
	}
}

// finish completes the settings in New: the default replay store is the
// WithSingleUse store (shared between instances when it is Redis), else a
// MemoryStore of this Middleware's own.
func (dp *dpopConfig) finish(singleUse ReplayStore) *dpopConfig {
	out := *dp
	if out.store == nil {
		out.store = singleUse
		if out.store == nil {
			out.store = NewMemoryStore()
		}
	}
	return &out
}

// DPoPMaxAge is how old a proof may be: its iat no earlier than now minus
// d (the clock is [WithClock]'s). Default [DefaultDPoPMaxAge] (60 s); New
// fails on a d outside (0, 10m]. Spent proof ids are kept that long.
func DPoPMaxAge(d time.Duration) DPoPOption {
	return func(dp *dpopConfig) error {
		if d <= 0 || d > 10*time.Minute {
			return fmt.Errorf("DPoPMaxAge: %v is outside (0, 10m]", d)
		}
		dp.maxAge = d
		return nil
	}
}

// DPoPFutureSkew is how far ahead of the server's clock a client's clock
// may run: a proof's iat no later than now plus d. Default
// [DefaultDPoPFutureSkew] (5 s); New fails on a d outside [0, 5m].
func DPoPFutureSkew(d time.Duration) DPoPOption {
	return func(dp *dpopConfig) error {
		if d < 0 || d > 5*time.Minute {
			return fmt.Errorf("DPoPFutureSkew: %v is outside [0, 5m]", d)
		}
		dp.futureSkew = d
		return nil
	}
}

// DPoPReplayStore is where proof ids (jti, scoped to the proof's key) are
// spent, each once, until the proof is too old to be accepted anyway. Give
// every instance of an app the same shared store (adapters/redisstore), or
// a proof taken off the wire can be replayed once on each other instance
// within [DPoPMaxAge]. A store that fails refuses the request with
// [ErrStoreUnavailable] (503). Default: the [WithSingleUse] store when there
// is one, else a [MemoryStore] of the Middleware's own. New fails on nil.
func DPoPReplayStore(store ReplayStore) DPoPOption {
	return func(dp *dpopConfig) error {
		if store == nil {
			return errors.New("DPoPReplayStore: nil store")
		}
		dp.store = store
		return nil
	}
}

// authenticateDPoP is authenticate under WithDPoP: a request in the DPoP
// scheme has its token verified, then its proof checked; any other goes the
// Bearer way, where a DPoPRequired Middleware refuses every token and a
// DPoPAllowed one refuses DPoP-bound tokens.
func (m *Middleware) authenticateDPoP(r *http.Request, d *decisionMeta) (*Claims, error) {
	dp := m.cfg.dpop
	tok, ok, err := dpopAuthorization(r)
	if err != nil {
		return nil, classify(err)
	}
	if !ok {
		tok, b64token, err := m.extract(r)
		switch {
		case err != nil:
			return nil, classify(err)
		case dp.mode == DPoPRequired:
			return nil, classify(fmt.Errorf("%w: a Bearer token where DPoP is required", ErrDPoPRequired))
		}
		return m.verifyAll(r.Context(), tok, b64token, d)
	}
	ctx := r.Context()
	c, err := m.verify(ctx, tok, false, d)
	if err == nil {
		err = m.checkProof(r, tok, c)
	}
	if err == nil {
		err = m.admitVerified(ctx, c)
	}
	if err != nil {
		return nil, classify(err)
	}
	return c, nil
}

// dpopAuthorization takes the token of "Authorization: DPoP <token>": ok
// is false when the request has no Authorization header in the DPoP
// scheme. Two Authorization headers, or an empty token or one with
// characters outside RFC 9449's token68, are ErrInvalidRequest.
func dpopAuthorization(r *http.Request) (tok string, ok bool, err error) {
	vs := r.Header["Authorization"]
	if len(vs) == 0 {
		return "", false, nil
	}
	v, err := singleValue(vs, "Authorization header")
	if err != nil {
		return "", false, err
	}
	scheme, tok, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "DPoP") {
		return "", false, nil
	}
	tok = strings.TrimLeft(tok, " ")
	switch {
	case tok == "":
		return "", false, fmt.Errorf("%w: empty DPoP token", ErrInvalidRequest)
	case !isB64Token(tok):
		return "", false, fmt.Errorf("%w: DPoP token has characters outside token68", ErrInvalidRequest)
	}
	return tok, true, nil
}

// inDPoPScheme reports whether r has an Authorization header in the DPoP
// scheme: its refusals carry the error in the DPoP challenge.
func inDPoPScheme(r *http.Request) bool {
	for _, v := range r.Header["Authorization"] {
		if scheme, _, _ := strings.Cut(strings.TrimSpace(v), " "); strings.EqualFold(scheme, "DPoP") {
			return true
		}
	}
	return false
}

// confirmation is the "cnf" claim (RFC 7800), as far as DPoP reads it.
type confirmation struct {
	JKT jsontext.Value `json:"jkt"`
}

// boundKey returns the cnf.jkt of c's verified payload, "" when the token
// has no "cnf" or a "cnf" without "jkt" (another kind of binding, which
// tokengate does not check). A "cnf" that is not an object, or a "jkt" that
// is not a non-empty string (null included), is ErrMalformed: a token must
// not lose its binding by being malformed. For claims from remote
// validation, the token's own payload counts too: a binding the issuer's
// answer leaves out still binds, and two different ones refuse the token.
func boundKey(c *Claims) (string, error) {
	jkt, err := cnfKey(c.raw)
	if err != nil || c.tokenRaw == nil {
		return jkt, err
	}
	own, err := cnfKey(*c.tokenRaw)
	switch {
	case err != nil:
		return "", err
	case jkt == "":
		return own, nil
	case own != "" && own != jkt:
		return "", fmt.Errorf("%w: the token's cnf.jkt differs from its issuer's answer", ErrMalformed)
	}
	return jkt, nil
}

// cnfKey reads cnf.jkt from a claim set's text (see boundKey).
func cnfKey(payload string) (string, error) {
	raw, ok := memberValue(payload, "cnf")
	if !ok {
		return "", nil
	}
	if raw == "null" {
		return "", fmt.Errorf("%w: cnf is null", ErrMalformed)
	}
	var cnf confirmation
	if err := json.Unmarshal([]byte(raw), &cnf); err != nil {
		return "", fmt.Errorf("%w: cnf: %s", ErrMalformed, jsonProblem(err))
	}
	if cnf.JKT == nil {
		return "", nil
	}
	var jkt string
	if cnf.JKT.Kind() != '"' || json.Unmarshal(cnf.JKT, &jkt) != nil || jkt == "" {
		return "", fmt.Errorf("%w: cnf.jkt is not a non-empty string", ErrMalformed)
	}
	return jkt, nil
}

// refuseBound refuses a token bound to a DPoP key that came without a
// proof.
func refuseBound(c *Claims) error {
	jkt, err := boundKey(c)
	switch {
	case err != nil:
		return err
	case jkt != "":
		return fmt.Errorf("%w: a DPoP-bound token sent without a proof", ErrDPoPRequired)
	}
	return nil
}
