package tokengate_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

func TestExtractors(t *testing.T) {
	req := func(edit func(r *http.Request)) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/path?x=1", nil)
		edit(r)
		return r
	}
	header := func(k string, vs ...string) func(*http.Request) {
		return func(r *http.Request) {
			for _, v := range vs {
				r.Header.Add(k, v)
			}
		}
	}
	tests := []struct {
		name string
		e    tokengate.Extractor
		r    *http.Request
		want string
		err  bool
	}{
		{"auth: bearer", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer a.b.c")), "a.b.c", false},
		{"auth: scheme lower case", tokengate.FromAuthHeader(), req(header("Authorization", "bearer a.b.c")), "a.b.c", false},
		{"auth: scheme upper case", tokengate.FromAuthHeader(), req(header("Authorization", "BEARER a.b.c")), "a.b.c", false},
		{"auth: b64token padding", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer abc==")), "abc==", false},
		{"auth: absent", tokengate.FromAuthHeader(), req(func(*http.Request) {}), "", false},
		{"auth: basic scheme", tokengate.FromAuthHeader(), req(header("Authorization", "Basic dXNlcjpwYXNz")), "", false},
		{"auth: bearer without token", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer")), "", true},
		{"auth: bearer with spaces only", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer    ")), "", true},
		{"auth: two tokens", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer a b")), "", true},
		{"auth: comma-joined", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer a, Bearer b")), "", true},
		{"auth: two headers", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer a", "Bearer b")), "", true},
		{"auth: bad characters", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer a\"b")), "", true},
		{"auth: padding inside", tokengate.FromAuthHeader(), req(header("Authorization", "Bearer a=b")), "", true},
		{"header: present", tokengate.FromHeader("X-Token"), req(header("X-Token", " t ")), "t", false},
		{"header: absent", tokengate.FromHeader("X-Token"), req(func(*http.Request) {}), "", false},
		{"header: empty", tokengate.FromHeader("X-Token"), req(header("X-Token", "")), "", true},
		{"header: twice", tokengate.FromHeader("X-Token"), req(header("X-Token", "a", "b")), "", true},
		{"cookie: present", tokengate.FromCookie("session"), req(header("Cookie", "session=tok")), "tok", false},
		{"cookie: absent", tokengate.FromCookie("session"), req(header("Cookie", "other=tok")), "", false},
		{"cookie: empty", tokengate.FromCookie("session"), req(header("Cookie", "session=")), "", true},
		{"cookie: twice", tokengate.FromCookie("session"), req(header("Cookie", "session=a; session=b")), "", true},
		{"query: present", tokengate.FromQuery("access_token"), httptest.NewRequest("GET", "/?access_token=tok", nil), "tok", false},
		{"query: absent", tokengate.FromQuery("access_token"), httptest.NewRequest("GET", "/?x=1", nil), "", false},
		{"query: empty", tokengate.FromQuery("access_token"), httptest.NewRequest("GET", "/?access_token=", nil), "", true},
		{"query: twice", tokengate.FromQuery("access_token"), httptest.NewRequest("GET", "/?access_token=a&access_token=b", nil), "", true},
		{"first of: second found", tokengate.FirstOf(tokengate.FromAuthHeader(), tokengate.FromCookie("s")), req(header("Cookie", "s=c")), "c", false},
		{"first of: first wins", tokengate.FirstOf(tokengate.FromAuthHeader(), tokengate.FromCookie("s")),
			req(func(r *http.Request) { r.Header.Set("Authorization", "Bearer h"); r.Header.Set("Cookie", "s=c") }), "h", false},
		{"first of: error stops", tokengate.FirstOf(tokengate.FromAuthHeader(), tokengate.FromCookie("s")),
			req(func(r *http.Request) { r.Header.Set("Authorization", "Bearer"); r.Header.Set("Cookie", "s=c") }), "", true},
		{"first of: none", tokengate.FirstOf(tokengate.FromAuthHeader(), tokengate.FromCookie("s")), req(func(*http.Request) {}), "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.e(tt.r)
			assert.Equal(t, tt.want, got)
			if tt.err {
				assert.ErrorIs(t, err, tokengate.ErrInvalidRequest)
			} else {
				assert.NoError(t, err)
			}
		})
	}
}

// TestCustomExtractor checks that an extractor's own error is answered 400
// and that a token from a cookie verifies like one from the header.
func TestCustomExtractor(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)),
		tokengate.WithExtractor(tokengate.FirstOf(tokengate.FromAuthHeader(), tokengate.FromCookie("session"))))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: iss.Token(tokengate.Claims{Subject: "s"})})
	res := serve(m.Handler, r)
	require.Equal(t, 200, res.status)
	assert.Equal(t, "s", res.claims.Subject)

	failing := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)),
		tokengate.WithExtractor(func(*http.Request) (string, error) { return "", assert.AnError }))
	res = serve(failing.Handler, httptest.NewRequest("GET", "/", nil))
	assert.Equal(t, 400, res.status)
	assert.Equal(t, `Bearer realm="api", error="invalid_request"`, res.www)
	assert.NotContains(t, res.body, assert.AnError.Error())
}

func TestCredentialsOptional(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithCredentialsOptional())
	tests := []struct {
		name    string
		r       *http.Request
		status  int
		claims  bool
		reached bool
	}{
		{"no token", httptest.NewRequest("GET", "/", nil), 200, false, true},
		{"valid token", bearer(iss.Token(tokengate.Claims{})), 200, true, true},
		{"bad token", bearer("a.b.c"), 401, false, false},
		{"malformed header", bearer(""), 400, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(m.Handler, tt.r)
			assert.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.reached, res.reached)
			assert.Equal(t, tt.claims, res.claims != nil)
		})
	}
}
