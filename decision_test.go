package tokengate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// decisions records what a decision hook receives.
type decisions struct{ recorder[tokengate.Decision] }

// TestDecisionHook: every outcome of the response table reaches the hook
// exactly once, with its status, code, sentinel, issuer and cache flag, and
// never the token; concurrent requests (run with -race) each report once.
func TestDecisionHook(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	other := newIssuer(t, jwa.ES256)
	var rec decisions
	hook := tokengate.WithDecisionHook(rec.hook)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithAudience("app"), tokengate.WithCache(64), hook)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(500) }))
	t.Cleanup(down.Close)
	mDown := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(down.URL, tokengate.JWKSWait(100*time.Millisecond))), hook)
	good := iss.Token(tokengate.Claims{Audience: []string{"app"}, TokenIDs: []string{"7"}})
	twoHeaders := bearer(good)
	twoHeaders.Header.Add("Authorization", "Bearer "+good)

	tests := []struct {
		name   string
		chain  func(http.Handler) http.Handler
		req    *http.Request
		want   tokengate.Decision
		hidden string // the hook must not see it
	}{
		{"valid", m.Handler, bearer(good), tokengate.Decision{Status: 200, Issuer: iss.URL()}, ""},
		{"valid again: the cache answers", m.Handler, bearer(good), tokengate.Decision{Status: 200, Issuer: iss.URL(), Cached: true}, ""},
		{"no token", m.Handler, httptest.NewRequest("GET", "/", nil), tokengate.Decision{Status: 401, Err: tokengate.ErrNoToken}, ""},
		{"two Authorization headers", m.Handler, twoHeaders,
			tokengate.Decision{Status: 400, Code: "invalid_request", Err: tokengate.ErrInvalidRequest}, ""},
		{"malformed token", m.Handler, bearer("abc.def"), tokengate.Decision{Status: 401, Code: "invalid_token", Err: tokengate.ErrMalformed}, ""},
		{"bad signature", m.Handler, bearer(good[:len(good)-4] + "AAAA"),
			tokengate.Decision{Status: 401, Code: "invalid_token", Err: tokengate.ErrSignature, Issuer: iss.URL()}, ""},
		{"expired", m.Handler, bearer(iss.Token(tokengate.Claims{Audience: []string{"app"}, IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})),
			tokengate.Decision{Status: 401, Code: "invalid_token", Err: tokengate.ErrExpired, Issuer: iss.URL()}, ""},
		{"an issuer not configured is never named", m.Handler, bearer(other.Token(tokengate.Claims{Audience: []string{"app"}})),
			tokengate.Decision{Status: 401, Code: "invalid_token", Err: tokengate.ErrIssuer}, other.URL()},
		{"wrong audience", m.Handler, bearer(iss.Token(tokengate.Claims{Audience: []string{"other"}})),
			tokengate.Decision{Status: 401, Code: "invalid_token", Err: tokengate.ErrAudience, Issuer: iss.URL()}, ""},
		{"unknown key", m.Handler, bearer(iss.Token(tokengate.Claims{Audience: []string{"app"}}, tokengatetest.WithHeader("kid", "nope"))),
			tokengate.Decision{Status: 401, Code: "invalid_token", Err: tokengate.ErrUnknownKey, Issuer: iss.URL()}, ""},
		{"requirement fails", m.Require(tokengate.TokenID("42")), bearer(good),
			tokengate.Decision{Status: 403, Code: "insufficient_scope", Err: tokengate.ErrForbidden, Issuer: iss.URL(), Cached: true}, ""},
		{"keys unavailable", mDown.Handler, bearer(good), tokengate.Decision{Status: 503, Err: tokengate.ErrKeysUnavailable, Issuer: iss.URL()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec.take()
			res := serve(tt.chain, tt.req)
			got := rec.take()
			require.Len(t, got, 1, "one decision per request")
			assert.Equal(t, tt.want.Status, res.status, "the answer")
			d := got[0]
			assert.Positive(t, d.Duration)
			d.Duration = 0
			assert.Equal(t, tt.want, d)
			if tt.hidden != "" {
				assert.NotContains(t, fmt.Sprintf("%+v", d), tt.hidden)
			}
			assert.NotContains(t, fmt.Sprintf("%+v", d), good[:20], "never the token")
		})
	}

	t.Run("concurrent requests, each once", func(t *testing.T) {
		rec.take()
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				tok := good
				if i%2 == 1 {
					tok = "abc.def"
				}
				serve(m.Handler, bearer(tok))
			})
		}
		wg.Wait()
		got := rec.take()
		require.Len(t, got, 64)
		byStatus := map[int]int{}
		for _, d := range got {
			byStatus[d.Status]++
		}
		assert.Equal(t, map[int]int{200: 32, 401: 32}, byStatus)
	})

	t.Run("Handler then Require: two decisions", func(t *testing.T) {
		rec.take()
		serve(func(h http.Handler) http.Handler { return m.Handler(m.Require(tokengate.TokenID("7"))(h)) }, bearer(good))
		got := rec.take()
		require.Len(t, got, 2)
		for _, d := range got {
			assert.Equal(t, iss.URL(), d.Issuer, "Require names the issuer of the claims Handler put in the context")
		}
	})

	t.Run("Require behind another Middleware's Handler", func(t *testing.T) {
		// The claims come from an issuer this Middleware does not know:
		// its name is not reported.
		outer := newMiddleware(t, tokengate.WithIssuer(other.URL(), keysOf(other)), tokengate.WithAudience("app"))
		rec.take()
		res := serve(func(h http.Handler) http.Handler { return outer.Handler(m.Require(tokengate.TokenID("7"))(h)) },
			bearer(other.Token(tokengate.Claims{Audience: []string{"app"}, TokenIDs: []string{"7"}})))
		assert.Equal(t, 200, res.status)
		got := rec.take()
		require.Len(t, got, 1)
		assert.Empty(t, got[0].Issuer)
	})
}

func TestDecisionHookConfig(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	for name, opts := range map[string][]tokengate.Option{
		"nil hook":    {tokengate.WithDecisionHook(nil)},
		"given twice": {tokengate.WithDecisionHook(func(tokengate.Decision) {}), tokengate.WithDecisionHook(func(tokengate.Decision) {})},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tokengate.New(append(opts, tokengate.WithIssuer(iss.URL(), keysOf(iss)))...)
			assert.ErrorIs(t, err, tokengate.ErrConfig)
		})
	}
}

// Count decisions by status and cause for metrics: the hook receives no
// token and no claim value.
func ExampleWithDecisionHook() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()

	var admitted, refused atomic.Int64
	var mu sync.Mutex
	causes := map[string]int{}
	m, err := tokengate.New(
		tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())),
		tokengate.WithDecisionHook(func(d tokengate.Decision) {
			if d.Err == nil {
				admitted.Add(1)
				return
			}
			refused.Add(1)
			mu.Lock()
			causes[fmt.Sprintf("%d %v", d.Status, d.Err)]++
			mu.Unlock()
		}),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	api := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, auth := range []string{"Bearer " + issuer.Token(tokengate.Claims{}), "", "Bearer not.a.token"} {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		api.ServeHTTP(httptest.NewRecorder(), r)
	}
	fmt.Println("admitted", admitted.Load(), "refused", refused.Load())
	for _, c := range []string{"401 tokengate: no token", "401 tokengate: malformed token"} {
		fmt.Println(c, causes[c])
	}
	// Output:
	// admitted 1 refused 2
	// 401 tokengate: no token 1
	// 401 tokengate: malformed token 1
}
