package demotest

import (
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate/examples/internal/demo"
)

// The curl lines the examples print with the embedded issuer, in order:
// the "# " comment before each, and the path it requests.
var wantCurls = []struct{ comment, path string }{
	{"a holder's token (tokenIds 1 and 42 on ethereum): 200 with its claims as JSON", "/api/me"},
	{"the holder's token on the holders-only route: 200", "/api/holders"},
	{"a non-holder's token (tokenId 7) is valid too: 200", "/api/me"},
	{`but not for the holders-only route: 403 with WWW-Authenticate: Bearer realm="api", error="insufficient_scope"`, "/api/holders"},
	{`no token: 401 with WWW-Authenticate: Bearer realm="api"`, "/api/me"},
	{`public route, no token needed: 200 "ok"`, "/healthz"},
}

var (
	listeningRE = regexp.MustCompile(`^tokengate \S+ example listening on (http://127\.0\.0\.1:[1-9]\d*)$`)
	addressRE   = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
)

// Listening returns the base URL of the "listening on" line, the first of
// out, which must be the only line before the curl lines.
func Listening(t testing.TB, name, out string) string {
	t.Helper()
	first, _, _ := strings.Cut(out, "\n")
	require.True(t, strings.HasPrefix(first, "tokengate "+name+" example listening on "), "first line %q", first)
	m := listeningRE.FindStringSubmatch(first)
	require.NotNil(t, m, "first line %q", first)
	return m[1]
}

