package tokengate_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
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
)

// Fake issuers that publish no keys: Picket's validate call and an RFC 7662
// introspection endpoint, each a real httptest server that counts its calls.

const (
	picketIssuer   = "picketapi.com"
	picketSecret   = "sk_test_0123456789abcdef"
	oauthIssuer    = "https://auth.example"
	oauthClientID  = "resource server"
	oauthSecret    = "s3cr:et&="
	remoteAudience = "project-1"
)

// fakeIssuer answers validation calls. Tokens it issued (valid) are
// answered with their claims; any other token is refused the dialect's way.
// respond, when set, answers instead (failures, odd answers).
type fakeIssuer struct {
	picket bool
	srv    *httptest.Server
	calls  atomic.Int64

	mu      sync.Mutex
	valid   map[string]map[string]any // token → claims
	respond func(w http.ResponseWriter, r *http.Request, token string)
	last    fakeRequest
}

// fakeRequest is what the fake issuer saw of the last call.
type fakeRequest struct {
	method, path, ctype, auth string
	body                      []byte
}

func newFakeIssuer(t *testing.T, picket bool) *fakeIssuer {
	t.Helper()
	f := &fakeIssuer{picket: picket, valid: map[string]map[string]any{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// setRespond replaces the answers (nil restores the default).
func (f *fakeIssuer) setRespond(h func(w http.ResponseWriter, r *http.Request, token string)) {
	f.mu.Lock()
	f.respond = h
	f.mu.Unlock()
}

func (f *fakeIssuer) lastRequest() fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func (f *fakeIssuer) serve(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.last = fakeRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), body}
	respond := f.respond
	f.mu.Unlock()

	var token string
	if f.picket {
		var in struct {
			AccessToken string `json:"accessToken"`
		}
		_ = json.Unmarshal(body, &in)
		token = in.AccessToken
	} else {
		token = formValue(body, "token")
	}
	if respond != nil {
		respond(w, r, token)
		return
	}
	f.answer(w, r, token)
}

// answer is the issuer's own answer for token.
func (f *fakeIssuer) answer(w http.ResponseWriter, r *http.Request, token string) {
	user, pw, ok := r.BasicAuth()
	f.mu.Lock()
	claims, valid := f.valid[token]
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case f.picket && (!ok || user != picketSecret || pw != ""):
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"msg":"invalid secret key","code":"UNAUTHORIZED"}`)
	case !f.picket && (!ok || user != "resource+server" || pw != "s3cr%3Aet%26%3D"):
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_client"}`)
	case f.picket && !valid:
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"msg":"invalid access token","code":"INVALID_TOKEN"}`)
	case !f.picket && !valid:
		_, _ = io.WriteString(w, `{"active":false}`)
	case f.picket:
		_ = json.NewEncoder(w).Encode(claims)
	default:
		answer := map[string]any{"active": true, "scope": "read write", "client_id": "wallet-app", "token_type": "Bearer"}
		for k, v := range claims {
			answer[k] = v
		}
		_ = json.NewEncoder(w).Encode(answer)
	}
}

func formValue(body []byte, name string) string {
	v, _ := url.ParseQuery(string(body))
	return v.Get(name)
}

// issue makes a token of this issuer, valid unless told otherwise, with
// claims over the defaults (iss, sub, aud, iat, exp in an hour, Picket's
// wallet claims). A nil value removes a claim.
func (f *fakeIssuer) issue(claims map[string]any) string {
	iss := oauthIssuer
	if f.picket {
		iss = picketIssuer
	}
	now := time.Now()
	c := map[string]any{
		"iss": iss, "sub": "alice", "aud": remoteAudience, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"tid": randomID(), "chain": "ethereum", "walletAddress": "0xAbC0000000000000000000000000000000000001",
		"displayAddress": "alice.eth", "contractAddress": "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D",
		"tokenBalance": "0.5", "tokenIds": []string{"42"},
	}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok := jwtShaped(c)
	f.mu.Lock()
	f.valid[tok] = c
	f.mu.Unlock()
	return tok
}

// jwtShaped is a compact JWS with claims as payload and a random signature:
// a token whose signature only its issuer can check.
func jwtShaped(claims map[string]any) string {
	p, err := json.Marshal(claims)
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	_, _ = rand.Read(sig)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"ES256","typ":"JWT"}`)) + "." + enc(p) + "." + enc(sig)
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// remoteKind is one dialect under test.
type remoteKind struct {
	name   string
	picket bool
	iss    string
}

