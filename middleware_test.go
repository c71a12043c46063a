package tokengate_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestResponses checks each row of the RFC 6750 response table that the core
// produces, through Handler: status, WWW-Authenticate, Retry-After and body.
func TestResponses(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithAudience("app"))
	good := iss.Token(tokengate.Claims{Audience: []string{"app"}})
	other := newIssuer(t, jwa.ES256)

	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(down.Close)
	mDown := newMiddleware(t, tokengate.WithIssuer(iss.URL(),
		tokengate.JWKS(down.URL, tokengate.JWKSWait(200*time.Millisecond))))

	twoHeaders := bearer(good)
	twoHeaders.Header.Add("Authorization", "Bearer "+good)

	tests := []struct {
		name       string
		m          *tokengate.Middleware
		req        *http.Request
		status     int
		www        string
		code, desc string
	}{
		{"valid", m, bearer(good), 200, "", "", ""},
		{"no token", m, httptest.NewRequest("GET", "/", nil), 401,
			`Bearer realm="api"`, "unauthorized", "authentication required"},
		{"other scheme", m, func() *http.Request {
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Basic dXNlcjpwYXNz")
			return r
		}(), 401, `Bearer realm="api"`, "unauthorized", "authentication required"},
		{"two Authorization headers", m, twoHeaders, 400,
			`Bearer realm="api", error="invalid_request"`, "invalid_request", "malformed credentials"},
		{"empty bearer token", m, bearer(""), 400,
			`Bearer realm="api", error="invalid_request"`, "invalid_request", "malformed credentials"},
		{"two tokens in one header", m, bearer(good + " " + good), 400,
			`Bearer realm="api", error="invalid_request"`, "invalid_request", "malformed credentials"},
		{"malformed token", m, bearer("abc.def"), 401,
			`Bearer realm="api", error="invalid_token"`, "invalid_token", "the access token is malformed"},
		{"bad signature", m, bearer(good[:len(good)-4] + "AAAA"), 401,
			`Bearer realm="api", error="invalid_token"`, "invalid_token", "the access token signature is invalid"},
		{"expired", m, bearer(iss.Token(tokengate.Claims{Audience: []string{"app"},
			IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})), 401,
			`Bearer realm="api", error="invalid_token"`, "invalid_token", "the access token expired"},
		{"wrong issuer", m, bearer(other.Token(tokengate.Claims{Audience: []string{"app"}})), 401,
			`Bearer realm="api", error="invalid_token"`, "invalid_token", "the access token issuer is not accepted"},
		{"wrong audience", m, bearer(iss.Token(tokengate.Claims{Audience: []string{"other"}})), 401,
			`Bearer realm="api", error="invalid_token"`, "invalid_token", "the access token audience is not accepted"},
		{"unknown key", m, bearer(iss.Token(tokengate.Claims{Audience: []string{"app"}},
			tokengatetest.WithHeader("kid", "no-such-key"))), 401,
			`Bearer realm="api", error="invalid_token"`, "invalid_token", "the access token was signed by an unknown key"},
		{"keys unavailable", mDown, bearer(good), 503, "", "temporarily_unavailable",
			"the token keys are temporarily unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(tt.m.Handler, tt.req)
			assert.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.www, res.www)
			assert.Equal(t, tt.status == 200, res.reached, "handler reached")
			if tt.status == 200 {
				return
			}
			assert.Equal(t, map[string]string{"error": tt.code, "error_description": tt.desc}, errorBody(t, res.body))
			assert.NotContains(t, res.body, good[:20])
		})
	}

	t.Run("503 carries Retry-After", func(t *testing.T) {
		rec := httptest.NewRecorder()
		mDown.Handler(http.NotFoundHandler()).ServeHTTP(rec, bearer(good))
		assert.Equal(t, "5", rec.Header().Get("Retry-After"))
		assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
		assert.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	})
}

