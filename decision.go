package tokengate

import (
	"errors"
	"net/http"
	"time"
)

// Decision is what a Middleware decided about one request or token, handed
// to the [WithDecisionHook] hook for metrics and traces. It never holds the
// token, a claim value or an internal error string.
type Decision struct {
	// Status is the HTTP status of the answer: 200 when the request is
	// let through (also without a token under [WithCredentialsOptional]),
	// else 400, 401, 403 or 503.
	Status int
	// Code is the RFC 6750 error code ("invalid_request", "invalid_token",
	// "insufficient_scope") or RFC 9449's ("invalid_dpop_proof",
	// "use_dpop_nonce"), "" when admitted or when none applies (no token,
	// 503).
	Code string
	// Err is the sentinel error that caused a refusal ([ErrExpired],
	// [ErrForbidden], [ErrUnavailable], ...), nil when admitted. Compare it
	// with ==; it is never a wrapped error.
	Err error
	// Issuer is the configured issuer ([WithIssuer], or a preset's) whose
	// settings applied, "" when none did: no token, a token refused before
	// its issuer was known, an issuer that is not configured (its "iss" is
	// never reported), or [WithKeys]. For a [Middleware.Require] that uses
	// the claims already in the context, it is their issuer when this
	// Middleware has it configured.
	Issuer string
	// Cached reports that the verified-token cache ([WithCache]) answered.
	Cached bool
	// Duration is the time tokengate took to decide, the handler's not
	// included.
	Duration time.Duration
}

// sentinels are the errors a Decision names, in the order classify reads
// them.
var sentinels = []error{
	ErrNoToken, ErrInvalidRequest, ErrKeysUnavailable, ErrStoreUnavailable, ErrUnavailable, ErrForbidden,
	ErrDPoPProof, ErrDPoPNonce, ErrDPoPBinding, ErrDPoPRequired,
	ErrMalformed, ErrSignature, ErrUnknownKey, ErrAlgorithm, ErrExpired, ErrNotYetValid, ErrIssuer,
	ErrAudience, ErrReplayed,
}

// decisionMeta collects what a decision reports besides its outcome. It is
// nil when no hook is set, so an unobserved request costs a nil check.
type decisionMeta struct {
	start  time.Time
	issuer string
	cached bool
}

// observe starts a decision: a decisionMeta when a hook is set, else nil.
func (m *Middleware) observe() *decisionMeta {
	if m.cfg.onDecision == nil {
		return nil
	}
	return &decisionMeta{start: time.Now()}
}

// report hands the decision to the hook, when d is not nil.
func (m *Middleware) report(d *decisionMeta, err error) {
	if d == nil {
		return
	}
	out := Decision{Status: http.StatusOK, Issuer: d.issuer, Cached: d.cached, Duration: time.Since(d.start)}
	if err != nil {
		e := classify(err)
		out.Status, out.Code, out.Err = e.Status, e.Code, causeOf(e)
	}
	m.cfg.onDecision(out)
}

// causeOf is the sentinel e wraps that gives e's status: a requirement's
// error may wrap others too (another Middleware's 401, say), which did not
// decide this answer. Failing that, the first sentinel e wraps.
func causeOf(e *Error) error {
	var first error
	for _, s := range sentinels {
		if errors.Is(e, s) {
			if classify(s).Status == e.Status {
				return s
			}
			if first == nil {
				first = s
			}
		}
	}
	return first
}
