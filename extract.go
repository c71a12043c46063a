package tokengate

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Extractor takes the raw token off a request. It returns "", nil when the
// request carries no token in the place it looks, and an error wrapping
// [ErrInvalidRequest] when the credentials are there but malformed (the
// middleware answers 400 invalid_request). Any other error it returns is
// answered the same way.
type Extractor func(r *http.Request) (string, error)

// FromAuthHeader takes the token from "Authorization: Bearer <token>", the
// default. The scheme is matched case-insensitively; a request with another
// scheme (Basic, say) carries no Bearer token. Two Authorization headers, an
// empty token, or a token with characters RFC 6750 does not allow are
// refused with [ErrInvalidRequest].
func FromAuthHeader() Extractor {
	return func(r *http.Request) (string, error) {
		tok, err := bearerToken(r)
		if err == nil && tok != "" && !isB64Token(tok) {
			return "", errNotB64Token
		}
		return tok, err
	}
}

var errNotB64Token = fmt.Errorf("%w: bearer token has characters outside RFC 6750 b64token", ErrInvalidRequest)

// bearerToken is FromAuthHeader without the b64token check. A Middleware
// with the default extraction makes that check itself, and only when the
// token is not in its verified-token cache: a token that verified is
// base64url segments and dots, all b64token characters.
func bearerToken(r *http.Request) (string, error) {
	// net/http canonicalizes the names of received headers, and
	// "Authorization" is canonical: a plain lookup finds them all.
	v, err := singleValue(r.Header["Authorization"], "Authorization header")
	if v == "" || err != nil {
		return "", err
	}
	scheme, tok, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", nil
	}
	tok = strings.TrimLeft(tok, " ")
	if tok == "" {
		return "", fmt.Errorf("%w: empty bearer token", ErrInvalidRequest)
	}
	return tok, nil
}

// FromHeader takes the whole value of the named header as the token, with
// surrounding spaces trimmed. The header appearing twice, or present but
// empty, is refused with [ErrInvalidRequest].
func FromHeader(name string) Extractor {
	what := name + " header"
	return func(r *http.Request) (string, error) {
		vs := r.Header.Values(name)
		if len(vs) == 0 {
			return "", nil
		}
		return nonEmpty(singleValue(vs, what))
	}
}

// FromCookie takes the token from the named cookie. Two cookies of that name,
// or an empty one, are refused with [ErrInvalidRequest].
func FromCookie(name string) Extractor {
	what := name + " cookie"
	return func(r *http.Request) (string, error) {
		cs := r.CookiesNamed(name)
		if len(cs) == 0 {
			return "", nil
		}
		vs := make([]string, len(cs))
		for i, c := range cs {
			vs[i] = c.Value
		}
		return nonEmpty(singleValue(vs, what))
	}
}

// FromQuery takes the token from the named URL query parameter. Use it only
// where nothing else works: RFC 6750 §2.3 discourages it, since URLs end up in
// logs and browser history. The parameter given twice, or empty, is refused
// with [ErrInvalidRequest].
func FromQuery(name string) Extractor {
	what := name + " query parameter"
	return func(r *http.Request) (string, error) {
		vs, ok := r.URL.Query()[name]
		if !ok {
			return "", nil
		}
		return nonEmpty(singleValue(vs, what))
	}
}

// FirstOf tries the extractors in order and returns the first token found. An
// extractor's error ends the search: malformed credentials are refused rather
// than skipped over. It returns nil, which [WithExtractor] refuses, when es is
// empty or holds a nil extractor.
func FirstOf(es ...Extractor) Extractor {
	if len(es) == 0 || slices.ContainsFunc(es, func(e Extractor) bool { return e == nil }) {
		return nil
	}
	es = slices.Clone(es)
	return func(r *http.Request) (string, error) {
		for _, e := range es {
			tok, err := e(r)
			if err != nil || tok != "" {
				return tok, err
			}
		}
		return "", nil
	}
}

// singleValue returns the one value of vs, trimmed, or an error when there is
// more than one.
func singleValue(vs []string, what string) (string, error) {
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return strings.TrimSpace(vs[0]), nil
	default:
		return "", fmt.Errorf("%w: %d values for %s", ErrInvalidRequest, len(vs), what)
	}
}

var errEmpty = fmt.Errorf("%w: empty token", ErrInvalidRequest)

// nonEmpty turns a present but empty value into an error.
func nonEmpty(v string, err error) (string, error) {
	if err == nil && v == "" {
		return "", errEmpty
	}
	return v, err
}

// isB64Token reports whether s matches RFC 6750's
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	// Eight bytes at a time while all are b64token characters (a token is
	// checked on every request), then byte by byte.
	for ; i+8 <= len(s); i += 8 {
		t := &b64tokenChar
		if t[s[i]]&t[s[i+1]]&t[s[i+2]]&t[s[i+3]]&t[s[i+4]]&t[s[i+5]]&t[s[i+6]]&t[s[i+7]] == 0 {
			break
		}
	}
	for i < len(s) && b64tokenChar[s[i]] == 1 {
		i++
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// b64tokenChar is 1 for the bytes of b64token before its "=" padding, 0 for
// all others.
var b64tokenChar = func() (t [256]uint8) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/" {
		t[c] = 1
	}
	return t
}()
