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
)

// RFC 6750 error codes, used in WWW-Authenticate and in response bodies.
const (
	CodeInvalidRequest    = "invalid_request"
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
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
	status, header, body := answer(realm, err)
	for k, v := range header {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// answer is the default answer for err: its status, the headers to set and
// the body.
func answer(realm string, err error) (int, http.Header, []byte) {
	e := classify(err)
	h := make(http.Header, 5)
	if e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	} else {
		h.Set("WWW-Authenticate", wwwAuthenticate(realm, e.Code, requiredScope(e)))
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