var remoteKinds = []remoteKind{{"Picket", true, picketIssuer}, {"RFC 7662", false, oauthIssuer}}

// source is the key source a user would configure for f.
func (f *fakeIssuer) source(opts ...tokengate.RemoteOption) tokengate.KeySource {
	if f.picket {
		return tokengate.PicketValidate(picketSecret, append([]tokengate.RemoteOption{tokengate.RemoteURL(f.srv.URL + "/api/v1/auth/validate")}, opts...)...)
	}
	return tokengate.Introspect(f.srv.URL+"/oauth/introspect", append([]tokengate.RemoteOption{tokengate.RemoteBasicAuth(oauthClientID, oauthSecret)}, opts...)...)
}

// remoteSetup is a fake issuer and a Middleware bound to it.
func remoteSetup(t *testing.T, k remoteKind, ropts []tokengate.RemoteOption, opts ...tokengate.Option) (*fakeIssuer, *tokengate.Middleware) {
	t.Helper()
	f := newFakeIssuer(t, k.picket)
	m := newMiddleware(t, append([]tokengate.Option{tokengate.WithIssuer(k.iss, f.source(ropts...)),
		tokengate.WithAudience(remoteAudience)}, opts...)...)
	return f, m
}

// app is one framework's router: GET /me (typed claims as text) behind the
// middleware, GET /holders also behind TokenID("42").
type app struct {
	name string
	h    http.Handler
}

func describe(c *tokengate.Claims) string {
	return fmt.Sprintf("%s %s %s %s %v %s", c.Issuer, c.Subject, c.WalletAddress, c.Chain, c.TokenIDs, c.TokenBalance.FloatString(2))
}

func remoteApps(m *tokengate.Middleware) []app {
	gin.SetMode(gin.TestMode)
	holders := tokengate.TokenID("42")

	me := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tokengate.ClaimsFromContext(r.Context())
		_, _ = io.WriteString(w, describe(c))
	})
	mux := http.NewServeMux()
	mux.Handle("GET /me", m.Handler(me))
	mux.Handle("GET /holders", m.Handler(m.Require(holders)(me)))

	e := echo.New()
	eh := func(c echo.Context) error {
		claims, _ := echogate.Claims(c)
		return c.String(http.StatusOK, describe(claims))
	}
	g := e.Group("", echogate.Middleware(m))
	g.GET("/me", eh)
	g.GET("/holders", eh, echogate.Require(m, holders))

	r := gin.New()
	gh := func(c *gin.Context) {
		claims, _ := gingate.Claims(c)
		c.String(http.StatusOK, describe(claims))
	}
	gg := r.Group("/", gingate.Middleware(m))
	gg.GET("/me", gh)
	gg.GET("/holders", gingate.Require(m, holders), gh)

	return []app{{"net/http", mux}, {"echo", e}, {"gin", r}}
}