// TestVerifyMatrix runs the claim and header checks for each algorithm family
// through Handler.
func TestVerifyMatrix(t *testing.T) {
	now := time.Now()
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.RS256, jwa.EdDSA, jwa.HS256} {
		t.Run(alg.String(), func(t *testing.T) {
			iss := newIssuer(t, alg)
			base := []tokengate.Option{tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithAudience("app", "app2")}
			aud := []string{"app"}
			tests := []struct {
				name string
				opts []tokengate.Option
				tok  string
				want error // nil: accepted
			}{
				{"valid", nil, iss.Token(tokengate.Claims{Audience: aud}), nil},
				{"aud any of, array form", nil, iss.Token(tokengate.Claims{Audience: []string{"x", "app2"}}), nil},
				{"aud string form", nil, iss.Token(tokengate.Claims{}, tokengatetest.WithClaim("aud", "app2")), nil},
				{"aud none of", nil, iss.Token(tokengate.Claims{Audience: []string{"x", "y"}}), tokengate.ErrAudience},
				{"aud missing", nil, iss.Token(tokengate.Claims{}), tokengate.ErrAudience},
				{"aud case differs", nil, iss.Token(tokengate.Claims{Audience: []string{"APP"}}), tokengate.ErrAudience},
				{"iss differs by trailing slash", nil, iss.Token(tokengate.Claims{Audience: aud, Issuer: iss.URL() + "/"}), tokengate.ErrIssuer},
				{"iss missing", nil, iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithoutClaim("iss")), tokengate.ErrIssuer},
				{"expired", nil, iss.Token(tokengate.Claims{Audience: aud, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-10 * time.Second)}), tokengate.ErrExpired},
				{"expired within skew", []tokengate.Option{tokengate.WithClockSkew(time.Minute)},
					iss.Token(tokengate.Claims{Audience: aud, IssuedAt: now.Add(-time.Hour), ExpiresAt: now.Add(-10 * time.Second)}), nil},
				{"exp missing", nil, iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithoutClaim("exp")), tokengate.ErrMalformed},
				{"exp as string", nil, iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithClaim("exp", "2999999999")), tokengate.ErrMalformed},
				{"nbf in future", nil, iss.Token(tokengate.Claims{Audience: aud, NotBefore: now.Add(time.Minute)}), tokengate.ErrNotYetValid},
				{"nbf within skew", []tokengate.Option{tokengate.WithClockSkew(2 * time.Minute)},
					iss.Token(tokengate.Claims{Audience: aud, NotBefore: now.Add(time.Minute)}), nil},
				{"iat in future", nil, iss.Token(tokengate.Claims{Audience: aud, IssuedAt: now.Add(time.Minute)}), tokengate.ErrNotYetValid},
				{"lifetime within max", []tokengate.Option{tokengate.WithMaxLifetime(2 * time.Hour)},
					iss.Token(tokengate.Claims{Audience: aud}), nil},
				{"lifetime over max", []tokengate.Option{tokengate.WithMaxLifetime(30 * time.Minute)},
					iss.Token(tokengate.Claims{Audience: aud}), tokengate.ErrExpired},
				{"lifetime over max without iat", []tokengate.Option{tokengate.WithMaxLifetime(30 * time.Minute)},
					iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithoutClaim("iat")), tokengate.ErrExpired},
				{"alg outside allowlist", []tokengate.Option{tokengate.WithAlgorithms(jwa.PS512)},
					iss.Token(tokengate.Claims{Audience: aud}), tokengate.ErrAlgorithm},
				{"alg none", nil, iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithHeader("alg", "none")), tokengate.ErrAlgorithm},
				{"header alg differs from key alg", nil,
					iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithHeader("alg", otherAlg(alg).String())), tokengate.ErrAlgorithm},
				// A JWKS key has a kid, which the token must name; a bare secret has
				// none and verifies whatever kid the token names.
				{"unknown kid", nil, iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithHeader("kid", "nope")),
					map[bool]error{true: nil, false: tokengate.ErrUnknownKey}[iss.Secret() != nil]},
				{"no kid, one key", nil, iss.Token(tokengate.Claims{Audience: aud}, tokengatetest.WithHeader("kid", nil)), nil},
				{"signature of another payload", nil, splice(iss.Token(tokengate.Claims{Audience: aud}), iss.Token(tokengate.Claims{Audience: aud, Subject: "x"})), tokengate.ErrSignature},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					if tt.name == "alg outside allowlist" && iss.Secret() != nil {
						// A static HMAC key outside the allowlist is a New error, tested in TestNewErrors.
						t.Skip("not applicable to a static key")
					}
					m := newMiddleware(t, append(append([]tokengate.Option{}, base...), tt.opts...)...)
					res := serve(m.Handler, bearer(tt.tok))
					_, err := m.Verify(t.Context(), tt.tok)
					if tt.want == nil {
						require.NoError(t, err)
						assert.Equal(t, 200, res.status)
						require.NotNil(t, res.claims)
						assert.Equal(t, iss.URL(), res.claims.Issuer)
						return
					}
					assert.ErrorIs(t, err, tt.want)
					assert.Equal(t, 401, res.status)
					assert.False(t, res.reached)
				})
			}
		})
	}
}

// otherAlg is an allowed algorithm of another family than alg.
func otherAlg(alg jwa.SignatureAlgorithm) jwa.SignatureAlgorithm {
	if alg == jwa.HS256 {
		return jwa.HS384
	}
	return jwa.HS256
}

// splice puts b's signature on a's header and payload.
func splice(a, b string) string {
	return a[:strings.LastIndexByte(a, '.')] + b[strings.LastIndexByte(b, '.'):]
}
