package tokengate_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestScope: Scope through Handler and Require, with scopes from "scope"
// (space-separated) or "scp" (an array or a string). A failure's
// WWW-Authenticate names the route's scopes, never the token's.
func TestScope(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
	tok := func(name string, v any) string {
		return iss.Token(tokengate.Claims{}, tokengatetest.WithClaim(name, v))
	}
	const need = `Bearer realm="api", error="insufficient_scope", scope="read:orders write:orders"`
	tests := []struct {
		name   string
		tok    string
		req    tokengate.Requirement
		status int
		www    string
	}{
		{"scope holds both", tok("scope", "openid read:orders write:orders"), tokengate.Scope("read:orders", "write:orders"), 200, ""},
		{"scope holds one", tok("scope", "read:orders"), tokengate.Scope("read:orders", "write:orders"), 403, need},
		{"a prefix is not a scope", tok("scope", "read:orders:all write:orders"), tokengate.Scope("read:orders", "write:orders"), 403, need},
		{"a longer scope is not it", tok("scope", "read write"), tokengate.Scope("read:orders", "write:orders"), 403, need},
		{"case matters", tok("scope", "READ:ORDERS write:orders"), tokengate.Scope("read:orders", "write:orders"), 403, need},
		{"extra spaces", tok("scope", "  read:orders   write:orders "), tokengate.Scope("read:orders", "write:orders"), 200, ""},
		{"scp array", tok("scp", []string{"read:orders", "write:orders"}), tokengate.Scope("read:orders", "write:orders"), 200, ""},
		{"scp array short", tok("scp", []string{"read:orders"}), tokengate.Scope("read:orders", "write:orders"), 403, need},
		{"scp string", tok("scp", "write:orders read:orders"), tokengate.Scope("read:orders", "write:orders"), 200, ""},
		{"no scopes", iss.Token(tokengate.Claims{}), tokengate.Scope("read:orders"), 403, `Bearer realm="api", error="insufficient_scope", scope="read:orders"`},
		{"scope of the wrong type", tok("scope", []string{"read:orders"}), tokengate.Scope("read:orders"), 401, `Bearer realm="api", error="invalid_token"`},
		{"inside AllOf: the unmet one's scopes", tok("scope", "read:orders"), tokengate.AllOf(tokengate.Scope("read:orders"), tokengate.Scope("write:orders")), 403,
			`Bearer realm="api", error="insufficient_scope", scope="write:orders"`},
		{"AnyOf names no scope", tok("scope", "x"), tokengate.AnyOf(tokengate.Scope("a"), tokengate.Scope("b")), 403,
			`Bearer realm="api", error="insufficient_scope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(func(h http.Handler) http.Handler { return m.Handler(m.Require(tt.req)(h)) }, bearer(tt.tok))
			assert.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.www, res.www)
			assert.NotContains(t, res.body, "orders", "the body names no scope")
		})
	}
}

// TestScopeAttributeInjection: a custom requirement's UnmetError.Scope
// reaches the header only as a well-formed scope list.
func TestScopeAttributeInjection(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
	for _, bad := range []string{`a", error="x`, "a\r\nSet-Cookie: x=1", "a  b", " a", "é"} {
		req := tokengate.RequirementFunc(func(context.Context, *tokengate.Claims) error {
			return &tokengate.UnmetError{Kind: "scope", Scope: bad}
		})
		res := serve(m.Require(req), bearer(iss.Token(tokengate.Claims{})))
		assert.Equal(t, 403, res.status)
		assert.Equal(t, `Bearer realm="api", error="insufficient_scope"`, res.www, "scope %q", bad)
	}
}

func TestScopeInvalid(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
	for _, bad := range [][]string{nil, {""}, {"a b"}, {`a"`}, {`a\`}, {"é"}} {
		assert.Panics(t, func() { m.Require(tokengate.Scope(bad...)) }, "%q", bad)
	}
}