func get(h http.Handler, path, token string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// TestRemoteEndToEnd (acceptance 1): tokens validated by a fake Picket and a
// fake RFC 7662 server protect routes through net/http, Echo and Gin with
// typed claims and a TokenID("42") requirement, and answer as tokens
// verified with local keys do.
func TestRemoteEndToEnd(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			f, m := remoteSetup(t, k, nil)
			holder := f.issue(nil)
			other := f.issue(map[string]any{"sub": "bob", "tokenIds": []string{"7"}, "tokenBalance": "0"})
			forged := jwtShaped(map[string]any{"iss": k.iss, "sub": "mallory", "aud": remoteAudience,
				"exp": time.Now().Add(time.Hour).Unix(), "tokenIds": "42"})
			tests := []struct {
				name, path, token string
				status            int
				body, www         string
			}{
				{"holder, me", "/me", holder, 200, k.iss + " alice 0xAbC0000000000000000000000000000000000001 ethereum [42] 0.50", ""},
				{"holder, gated", "/holders", holder, 200, k.iss + " alice 0xAbC0000000000000000000000000000000000001 ethereum [42] 0.50", ""},
				{"non-holder, me", "/me", other, 200, k.iss + " bob 0xAbC0000000000000000000000000000000000001 ethereum [7] 0.00", ""},
				{"non-holder, gated", "/holders", other, 403, `"insufficient_scope"`, `Bearer realm="api", error="insufficient_scope"`},
				{"token the issuer refuses", "/me", forged, 401, `"invalid_token"`, `Bearer realm="api", error="invalid_token"`},
				{"no token", "/me", "", 401, `"unauthorized"`, `Bearer realm="api"`},
			}
			for _, a := range remoteApps(m) {
				for _, tt := range tests {
					t.Run(a.name+"/"+tt.name, func(t *testing.T) {
						rec := get(a.h, tt.path, tt.token)
						assert.Equal(t, tt.status, rec.Code)
						assert.Contains(t, rec.Body.String(), tt.body)
						assert.Equal(t, tt.www, rec.Header().Get("WWW-Authenticate"))
					})
				}
			}
			// Three frameworks, two routes each: one call per token.
			assert.Equal(t, int64(3), f.calls.Load(), "upstream calls")
		})
	}
}

// TestRemoteRequestFormat: what goes over the wire is the dialect's call,
// with the token in the body only, and the configured credentials.
func TestRemoteRequestFormat(t *testing.T) {
	t.Run("Picket", func(t *testing.T) {
		f, m := remoteSetup(t, remoteKinds[0], nil)
		tok := f.issue(nil)
		_, err := m.Verify(t.Context(), tok)
		require.NoError(t, err)
		req := f.lastRequest()
		assert.Equal(t, http.MethodPost, req.method)
		assert.Equal(t, "/api/v1/auth/validate", req.path)
		assert.Equal(t, "application/json", req.ctype)
		assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(picketSecret+":")), req.auth)
		assert.JSONEq(t, `{"accessToken":"`+tok+`"}`, string(req.body))
	})
	t.Run("RFC 7662, Basic", func(t *testing.T) {
		f, m := remoteSetup(t, remoteKinds[1], nil)
		tok := f.issue(nil)
		_, err := m.Verify(t.Context(), tok)
		require.NoError(t, err)
		req := f.lastRequest()
		assert.Equal(t, http.MethodPost, req.method)
		assert.Equal(t, "/oauth/introspect", req.path)
		assert.Equal(t, "application/x-www-form-urlencoded", req.ctype)
		// RFC 6749 §2.3.1: id and secret are form-encoded, then Basic.
		assert.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("resource+server:s3cr%3Aet%26%3D")), req.auth)
		assert.Equal(t, tok, formValue(req.body, "token"))
		assert.Equal(t, "access_token", formValue(req.body, "token_type_hint"))
	})
	t.Run("RFC 7662, Bearer", func(t *testing.T) {
		f := newFakeIssuer(t, false)
		var auth atomic.Value
		f.setRespond(func(w http.ResponseWriter, r *http.Request, _ string) {
			auth.Store(r.Header.Get("Authorization"))
			_, _ = io.WriteString(w, `{"active":false}`)
		})
		m := newMiddleware(t, tokengate.WithIssuer(oauthIssuer, tokengate.Introspect(f.srv.URL, tokengate.RemoteBearer("rs-access-token"))))
		_, err := m.Verify(t.Context(), f.issue(nil))
		require.ErrorIs(t, err, tokengate.ErrSignature)
		assert.Equal(t, "Bearer rs-access-token", auth.Load())
	})
}

