package demo_test

import (
	"context"
	"encoding/json"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/examples/internal/demo"
	"github.com/tokengate/tokengate/examples/internal/demotest"
	"github.com/tokengate/tokengate/tokengatetest"
)

// routes is a minimal example: /api/me behind m. The examples' own routes
// are checked by their tests (demotest.CheckExample).
func routes(m *tokengate.Middleware) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /api/me", m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tokengate.ClaimsFromContext(r.Context())
		_ = json.NewEncoder(w).Encode(demo.Me(c))
	})))
	return mux
}

// TestProviderModes runs an example against an issuer of the test's own, as
// against a real provider: no issuer is embedded and no token printed.
func TestProviderModes(t *testing.T) {
	es := tokengatetest.NewIssuer()
	t.Cleanup(es.Close)
	hs := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
	t.Cleanup(hs.Close)
	claims := tokengate.Claims{
		Subject:      "user-1",
		Audience:     []string{"my-app"},
		Chain:        "solana",
		TokenBalance: big.NewRat(5, 2),
	}

	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		token string
	}{
		{
			name:  "JWKS by flags",
			args:  []string{"-addr", "127.0.0.1:0", "-jwks-url", es.JWKSURL(), "-issuer", es.URL(), "-audience", "other,my-app"},
			token: es.Token(claims),
		},
		{
			name: "JWKS by environment",
			args: []string{"-addr", "127.0.0.1:0"},
			env: map[string]string{
				"TOKENGATE_JWKS_URL": es.JWKSURL(), "TOKENGATE_ISSUER": es.URL(), "TOKENGATE_AUDIENCE": "my-app",
			},
			token: es.Token(claims),
		},
		{
			name:  "flags win over environment",
			args:  []string{"-addr", "127.0.0.1:0", "-issuer", es.URL(), "-audience", "my-app"},
			env:   map[string]string{"ADDR": "not an address", "TOKENGATE_JWKS_URL": es.JWKSURL(), "TOKENGATE_ISSUER": "https://wrong.example", "TOKENGATE_AUDIENCE": "wrong"},
			token: es.Token(claims),
		},
		{
			name:  "HMAC secret without issuer (Refold-style, no iss)",
			args:  []string{"-audience", "my-app"},
			env:   map[string]string{"ADDR": "127.0.0.1:0", "TOKENGATE_HMAC_SECRET": string(hs.Secret())},
			token: hs.Token(claims, tokengatetest.WithoutClaim("iss")),
		},
		{
			name:  "HMAC secret with issuer",
			args:  []string{"-addr", "127.0.0.1:0", "-hmac-secret", string(hs.Secret()), "-issuer", hs.URL(), "-audience", "my-app"},
			token: hs.Token(claims),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := demotest.Start(t, "test", routes, tt.args, tt.env, 1)
			out := p.Stdout.String()
			base := demotest.Listening(t, "test", out)
			require.Equal(t, 3, strings.Count(out, "\n"), "only the listening line and the no-token curl; stdout:\n%s", out)
			curls := demotest.Curls(t, out)
			require.Len(t, curls, 1)
			noToken := curls[0]
			assert.Equal(t, `no token: 401 with WWW-Authenticate: Bearer realm="api"`, noToken.Comment)
			assert.Equal(t, base+"/api/me", noToken.URL)
			assert.Empty(t, noToken.Header)

			res := noToken.Do(t)
			assert.Equal(t, http.StatusUnauthorized, res.Status)
			assert.Equal(t, `Bearer realm="api"`, res.Header.Get("WWW-Authenticate"))

			res = demotest.Get(t, noToken.URL, demotest.Bearer(tt.token))
			require.Equal(t, http.StatusOK, res.Status, "body: %s\nstderr:\n%s", res.Body, p.Stderr)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(res.Body), &got))
			assert.Equal(t, "solana", got["chain"])
			assert.Equal(t, "2.5", got["tokenBalance"])
			assert.Equal(t, "user-1", got["subject"])

			other := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
			defer other.Close()
			res = demotest.Get(t, noToken.URL, demotest.Bearer(other.Token(claims, tokengatetest.WithoutClaim("iss"))))
			assert.Equal(t, http.StatusUnauthorized, res.Status, "a token from another issuer")

			require.Equal(t, 0, p.Stop(t), "stderr:\n%s", p.Stderr)
			assert.NotContains(t, p.Stderr.String(), tt.token)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string // on stderr
	}{
		{"JWKS URL without issuer", []string{"-jwks-url", "https://login.example/jwks.json"}, nil, "-jwks-url needs -issuer"},
		{"JWKS URL from environment without issuer", nil, map[string]string{"TOKENGATE_JWKS_URL": "https://login.example/jwks.json"}, "-jwks-url needs -issuer"},
		{"JWKS URL not http", []string{"-jwks-url", "ftp://login.example/jwks.json", "-issuer", "https://login.example"}, nil, "JWKS: url must be an absolute http or https URL"},
		{"JWKS URL relative", []string{"-jwks-url", "/jwks.json", "-issuer", "https://login.example"}, nil, "JWKS: url must be an absolute http or https URL"},
		{"JWKS URL and HMAC secret", []string{"-jwks-url", "https://login.example/jwks.json", "-issuer", "x", "-hmac-secret", secret}, nil, "-jwks-url and -hmac-secret exclude each other"},
		{"issuer alone", []string{"-issuer", "https://login.example"}, nil, "-issuer needs -jwks-url or -hmac-secret"},
		{"HMAC secret too short", []string{"-hmac-secret", "short"}, nil, "HS256 secret has 5 bytes, want at least 32"},
		{"HMAC secret from environment too short", nil, map[string]string{"TOKENGATE_HMAC_SECRET": "short"}, "HS256 secret has 5 bytes, want at least 32"},
		{"empty audience value", []string{"-audience", "a,,b"}, nil, `-audience "a,,b" has an empty value`},
		{"empty addr", []string{"-addr", ""}, nil, "-addr is empty"},
		{"unknown flag", []string{"-port", "8080"}, nil, "flag provided but not defined: -port"},
		{"positional argument", []string{"serve"}, nil, `unexpected argument "serve"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr demotest.SyncBuffer
			code := demo.Run(context.Background(), "test", tt.args, demotest.Env(tt.env), &stdout, &stderr, routes)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr.String(), "tokengate test example: ")
			assert.Contains(t, stderr.String(), tt.wantErr)
			assert.Empty(t, stdout.String(), "nothing served, nothing printed")
			assert.NotContains(t, stderr.String(), secret, "the secret is never printed")
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr demotest.SyncBuffer
	env := demotest.Env(map[string]string{"TOKENGATE_HMAC_SECRET": "do-not-print-this-secret-0123456789"})
	code := demo.Run(context.Background(), "test", []string{"-h"}, env, &stdout, &stderr, routes)
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr.String(), "Usage of test:")
	for _, f := range []string{"-addr", "-jwks-url", "-issuer", "-audience", "-hmac-secret"} {
		assert.Contains(t, stderr.String(), f)
	}
	assert.NotContains(t, stderr.String(), "do-not-print-this-secret")
	assert.Empty(t, stdout.String())
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()

	var stdout, stderr demotest.SyncBuffer
	code := demo.Run(context.Background(), "test", []string{"-addr", ln.Addr().String()}, demotest.Env(nil), &stdout, &stderr, routes)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "address already in use")
	assert.Empty(t, stdout.String())
}
