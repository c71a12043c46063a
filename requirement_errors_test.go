package tokengate_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// TestRequirementErrors: whatever a requirement's error wraps besides, a
// request whose token is valid gets 403 insufficient_scope when the
// requirement is unmet, and 503 when it could not decide; never the 401 or
// 400 of an error it happens to carry (another Middleware's answer,
// ErrNoToken, ErrInvalidRequest). The decision hook reports the sentinel
// that gave the status. Through Handler with WithRequirements, through
// Require behind Handler, and through Require alone.
func TestRequirementErrors(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	keys := tokengate.WithIssuer(iss.URL(), tokengate.PublicKey(jwa.ES256, iss.PublicKey()))
	other := newMiddleware(t, keys)
	_, otherErr := other.Verify(context.Background(), iss.Token(tokengate.Claims{ExpiresAt: time.Now().Add(-time.Hour)}))
	require.ErrorIs(t, otherErr, tokengate.ErrExpired)
	otherDown := &tokengate.Error{Status: http.StatusServiceUnavailable, Err: fmt.Errorf("%w: JWKS down", tokengate.ErrKeysUnavailable)}

	tests := []struct {
		name   string
		err    error
		status int
		cause  error
	}{
		{"another Middleware's 401", fmt.Errorf("second token: %w", otherErr), 403, tokengate.ErrForbidden},
		{"ErrNoToken", fmt.Errorf("no second token: %w", tokengate.ErrNoToken), 403, tokengate.ErrForbidden},
		{"ErrInvalidRequest", fmt.Errorf("bad header: %w", tokengate.ErrInvalidRequest), 403, tokengate.ErrForbidden},
		{"a plain error", errors.New("not on the list"), 403, tokengate.ErrForbidden},
		{"ErrUnavailable", fmt.Errorf("list down: %w", tokengate.ErrUnavailable), 503, tokengate.ErrUnavailable},
		{"another Middleware's 503", otherDown, 503, tokengate.ErrKeysUnavailable},
	}
	req := func(err error) tokengate.Requirement {
		return tokengate.RequirementFunc(func(context.Context, *tokengate.Claims) error { return err })
	}
	for _, tt := range tests {
		for _, rt := range []struct {
			name string
			make func(r tokengate.Requirement, hook tokengate.Option) func(http.Handler) http.Handler
		}{
			{"WithRequirements", func(r tokengate.Requirement, hook tokengate.Option) func(http.Handler) http.Handler {
				return newMiddleware(t, keys, tokengate.WithRequirements(r), hook).Handler
			}},
			{"Require behind Handler", func(r tokengate.Requirement, hook tokengate.Option) func(http.Handler) http.Handler {
				m := newMiddleware(t, keys, hook)
				return func(next http.Handler) http.Handler { return m.Handler(m.Require(r)(next)) }
			}},
			{"Require alone", func(r tokengate.Requirement, hook tokengate.Option) func(http.Handler) http.Handler {
				return newMiddleware(t, keys, hook).Require(r)
			}},
			{"inside AllOf", func(r tokengate.Requirement, hook tokengate.Option) func(http.Handler) http.Handler {
				return newMiddleware(t, keys, hook).Require(tokengate.AllOf(tokengate.AllOf(r)))
			}},
		} {
			t.Run(tt.name+"/"+rt.name, func(t *testing.T) {
				var decisions []tokengate.Decision
				hook := tokengate.WithDecisionHook(func(d tokengate.Decision) { decisions = append(decisions, d) })
				res := serve(rt.make(req(tt.err), hook), bearer(iss.Token(tokengate.Claims{})))
				assert.Equal(t, tt.status, res.status)
				assert.False(t, res.reached)
				if tt.status == 403 {
					assert.Contains(t, res.www, `error="insufficient_scope"`)
				} else {
					assert.NotContains(t, res.www, "invalid_token")
				}
				require.NotEmpty(t, decisions)
				last := decisions[len(decisions)-1]
				assert.Equal(t, tt.status, last.Status)
				assert.Equal(t, tt.cause, last.Err)
			})
		}
	}
}