// TestRemoteClaims: the answer's claims become Claims as a verified payload
// does, with the decisions on iss, exp and Decode.
func TestRemoteClaims(t *testing.T) {
	t.Run("introspection answer without exp takes the token's", func(t *testing.T) {
		f, m := remoteSetup(t, remoteKinds[1], nil)
		exp := time.Now().Add(30 * time.Minute).Truncate(time.Second)
		tok := f.issue(map[string]any{"exp": exp.Unix()})
		f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ string) {
			_, _ = io.WriteString(w, `{"active":true,"sub":"alice","aud":"project-1","scope":"read"}`)
		})
		c, err := m.Verify(t.Context(), tok)
		require.NoError(t, err)
		assert.Equal(t, exp.UTC(), c.ExpiresAt)
		assert.Equal(t, oauthIssuer, c.Issuer, "no iss in the answer: the token's")
		var extra struct {
			Scope  string `json:"scope"`
			Active bool   `json:"active"`
		}
		require.NoError(t, c.Decode(&extra))
		assert.Equal(t, "read", extra.Scope)
		assert.True(t, extra.Active)
	})
	t.Run("answer's exp wins over the token's", func(t *testing.T) {
		f, m := remoteSetup(t, remoteKinds[1], nil)
		exp := time.Now().Add(10 * time.Minute).Truncate(time.Second)
		f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ string) {
			fmt.Fprintf(w, `{"active":true,"aud":"project-1","exp":%d}`, exp.Unix())
		})
		c, err := m.Verify(t.Context(), f.issue(nil))
		require.NoError(t, err)
		assert.Equal(t, exp.UTC(), c.ExpiresAt)
	})
	t.Run("Picket answer without exp is refused", func(t *testing.T) {
		f, m := remoteSetup(t, remoteKinds[0], nil)
		f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ string) {
			_, _ = io.WriteString(w, `{"sub":"alice","aud":"project-1"}`)
		})
		_, err := m.Verify(t.Context(), f.issue(nil))
		require.ErrorIs(t, err, tokengate.ErrMalformed)
	})
	t.Run("typed claims and provider claims", func(t *testing.T) {
		f, m := remoteSetup(t, remoteKinds[0], nil)
		c, err := m.Verify(t.Context(), f.issue(map[string]any{"tid": "t-1", "email": "a@example.com"}))
		require.NoError(t, err)
		assert.Equal(t, "t-1", c.ID)
		assert.Equal(t, "a@example.com", c.Email)
		assert.Equal(t, []string{remoteAudience}, c.Audience)
		var extra struct {
			DisplayAddress string `json:"displayAddress"`
		}
		require.NoError(t, c.Decode(&extra))
		assert.Equal(t, "alice.eth", extra.DisplayAddress)
	})
	t.Run("WithKeys", func(t *testing.T) {
		f := newFakeIssuer(t, true)
		m := newMiddleware(t, tokengate.WithKeys(f.source()), tokengate.WithAudience(remoteAudience))
		c, err := m.Verify(t.Context(), f.issue(map[string]any{"iss": "https://any.example"}))
		require.NoError(t, err)
		assert.Equal(t, "https://any.example", c.Issuer)
	})
	t.Run("local checks still apply", func(t *testing.T) {
		for _, k := range remoteKinds {
			t.Run(k.name, func(t *testing.T) {
				f, m := remoteSetup(t, k, nil, tokengate.WithSingleUse(tokengate.NewMemoryStore()),
					tokengate.WithRequirements(tokengate.Chain("ethereum")))
				tok := f.issue(nil)
				_, err := m.Verify(t.Context(), tok)
				require.NoError(t, err)
				_, err = m.Verify(t.Context(), tok)
				assert.ErrorIs(t, err, tokengate.ErrReplayed, "single use")
				_, err = m.Verify(t.Context(), f.issue(map[string]any{"aud": "other-project"}))
				assert.ErrorIs(t, err, tokengate.ErrAudience, "the issuer says valid, the audience is not ours")
				_, err = m.Verify(t.Context(), f.issue(map[string]any{"chain": "solana"}))
				assert.ErrorIs(t, err, tokengate.ErrForbidden, "global requirement")
				_, err = m.Verify(t.Context(), f.issue(map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}))
				assert.ErrorIs(t, err, tokengate.ErrNotYetValid)
			})
		}
	})
}

