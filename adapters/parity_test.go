// Package adapters_test runs one table of requests through net/http, Echo
// and Gin and checks that all three answer alike.
package adapters_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/echogate"
	"github.com/tokengate/tokengate/adapters/gingate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// server is one framework's app: GET /me behind the middleware, GET /gated
// behind the middleware and a requirement, GET /alone behind the
// requirement only. reached counts the requests that got to a handler.
type server struct {
	name    string
	url     string
	reached *atomic.Int64
}

func hello(sub string) string { return "hello " + sub }

func frameworks(t *testing.T, m *tokengate.Middleware, req tokengate.Requirement) []server {
	t.Helper()
	gin.SetMode(gin.TestMode)
	var out []server
	add := func(name string, h http.Handler, n *atomic.Int64) {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		out = append(out, server{name, s.URL, n})
	}

	// net/http
	n1 := new(atomic.Int64)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n1.Add(1)
		c, _ := tokengate.ClaimsFromContext(r.Context())
		_, _ = io.WriteString(w, hello(c.Subject))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /me", m.Handler(h))
	mux.Handle("GET /gated", m.Handler(m.Require(req)(h)))
	mux.Handle("GET /alone", m.Require(req)(h))
	add("net/http", mux, n1)

	// Echo
	n2 := new(atomic.Int64)
	e := echo.New()
	eh := func(c echo.Context) error {
		n2.Add(1)
		claims, ok := echogate.Claims(c)
		ctxClaims, ok2 := tokengate.ClaimsFromContext(c.Request().Context())
		if !ok || !ok2 || claims != ctxClaims {
			return errors.New("claims missing")
		}
		return c.String(http.StatusOK, hello(claims.Subject))
	}
	g := e.Group("", echogate.Middleware(m))
	g.GET("/me", eh)
	g.GET("/gated", eh, echogate.Require(m, req))
	e.GET("/alone", eh, echogate.Require(m, req))
	add("echo", e, n2)

	// Gin
	n3 := new(atomic.Int64)
	r := gin.New()
	gh := func(c *gin.Context) {
		n3.Add(1)
		claims, ok := gingate.Claims(c)
		ctxClaims, ok2 := tokengate.ClaimsFromContext(c.Request.Context())
		if !ok || !ok2 || claims != ctxClaims {
			c.String(http.StatusInternalServerError, "claims missing")
			return
		}
		c.String(http.StatusOK, hello(claims.Subject))
	}
	gg := r.Group("/", gingate.Middleware(m))
	gg.GET("/me", gh)
	gg.GET("/gated", gingate.Require(m, req), gh)
	r.GET("/alone", gingate.Require(m, req), gh)
	add("gin", r, n3)
	return out
}

type answer struct {
	status                               int
	www, retryAfter, cacheControl, ctype string
	nonce                                string // DPoP-Nonce
	body                                 string
}

func do(t *testing.T, url string, header http.Header) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header = header.Clone()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, www: resp.Header.Get("WWW-Authenticate"), body: string(body),
		retryAfter: resp.Header.Get("Retry-After"), nonce: resp.Header.Get("DPoP-Nonce")}
	if resp.StatusCode != http.StatusOK { // success bodies are each framework's own
		a.cacheControl, a.ctype = resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type")
	}
	return a
}

func TestParity(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())), tokengate.WithAudience("app"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	apps := frameworks(t, m, tokengate.TokenID("42"))

	aud := []string{"app"}
	holder := iss.Token(tokengate.Claims{Subject: "alice", Audience: aud, TokenIDs: []string{"42"}})
	other := iss.Token(tokengate.Claims{Subject: "bob", Audience: aud, TokenIDs: []string{"7"}})
	expired := iss.Token(tokengate.Claims{Subject: "alice", Audience: aud, TokenIDs: []string{"42"},
		IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})
	wrongAud := iss.Token(tokengate.Claims{Subject: "alice", Audience: []string{"other"}})
	bearer := func(toks ...string) http.Header {
		h := http.Header{}
		for _, tok := range toks {
			h.Add("Authorization", "Bearer "+tok)
		}
		return h
	}

	const (
		noCode       = `Bearer realm="api"`
		invalidReq   = `Bearer realm="api", error="invalid_request"`
		invalidToken = `Bearer realm="api", error="invalid_token"`
		scope        = `Bearer realm="api", error="insufficient_scope"`
	)
	tests := []struct {
		name    string
		path    string
		header  http.Header
		status  int
		www     string
		reached bool
	}{
		{"no token", "/me", http.Header{}, 401, noCode, false},
		{"bad scheme", "/me", http.Header{"Authorization": {"Basic dXNlcjpwYXNz"}}, 401, noCode, false},
		{"two headers", "/me", bearer(holder, holder), 400, invalidReq, false},
		{"empty bearer", "/me", http.Header{"Authorization": {"Bearer "}}, 400, invalidReq, false},
		{"expired", "/me", bearer(expired), 401, invalidToken, false},
		{"wrong aud", "/me", bearer(wrongAud), 401, invalidToken, false},
		{"bad signature", "/me", bearer(holder[:len(holder)-2] + "AA"), 401, invalidToken, false},
		{"valid", "/me", bearer(holder), 200, "", true},
		{"gated out", "/gated", bearer(other), 403, scope, false},
		{"gated in", "/gated", bearer(holder), 200, "", true},
		{"gated, bad token", "/gated", bearer(expired), 401, invalidToken, false},
		{"gated, no token", "/gated", http.Header{}, 401, noCode, false},
		{"require alone, in", "/alone", bearer(holder), 200, "", true},
		{"require alone, out", "/alone", bearer(other), 403, scope, false},
		{"require alone, no token", "/alone", http.Header{}, 401, noCode, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var first answer
			for i, app := range apps {
				before := app.reached.Load()
				got := do(t, app.url+tt.path, tt.header)
				assert.Equal(t, tt.status, got.status, app.name)
				assert.Equal(t, tt.www, got.www, app.name)
				assert.Equal(t, tt.reached, app.reached.Load() == before+1, "%s: handler reached", app.name)
				assert.Equal(t, before+map[bool]int64{true: 1, false: 0}[tt.reached], app.reached.Load(), "%s: handler count", app.name)
				if tt.status == 200 {
					assert.Contains(t, got.body, "hello ", app.name)
				} else {
					assert.Equal(t, "application/json", got.ctype, app.name)
					assert.Equal(t, "no-store", got.cacheControl, app.name)
					assert.NotContains(t, got.body, holder[:30], app.name)
				}
				if i == 0 {
					first = got
					continue
				}
				if tt.status != 200 {
					assert.Equal(t, first, got, "%s answers unlike %s", app.name, apps[0].name)
				}
			}
		})
	}
}

