package tokengate_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

type ctxKey string

// verifiedClaims returns claims a Middleware verified.
func verifiedClaims(t *testing.T) *tokengate.Claims {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.PublicKey(jwa.ES256, iss.PublicKey())), tokengate.WithAudience("my-app-id"))
	c, err := m.Verify(context.Background(), iss.Token(picketClaims()))
	require.NoError(t, err)
	return c
}

// TestContextWithClaims: the context carries the claims and everything of
// its parent, whichever way it was made: verified claims handed to a first
// context, to a second one (which must leave the first as it was), and a
// copy of them.
func TestContextWithClaims(t *testing.T) {
	c := verifiedClaims(t)
	copied := *c
	deadline := time.Now().Add(time.Hour)
	parent := func(v string) (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		return context.WithValue(ctx, ctxKey("k"), v), cancel
	}
	p1, cancel1 := parent("first")
	p2, cancel2 := parent("second")
	p3, cancel3 := parent("copy")
	defer cancel3()
	tests := []struct {
		name   string
		ctx    context.Context
		cancel context.CancelFunc
		claims *tokengate.Claims
		value  string
	}{
		{"first context of verified claims", tokengate.ContextWithClaims(p1, c), cancel1, c, "first"},
		{"second context of the same claims", tokengate.ContextWithClaims(p2, c), cancel2, c, "second"},
		{"a copy of the claims", tokengate.ContextWithClaims(p3, &copied), cancel3, &copied, "copy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tokengate.ClaimsFromContext(tt.ctx)
			require.True(t, ok)
			assert.Same(t, tt.claims, got)
			assert.Equal(t, tt.value, tt.ctx.Value(ctxKey("k")), "the parent's values")
			d, ok := tt.ctx.Deadline()
			assert.True(t, ok)
			assert.Equal(t, deadline, d, "the parent's deadline")
			assert.NoError(t, tt.ctx.Err())
			child, cancelChild := context.WithCancel(tt.ctx)
			defer cancelChild()
			tt.cancel()
			select {
			case <-tt.ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the parent's cancellation did not reach the context")
			}
			<-child.Done() // a context made from it is cancelled with it
			assert.ErrorIs(t, tt.ctx.Err(), context.Canceled)
			assert.ErrorIs(t, context.Cause(child), context.Canceled)
			assert.Contains(t, fmt.Sprint(tt.ctx), "WithValue")
		})
	}
}

// TestContextWithClaimsNilParent: a nil parent panics at once, as with
// context.WithValue, for verified claims too, and does not use up their
// allocation's context: the next call still gets it.
func TestContextWithClaimsNilParent(t *testing.T) {
	c := verifiedClaims(t)
	for _, tt := range []struct {
		name   string
		claims *tokengate.Claims
	}{
		{"verified claims", c},
		{"claims built by hand", &tokengate.Claims{Subject: "u"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.PanicsWithValue(t, "tokengate: ContextWithClaims: nil parent context", func() {
				//lint:ignore SA1012 the nil parent is what is tested
				tokengate.ContextWithClaims(nil, tt.claims)
			})
		})
	}
	ctx := tokengate.ContextWithClaims(context.Background(), c)
	got, ok := tokengate.ClaimsFromContext(ctx)
	require.True(t, ok)
	assert.Same(t, c, got)
	assert.NotContains(t, fmt.Sprintf("%T", ctx), "valueCtx", "the claims' own context, not a context.WithValue")
}

// TestContextWithClaimsConcurrent: the same verified claims handed to
// contexts from many goroutines at once (-race in CI): each context keeps
// its own parent.
func TestContextWithClaimsConcurrent(t *testing.T) {
	c := verifiedClaims(t)
	const n = 16
	ctxs := make([]context.Context, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctxs[i] = tokengate.ContextWithClaims(context.WithValue(context.Background(), ctxKey("i"), i), c)
		})
	}
	wg.Wait()
	for i, ctx := range ctxs {
		got, ok := tokengate.ClaimsFromContext(ctx)
		require.True(t, ok)
		assert.Same(t, c, got)
		assert.Equal(t, i, ctx.Value(ctxKey("i")))
	}
}

// TestHandlerAllocations: a request with a cached token reaches its
// handler at the cost of two allocations, the claims (whose allocation is
// also the context that carries them) and the request's copy.
func TestHandlerAllocations(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.PublicKey(jwa.ES256, iss.PublicKey())),
		tokengate.WithAudience("my-app-id"), tokengate.WithCache(16))
	var got *tokengate.Claims
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = tokengate.ClaimsFromContext(r.Context())
		w.WriteHeader(http.StatusOK)
	}))
	req := bearer(iss.Token(picketClaims()))
	w := &discard{h: http.Header{}}
	h.ServeHTTP(w, req) // fills the cache
	require.Equal(t, http.StatusOK, w.status)
	allocs := testing.AllocsPerRun(100, func() { h.ServeHTTP(w, req) })
	require.NotNil(t, got)
	assert.Equal(t, picketClaims().Subject, got.Subject)
	assert.Equal(t, 2.0, allocs)
}