// TestRemoteConfig: New refuses invalid remote sources, wrapping ErrConfig.
func TestRemoteConfig(t *testing.T) {
	const u = "https://auth.example/introspect"
	tests := []struct {
		name string
		keys tokengate.KeySource
	}{
		{"empty url", tokengate.Introspect("")},
		{"relative url", tokengate.Introspect("/introspect")},
		{"ftp url", tokengate.Introspect("ftp://auth.example/x")},
		{"bad RemoteURL", tokengate.PicketValidate(picketSecret, tokengate.RemoteURL("picketapi.com/validate"))},
		{"empty secret key", tokengate.PicketValidate("")},
		{"secret key with a newline", tokengate.PicketValidate(picketSecret + "\n")},
		{"secret key with a colon", tokengate.PicketValidate("sk:x")},
		{"Picket with RemoteBasicAuth", tokengate.PicketValidate(picketSecret, tokengate.RemoteBasicAuth("id", "s"))},
		{"Picket with RemoteBearer", tokengate.PicketValidate(picketSecret, tokengate.RemoteBearer("t"))},
		{"nil option", tokengate.Introspect(u, nil)},
		{"nil client", tokengate.Introspect(u, tokengate.RemoteClient(nil))},
		{"zero timeout", tokengate.Introspect(u, tokengate.RemoteTimeout(0))},
		{"negative TTL", tokengate.Introspect(u, tokengate.RemoteCacheTTL(-time.Second))},
		{"negative negative TTL", tokengate.Introspect(u, tokengate.RemoteNegativeTTL(-time.Second))},
		{"zero cache size", tokengate.Introspect(u, tokengate.RemoteCacheSize(0))},
		{"empty client id", tokengate.Introspect(u, tokengate.RemoteBasicAuth("", "s"))},
		{"empty client secret", tokengate.Introspect(u, tokengate.RemoteBasicAuth("id", ""))},
		{"empty bearer", tokengate.Introspect(u, tokengate.RemoteBearer(""))},
		{"bearer with a space", tokengate.Introspect(u, tokengate.RemoteBearer("a b"))},
		{"two credentials", tokengate.Introspect(u, tokengate.RemoteBasicAuth("id", "s"), tokengate.RemoteBearer("t"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tokengate.New(tokengate.WithIssuer(oauthIssuer, tt.keys))
			require.ErrorIs(t, err, tokengate.ErrConfig)
			assert.Nil(t, m)
		})
	}
	t.Run("valid", func(t *testing.T) {
		for _, keys := range []tokengate.KeySource{
			tokengate.PicketValidate(picketSecret),
			tokengate.Introspect(u, tokengate.RemoteBasicAuth("id", "s"), tokengate.RemoteTimeout(time.Second),
				tokengate.RemoteCacheTTL(0), tokengate.RemoteNegativeTTL(0), tokengate.RemoteCacheSize(1),
				tokengate.RemoteClient(&http.Client{})),
		} {
			m, err := tokengate.New(tokengate.WithIssuer(oauthIssuer, keys))
			require.NoError(t, err)
			require.NoError(t, m.Close())
		}
	})
}
