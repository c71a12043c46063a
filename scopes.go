package tokengate

import (
	"context"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
)

// Scope requires the token to hold every one of scopes in [Claims.Scopes]
// (from "scope", space-separated, or "scp"; see Claims). Scopes compare
// exactly: "read" is not "read:all", and a prefix is not a scope. A token
// that lacks one is answered 403 insufficient_scope, and the answer's
// WWW-Authenticate names the scopes this requirement needs (RFC 6750 §3:
// scope="read write"), never the token's. Each scope must be an RFC 6749
// scope-token (printable ASCII without space, '"' or '\'); an empty list or
// another scope is invalid.
func Scope(scopes ...string) Requirement {
	if len(scopes) == 0 {
		return invalid("Scope: no scope given")
	}
	for _, s := range scopes {
		if !isScopeToken(s) {
			return invalid("Scope: %q is not a scope-token", s)
		}
	}
	want := slices.Clone(scopes)
	unmet := &UnmetError{Kind: "scope", Scope: strings.Join(want, " ")}
	return &requirement{check: func(_ context.Context, c *Claims) error {
		for _, s := range want {
			if !slices.Contains(c.Scopes, s) {
				return unmet
			}
		}
		return nil
	}}
}

// isScopeToken reports whether s is an RFC 6749 §3.3 scope-token:
// 1*( %x21 / %x23-5B / %x5D-7E ).
func isScopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// isScopeList reports whether s is scope-tokens separated by single
// spaces, which may stand in a WWW-Authenticate scope attribute as is.
func isScopeList(s string) bool {
	if s == "" {
		return false
	}
	for t := range strings.SplitSeq(s, " ") {
		if !isScopeToken(t) {
			return false
		}
	}
	return true
}

// requireScopeClaim is a provider's check that the token's "scope" claim
// (space-separated; "scp" does not count) holds scope, answered as [Scope]
// answers.
func requireScopeClaim(scope string) func(*Claims) error {
	unmet := &UnmetError{Kind: "scope", Scope: scope}
	return func(c *Claims) error {
		raw, ok := memberValue(c.raw, "scope")
		if !ok || len(raw) < 2 || raw[0] != '"' {
			return unmet
		}
		var v string
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			return unmet
		}
		if slices.Contains(strings.Split(v, " "), scope) {
			return nil
		}
		return unmet
	}
}
