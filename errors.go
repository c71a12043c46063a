package tokengate

import (
	"errors"
	"net/http"
	"strconv"
)

// Sentinel errors. Every error that [Middleware.Authenticate] and
// [Middleware.Verify] return is an [*Error] that wraps one of them, so callers
// test with errors.Is.
var (
	// ErrNoToken: the request carries no credentials (401, no error code).
	ErrNoToken = errors.New("tokengate: no token")
	// ErrInvalidRequest: the credentials are malformed at the HTTP level:
	// two Authorization headers, an empty Bearer token, a token with
	// characters RFC 6750 does not allow (400 invalid_request).
	ErrInvalidRequest = errors.New("tokengate: invalid request")
	// ErrMalformed: the token is not a well-formed compact JWS/JWT, or a claim
	// has the wrong type (401 invalid_token).
	ErrMalformed = errors.New("tokengate: malformed token")
	// ErrSignature: the signature does not verify (401 invalid_token).
	ErrSignature = errors.New("tokengate: invalid signature")
	// ErrUnknownKey: no configured key matches the token's kid, or a token
	// without kid matches more than one key (401 invalid_token).
	ErrUnknownKey = errors.New("tokengate: unknown key")
	// ErrAlgorithm: the header alg is not allowed, or differs from the
	// key's algorithm (401 invalid_token).
	ErrAlgorithm = errors.New("tokengate: algorithm not allowed")
	// ErrExpired: exp is in the past, or the token outlives WithMaxLifetime
	// (401 invalid_token). A token without exp is ErrMalformed.
	ErrExpired = errors.New("tokengate: token expired")
	// ErrNotYetValid: nbf or iat lies in the future (401 invalid_token).
	ErrNotYetValid = errors.New("tokengate: token not yet valid")
	// ErrIssuer: no key source is configured for the token's iss
	// (401 invalid_token).
	ErrIssuer = errors.New("tokengate: issuer not accepted")
	// ErrAudience: the token's aud names none of the configured audiences,
	// or names one when none is configured (401 invalid_token).
	ErrAudience = errors.New("tokengate: audience not accepted")
	// ErrReplayed: a single-use token was presented again (401 invalid_token).
	ErrReplayed = errors.New("tokengate: token already used")
	// ErrForbidden: the token is valid but a requirement failed
	// (403 insufficient_scope).
	ErrForbidden = errors.New("tokengate: requirement not met")
	// ErrKeysUnavailable: the keys for the token's issuer cannot be had right
	// now, for example a JWKS endpoint that is down with nothing cached
	// (503 with Retry-After).
	ErrKeysUnavailable = errors.New("tokengate: keys unavailable")
	// ErrStoreUnavailable: the replay store of WithSingleUse failed, for
	// example Redis is unreachable; the token is refused, never accepted
	// (503 with Retry-After).
	ErrStoreUnavailable = errors.New("tokengate: replay store unavailable")
	// ErrUnavailable: a requirement could not decide, for example one that
	// reads holdings from a chain node that is down or answers garbage; the
	// request is refused, never admitted and never answered 403
	// (503 with Retry-After).
	ErrUnavailable = errors.New("tokengate: requirement cannot be checked now")
	// ErrConfig: New was given an invalid configuration.
	ErrConfig = errors.New("tokengate: invalid configuration")

	// ErrDPoPProof: a request in the DPoP scheme ([WithDPoP]) carries no
	// DPoP proof, two of them, or one that fails a check of RFC 9449 §4.3:
	// form, typ, alg, key, signature, htm, htu, iat, ath, or a jti already
	// spent (401 invalid_dpop_proof, RFC 9449 §7.1).
	ErrDPoPProof = errors.New("tokengate: invalid DPoP proof")
	// ErrDPoPNonce: the DPoP proof lacks the server's nonce, or carries one
	// that is not (or no longer) valid, with [DPoPNonces] set (401
	// use_dpop_nonce and a fresh DPoP-Nonce header, RFC 9449 §9).
	ErrDPoPNonce = errors.New("tokengate: DPoP nonce required")
	// ErrDPoPBinding: a token sent in the DPoP scheme is not bound to the
	// proof's key: its cnf.jkt is absent or differs from the key's RFC 7638
	// thumbprint (401 invalid_token in a DPoP challenge, RFC 9449 §7.1).
	ErrDPoPBinding = errors.New("tokengate: token not bound to the DPoP proof key")
	// ErrDPoPRequired: a token was sent as a Bearer token where DPoP is
	// needed: any token under [DPoPRequired], or a DPoP-bound token (one
	// with cnf.jkt) under [DPoPAllowed], the downgrade RFC 9449 §7.2 forbids
	// (401 invalid_token).
	ErrDPoPRequired = errors.New("tokengate: token must be sent with a DPoP proof")
)

// RFC 6750 error codes, used in WWW-Authenticate and in response bodies.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
	// CodeInvalidDPoPProof is RFC 9449's code for a missing or invalid
	// DPoP proof ([ErrDPoPProof]).
	CodeInvalidDPoPProof = "invalid_dpop_proof"
	// CodeUseDPoPNonce is RFC 9449's code asking the client to retry with
	// the nonce of the DPoP-Nonce header ([ErrDPoPNonce]).
	CodeUseDPoPNonce = "use_dpop_nonce"
)

// Error is the error Authenticate and Verify return: the HTTP status the
// middleware answers with, the RFC 6750 error code ("" when none applies, as
// for a request without credentials or keys that are unavailable), and the
// underlying error, which wraps one of the sentinel errors.
//
// Its message may name internal details; the middleware never sends it to the
// client, only a fixed description per sentinel.
type Error struct {
	Status int
	Code   string
	Err    error
}