// CheckExample runs the example name with routes and its embedded issuer on
// a free loopback port, and checks every route with the printed curl lines,
// as a user pasting them would, and with tampered tokens; then it cancels
// the run and checks the exit status 0 and that no token was logged.
func CheckExample(t *testing.T, name string, routes demo.Routes) {
	p := Start(t, name, routes, []string{"-addr", "127.0.0.1:0"}, nil, len(wantCurls))
	out := p.Stdout.String()
	base := Listening(t, name, out)
	require.Equal(t, 1+2*len(wantCurls), strings.Count(out, "\n"), "the listening line and a comment and curl line each; stdout:\n%s", out)

	curls := Curls(t, out)
	require.Len(t, curls, len(wantCurls))
	for i, want := range wantCurls {
		require.Equal(t, want.comment, curls[i].Comment)
		require.Equal(t, base+want.path, curls[i].URL, "curl for %q", want.comment)
	}
	holderMe, holderGated, otherMe, otherGated, noToken, health := curls[0], curls[1], curls[2], curls[3], curls[4], curls[5]
	holder, other := holderMe.Token(), otherMe.Token()
	require.Len(t, strings.Split(holder, "."), 3, "a compact JWT")
	require.Len(t, strings.Split(other, "."), 3, "a compact JWT")
	require.NotEqual(t, holder, other)
	assert.Equal(t, holder, holderGated.Token())
	assert.Equal(t, other, otherGated.Token())
	assert.Empty(t, noToken.Header)
	assert.Empty(t, health.Header)

	// get makes a request and checks that no token comes back in the body.
	seen := []string{holder, other}
	get := func(t *testing.T, c Curl) Response {
		t.Helper()
		res := c.Do(t)
		for _, tok := range seen {
			assert.NotContains(t, res.Body, tok, "a token in the body")
		}
		if tok := c.Token(); tok != "" {
			assert.NotContains(t, res.Body, tok, "a token in the body")
		}
		return res
	}

	t.Run("holder/api/me", func(t *testing.T) {
		got := decodeJSON[demo.MeResponse](t, get(t, holderMe), http.StatusOK)
		assert.Equal(t, "ethereum", got.Chain)
		assert.Equal(t, "0.1337", got.TokenBalance)
		assert.Equal(t, []string{"1", "42"}, got.TokenIDs)
		assert.Equal(t, []string{"demo-app"}, got.Audience)
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, got.Issuer)
		assert.Regexp(t, addressRE, got.WalletAddress)
		assert.Regexp(t, addressRE, got.ContractAddress)
		assert.Equal(t, got.WalletAddress, got.Subject)
		assert.NotEmpty(t, got.ID, "jti")
		assert.WithinDuration(t, time.Now().Add(time.Hour), got.ExpiresAt, time.Minute)
	})
	t.Run("holder/api/holders", func(t *testing.T) {
		got := decodeJSON[demo.HolderResponse](t, get(t, holderGated), http.StatusOK)
		assert.Equal(t, "holder", got.Welcome)
		assert.Regexp(t, addressRE, got.WalletAddress)
	})
	t.Run("non-holder/api/me", func(t *testing.T) {
		got := decodeJSON[demo.MeResponse](t, get(t, otherMe), http.StatusOK)
		assert.Equal(t, "ethereum", got.Chain)
		assert.Equal(t, []string{"7"}, got.TokenIDs)
	})
	t.Run("non-holder/api/holders", func(t *testing.T) {
		res := get(t, otherGated)
		assertRefused(t, res, http.StatusForbidden, "insufficient_scope")
		assert.Equal(t, `Bearer realm="api", error="insufficient_scope"`, res.Header.Get("WWW-Authenticate"))
	})
	t.Run("no token", func(t *testing.T) {
		for _, url := range []string{noToken.URL, otherGated.URL} {
			res := get(t, Curl{URL: url})
			assertRefused(t, res, http.StatusUnauthorized, "")
			assert.Equal(t, `Bearer realm="api"`, res.Header.Get("WWW-Authenticate"), url)
		}
	})
	t.Run("healthz", func(t *testing.T) {
		res := get(t, health)
		assert.Equal(t, http.StatusOK, res.Status)
		assert.Equal(t, "ok\n", res.Body)
	})

	tampered := []struct {
		name  string
		url   string
		token string
	}{
		{"non-holder claims token 42", otherGated.URL, Tamper(t, other, func(c map[string]any) { c["tokenIds"] = []string{"7", "42"} })},
		{"raised balance", holderMe.URL, Tamper(t, holder, func(c map[string]any) { c["tokenBalance"] = "1000" })},
		{"other wallet", holderMe.URL, Tamper(t, holder, func(c map[string]any) {
			c["walletAddress"] = "0x0000000000000000000000000000000000000001"
		})},
		{"later exp", holderGated.URL, Tamper(t, holder, func(c map[string]any) { c["exp"] = c["exp"].(float64) + 86400 })},
		{"the other token's signature", holderGated.URL, holder[:strings.LastIndexByte(holder, '.')] + other[strings.LastIndexByte(other, '.'):]},
		{"no signature", holderMe.URL, holder[:strings.LastIndexByte(holder, '.')+1]},
		{"truncated", holderMe.URL, holder[:len(holder)-10]},
	}
	for _, tt := range tampered {
		seen = append(seen, tt.token)
		t.Run("tampered/"+tt.name, func(t *testing.T) {
			require.NotContains(t, []string{holder, other}, tt.token)
			res := get(t, Curl{URL: tt.url, Header: Bearer(tt.token)})
			assertRefused(t, res, http.StatusUnauthorized, "invalid_token")
			assert.Equal(t, `Bearer realm="api", error="invalid_token"`, res.Header.Get("WWW-Authenticate"))
		})
	}

	require.Equal(t, 0, p.Stop(t), "stderr:\n%s", p.Stderr)
	stderr := p.Stderr.String()
	for _, tok := range seen {
		assert.NotContains(t, stderr, tok, "a token is never logged")
	}
	_, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second)
	assert.Error(t, err, "the server is down after run returns")
}

// decodeJSON checks that res is a JSON answer with status want, not to be
// cached, and decodes it.
func decodeJSON[T any](t *testing.T, res Response, want int) T {
	t.Helper()
	require.Equal(t, want, res.Status, "body: %s", res.Body)
	mediaType, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	require.NoError(t, err)
	assert.Equal(t, "application/json", mediaType)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	var v T
	require.NoError(t, json.Unmarshal([]byte(res.Body), &v), "body: %s", res.Body)
	return v
}

// assertRefused checks a refusal: status and, when code is not "", the
// RFC 6750 error code of the JSON body.
func assertRefused(t *testing.T, res Response, status int, code string) {
	t.Helper()
	assert.Equal(t, status, res.Status, "body: %s", res.Body)
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	require.NoError(t, json.Unmarshal([]byte(res.Body), &body), "body: %s", res.Body)
	assert.NotEmpty(t, body.Description)
	if code != "" {
		assert.Equal(t, code, body.Error)
	}
}