// TestParityKeysUnavailable: a JWKS that is down gives the same 503 with
// Retry-After everywhere, and no handler runs.
func TestParityKeysUnavailable(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	t.Cleanup(down.Close)
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(down.URL, tokengate.JWKSWait(100*time.Millisecond))))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	var first answer
	for i, app := range frameworks(t, m, tokengate.TokenID("42")) {
		got := do(t, app.url+"/me", http.Header{"Authorization": {"Bearer " + iss.Token(tokengate.Claims{})}})
		assert.Equal(t, 503, got.status, app.name)
		assert.Equal(t, "", got.www, app.name)
		assert.Equal(t, "5", got.retryAfter, app.name)
		assert.Equal(t, int64(0), app.reached.Load(), app.name)
		if i == 0 {
			first = got
		} else {
			assert.Equal(t, first, got, app.name)
		}
	}
}

// TestEchoErrorHandlerInCharge: an app's own Echo HTTPErrorHandler receives
// the refusal and finds the *tokengate.Error in it.
func TestEchoErrorHandlerInCharge(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	e := echo.New()
	var logged string // what Echo's logger middleware would print of err
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		logged = err.Error()
		var te *tokengate.Error
		if errors.As(err, &te) {
			_ = c.String(te.Status, fmt.Sprintf("custom %d %s", te.Status, te.Code))
			return
		}
		_ = c.String(500, "unexpected")
	}
	e.GET("/", func(c echo.Context) error { return c.String(200, "ok") }, echogate.Middleware(m))
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer a.b.c")
	e.ServeHTTP(rec, r)
	assert.Equal(t, 401, rec.Code)
	assert.Equal(t, "custom 401 invalid_token", rec.Body.String())
	assert.Equal(t, `Bearer realm="api", error="invalid_token"`, rec.Header().Get("WWW-Authenticate"))
	assert.Contains(t, logged, `message={"error":"invalid_token"`, "the error's text shows the answer as JSON text")
	assert.NotContains(t, logged, "a.b.c", "nor the token")
}

// TestGinRecordsError: the refusal is recorded with c.Error for Gin's error
// middleware.
func TestGinRecordsError(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	gin.SetMode(gin.TestMode)
	r := gin.New()
	var recorded []error
	r.Use(func(c *gin.Context) {
		c.Next()
		for _, e := range c.Errors {
			recorded = append(recorded, e.Err)
		}
	})
	r.GET("/", gingate.Middleware(m), func(c *gin.Context) { c.String(200, "ok") })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, 401, rec.Code)
	require.Len(t, recorded, 1)
	assert.ErrorIs(t, recorded[0], tokengate.ErrNoToken)
}

// TestAdaptersCredentialsOptional: without a token the handler runs with no
// claims; a bad token is still refused.
func TestAdaptersCredentialsOptional(t *testing.T) {
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())), tokengate.WithCredentialsOptional())
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	gin.SetMode(gin.TestMode)
	e := echo.New()
	e.GET("/", func(c echo.Context) error {
		_, ok := echogate.Claims(c)
		return c.String(200, fmt.Sprint(ok))
	}, echogate.Middleware(m))
	r := gin.New()
	r.GET("/", gingate.Middleware(m), func(c *gin.Context) {
		_, ok := gingate.Claims(c)
		c.String(200, fmt.Sprint(ok))
	})
	for name, h := range map[string]http.Handler{"echo": e, "gin": r} {
		t.Run(name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			assert.Equal(t, 200, rec.Code)
			assert.Equal(t, "false", rec.Body.String())

			rec = httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", "Bearer "+iss.Token(tokengate.Claims{}))
			h.ServeHTTP(rec, req)
			assert.Equal(t, "true", rec.Body.String())

			rec = httptest.NewRecorder()
			req = httptest.NewRequest("GET", "/", nil)
			req.Header.Set("Authorization", "Bearer a.b.c")
			h.ServeHTTP(rec, req)
			assert.Equal(t, 401, rec.Code)
		})
	}
}

// TestAdaptersRequirePanicsOnInvalid: invalid requirements show when the
// route is built.
func TestAdaptersRequirePanicsOnInvalid(t *testing.T) {
	m, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret(make([]byte, 32))))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	assert.Panics(t, func() { echogate.Require(m, tokengate.MinBalance("x")) })
	assert.Panics(t, func() { gingate.Require(m, tokengate.Chain()) })
}