// Error returns the underlying error's message.
func (e *Error) Error() string {
	if e.Err == nil {
		return "tokengate: " + http.StatusText(e.Status)
	}
	return e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// classify wraps err into an *Error with the status and code of the first
// sentinel it wraps. An *Error passes through unchanged.
func classify(err error) *Error {
	var te *Error
	if errors.As(err, &te) {
		return te
	}
	e := &Error{Status: http.StatusUnauthorized, Code: CodeInvalidToken, Err: err}
	switch {
	case errors.Is(err, ErrDPoPProof):
		e.Code = CodeInvalidDPoPProof
	case errors.Is(err, ErrDPoPNonce):
		e.Code = CodeUseDPoPNonce
	case errors.Is(err, ErrNoToken):
		e.Code = ""
	case errors.Is(err, ErrInvalidRequest):
		e.Status, e.Code = http.StatusBadRequest, CodeInvalidRequest
	case errors.Is(err, ErrKeysUnavailable), errors.Is(err, ErrStoreUnavailable), errors.Is(err, ErrUnavailable):
		e.Status, e.Code = http.StatusServiceUnavailable, ""
	case errors.Is(err, ErrForbidden):
		e.Status, e.Code = http.StatusForbidden, CodeInsufficientScope
	}
	return e
}

// descriptions are the fixed texts sent as error_description: they name the
// kind of failure, never a token, a claim value or an internal error string.
var descriptions = []struct {
	err  error
	text string
}{
	{ErrDPoPProof, "the DPoP proof is missing or invalid"},
	{ErrDPoPNonce, "the DPoP proof must carry the nonce of the DPoP-Nonce header"},
	{ErrDPoPBinding, "the access token is not bound to the DPoP proof key"},
	{ErrDPoPRequired, "the access token must be sent with a DPoP proof"},
	{ErrNoToken, "authentication required"},
	{ErrInvalidRequest, "malformed credentials"},
	{ErrMalformed, "the access token is malformed"},
	{ErrSignature, "the access token signature is invalid"},
	{ErrUnknownKey, "the access token was signed by an unknown key"},
	{ErrAlgorithm, "the access token algorithm is not accepted"},
	{ErrExpired, "the access token expired"},
	{ErrNotYetValid, "the access token is not yet valid"},
	{ErrIssuer, "the access token issuer is not accepted"},
	{ErrAudience, "the access token audience is not accepted"},
	{ErrReplayed, "the access token was already used"},
	{ErrForbidden, "the access token does not meet the requirements"},
	{ErrKeysUnavailable, "the token keys are temporarily unavailable"},
	{ErrStoreUnavailable, "the token service is temporarily unavailable"},
	{ErrUnavailable, "the access requirements cannot be checked right now"},
}

func description(err error) string {
	if ue, ok := errors.AsType[*UnmetError](err); ok && requirementKinds[ue.Kind] {
		return "the access token does not meet the " + ue.Kind + " requirement"
	}
	for _, d := range descriptions {
		if errors.Is(err, d.err) {
			return d.text
		}
	}
	return "the access token is invalid"
}

// retryAfterSeconds is the Retry-After value sent with 503 answers.
const retryAfterSeconds = 5

// writeError writes the RFC 6750 answer for err: status, WWW-Authenticate
// (with realm, and error code when one applies; none on 503), Retry-After on
// 503, and a JSON body {"error":..., "error_description":...} whose texts are
// fixed.
func writeError(w http.ResponseWriter, realm string, err error) {
	status, header, body := answer(realm, nil, err, false)
	writeAnswer(w, status, header, body)
}

// writeAnswer writes an answer that answer built.
func writeAnswer(w http.ResponseWriter, status int, header http.Header, body []byte) {
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// answer is the default answer for err: its status, the headers to set and
// the body. With DPoP settings (dp not nil) the challenges are those of
// dpopConfig.challenge, for a request in the DPoP scheme when dpopScheme
// is set, and an [ErrDPoPNonce] answer carries its DPoP-Nonce.
func answer(realm string, dp *dpopConfig, err error, dpopScheme bool) (int, http.Header, []byte) {
	e := classify(err)
	h := make(http.Header, 6)
	switch {
	case e.Status == http.StatusServiceUnavailable:
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	case dp != nil:
		h.Set("WWW-Authenticate", dp.challenge(realm, e, requiredScope(e), dpopScheme))
	default:
		h.Set("WWW-Authenticate", wwwAuthenticate(realm, e.Code, requiredScope(e)))
	}
	if n := challengeNonce(e); n != "" {
		h.Set("DPoP-Nonce", n)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	return e.Status, h, errorBody(e)
}

func wwwAuthenticate(realm, code, scope string) string {
	v := `Bearer realm="` + realm + `"`
	if code != "" {
		v += `, error="` + code + `"`
	}
	if scope != "" {
		v += `, scope="` + scope + `"`
	}
	return v
}

// requiredScope is the scope attribute for e: the scopes a failed [Scope]
// requirement needs, when they are a well-formed scope list.
func requiredScope(e *Error) string {
	if e.Code != CodeInsufficientScope {
		return ""
	}
	if ue, ok := errors.AsType[*UnmetError](e.Err); ok && isScopeList(ue.Scope) {
		return ue.Scope
	}
	return ""
}

// errorBody is the JSON body for e. Every text in it is a constant, so it is
// assembled without an encoder.
func errorBody(e *Error) []byte {
	code := e.Code
	if code == "" {
		code = "unauthorized"
		if e.Status == http.StatusServiceUnavailable {
			code = "temporarily_unavailable"
		}
	}
	return []byte(`{"error":"` + code + `","error_description":"` + description(e.Err) + "\"}\n")
}
