package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is a getenv backed by a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// program is one run of the example in the background.
type program struct {
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	code           chan int
}

// start runs the example with args and environment, waits until it has
// printed wantCurl curl lines and returns it. The program is stopped at the
// end of the test if the test has not stopped it.
func start(t *testing.T, args []string, environ map[string]string, wantCurl int) *program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &program{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, code: make(chan int, 1)}
	go func() { p.code <- run(ctx, args, env(environ), p.stdout, p.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.code:
		case <-time.After(10 * time.Second):
			t.Error("run did not return within 10s of cancellation")
		}
	})

	deadline := time.Now().Add(10 * time.Second)
	for len(curlLines(p.stdout.String())) < wantCurl {
		select {
		case code := <-p.code:
			p.code <- code
			t.Fatalf("run returned %d before printing %d curl lines\nstdout:\n%s\nstderr:\n%s", code, wantCurl, p.stdout, p.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d curl lines within 10s\nstdout:\n%s\nstderr:\n%s", wantCurl, p.stdout, p.stderr)
		}
	}
	return p
}

// stop cancels the program and returns its exit status.
func (p *program) stop(t *testing.T) int {
	t.Helper()
	p.cancel()
	select {
	case code := <-p.code:
		p.code <- code // for the cleanup
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of cancellation")
		return -1
	}
}

func curlLines(out string) []string {
	var lines []string
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "curl ") {
			lines = append(lines, strings.TrimSuffix(l, "\n"))
		}
	}
	return lines
}

// shellWords splits a command line as a POSIX shell does for the subset the
// example prints: words separated by spaces, single-quoted strings.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			w.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			require.NotContains(t, `"\$`+"`", string(r), "unquoted shell metacharacter in %q", line)
			w.WriteRune(r)
			inWord = true
		}
	}
	require.False(t, quoted, "unterminated quote in %q", line)
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// curl turns one printed curl line into the request it makes.
type curl struct {
	url     string
	headers http.Header
}

func parseCurl(t *testing.T, line string) curl {
	t.Helper()
	words := shellWords(t, line)
	require.Equal(t, "curl", words[0])
	c := curl{headers: http.Header{}}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; {
		case w == "-i":
		case w == "-H":
			i++
			require.Less(t, i, len(words), "-H without a value in %q", line)
			name, value, ok := strings.Cut(words[i], ": ")
			require.True(t, ok, "header %q", words[i])
			c.headers.Add(name, value)
		case strings.HasPrefix(w, "-"):
			t.Fatalf("unexpected curl option %q in %q", w, line)
		default:
			require.Empty(t, c.url, "two URLs in %q", line)
			c.url = w
		}
	}
	require.NotEmpty(t, c.url, "no URL in %q", line)
	return c
}

// response is what the test reads of an answer.
type response struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, url string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	client := &http.Client{Timeout: 10 * time.Second}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return response{res.StatusCode, res.Header, string(body)}
}

func bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}

// tamper returns tok with its payload re-encoded after edit, keeping the
// original header and signature.
func tamper(t *testing.T, tok string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(raw, &claims))
	edit(claims)
	raw, err = json.Marshal(claims)
	require.NoError(t, err)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

func TestEmbeddedIssuer(t *testing.T) {
	p := start(t, []string{"-addr", "127.0.0.1:0"}, nil, 3)
	out := p.stdout.String()

	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 7, "stdout:\n%s", out)
	assert.Regexp(t, `^tokengate example listening on http://127\.0\.0\.1:\d+$`, lines[0])
	base := strings.TrimPrefix(lines[0], "tokengate example listening on ")
	assert.NotEqual(t, "http://127.0.0.1:0", base, "the printed URL has the real port")
	assert.Equal(t, []string{
		"# a valid token: 200 with the claims as JSON",
		"# no token: 401 with WWW-Authenticate: Bearer realm=\"api\"",
		"# public route, no token needed",
	}, []string{lines[1], lines[3], lines[5]})

	curls := curlLines(out)
	withToken, noToken, health := parseCurl(t, curls[0]), parseCurl(t, curls[1]), parseCurl(t, curls[2])
	assert.Equal(t, base+"/api/me", withToken.url)
	assert.Equal(t, base+"/api/me", noToken.url)
	assert.Equal(t, base+"/healthz", health.url)
	assert.Empty(t, noToken.headers)
	assert.Empty(t, health.headers)
	scheme, token, ok := strings.Cut(withToken.headers.Get("Authorization"), " ")
	require.True(t, ok)
	require.Equal(t, "Bearer", scheme)
	require.Len(t, strings.Split(token, "."), 3, "a compact JWT")

	t.Run("valid token", func(t *testing.T) {
		res := get(t, withToken.url, withToken.headers)
		require.Equal(t, http.StatusOK, res.status, "body: %s", res.body)
		assert.Equal(t, "application/json", res.header.Get("Content-Type"))
		assert.Equal(t, "no-store", res.header.Get("Cache-Control"))
		var got meResponse
		require.NoError(t, json.Unmarshal([]byte(res.body), &got), "body: %s", res.body)
		assert.Equal(t, "ethereum", got.Chain)
		assert.Equal(t, "0.1337", got.TokenBalance)
		assert.Equal(t, []string{"1", "42"}, got.TokenIDs)
		assert.Equal(t, []string{"demo-app"}, got.Audience)
		assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, got.Issuer)
		assert.Regexp(t, `^0x[0-9a-fA-F]{40}$`, got.WalletAddress)
		assert.Regexp(t, `^0x[0-9a-fA-F]{40}$`, got.ContractAddress)
		assert.Equal(t, got.WalletAddress, got.Subject)
		assert.NotEmpty(t, got.ID, "jti")
		assert.WithinDuration(t, time.Now().Add(time.Hour), got.ExpiresAt, time.Minute)
		assert.NotContains(t, res.body, token)
	})

	t.Run("no token", func(t *testing.T) {
		res := get(t, noToken.url, noToken.headers)
		assert.Equal(t, http.StatusUnauthorized, res.status)
		assert.Equal(t, `Bearer realm="api"`, res.header.Get("WWW-Authenticate"))
	})

	t.Run("healthz", func(t *testing.T) {
		res := get(t, health.url, health.headers)
		assert.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, "ok\n", res.body)
	})

	tampered := []struct {
		name  string
		token string
	}{
		{"raised balance", tamper(t, token, func(c map[string]any) { c["tokenBalance"] = "1000" })},
		{"other wallet", tamper(t, token, func(c map[string]any) {
			c["walletAddress"] = "0x0000000000000000000000000000000000000001"
		})},
		{"later exp", tamper(t, token, func(c map[string]any) { c["exp"] = c["exp"].(float64) + 86400 })},
		{"signature of another token", func() string {
			parts := strings.Split(token, ".")
			other := tamper(t, token, func(c map[string]any) { c["chain"] = "solana" })
			return strings.Join(parts[:2], ".") + "." + strings.Split(other, ".")[1]
		}()},
		{"no signature", token[:strings.LastIndexByte(token, '.')+1]},
		{"truncated", token[:len(token)-10]},
	}
	for _, tt := range tampered {
		t.Run("tampered/"+tt.name, func(t *testing.T) {
			require.NotEqual(t, token, tt.token)
			res := get(t, withToken.url, bearer(tt.token))
			assert.Equal(t, http.StatusUnauthorized, res.status, "body: %s", res.body)
			assert.Equal(t, `Bearer realm="api", error="invalid_token"`, res.header.Get("WWW-Authenticate"))
			assert.NotContains(t, res.body, token)
			assert.NotContains(t, res.body, tt.token)
			assert.NotContains(t, p.stderr.String(), tt.token, "a refused token is never logged")
		})
	}

	require.Equal(t, 0, p.stop(t), "stderr:\n%s", p.stderr)
	assert.NotContains(t, p.stderr.String(), token, "the token is never logged")
	_, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second)
	assert.Error(t, err, "the server is down after run returns")
}

// TestProviderModes runs the example against an issuer of the test's own, as
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
		name      string
		args      []string
		env       map[string]string
		token     string
		wantChain string
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
			p := start(t, tt.args, tt.env, 1)
			out := p.stdout.String()
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			require.Len(t, lines, 3, "only the listening line and the no-token curl; stdout:\n%s", out)
			assert.Regexp(t, `^tokengate example listening on http://127\.0\.0\.1:\d+$`, lines[0])
			noToken := parseCurl(t, lines[2])
			assert.Empty(t, noToken.headers)

			res := get(t, noToken.url, nil)
			assert.Equal(t, http.StatusUnauthorized, res.status)
			assert.Equal(t, `Bearer realm="api"`, res.header.Get("WWW-Authenticate"))

			res = get(t, noToken.url, bearer(tt.token))
			require.Equal(t, http.StatusOK, res.status, "body: %s\nstderr:\n%s", res.body, p.stderr)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(res.body), &got))
			assert.Equal(t, "solana", got["chain"])
			assert.Equal(t, "2.5", got["tokenBalance"])
			assert.Equal(t, "user-1", got["subject"])

			other := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
			defer other.Close()
			res = get(t, noToken.url, bearer(other.Token(claims, tokengatetest.WithoutClaim("iss"))))
			assert.Equal(t, http.StatusUnauthorized, res.status, "a token from another issuer")

			require.Equal(t, 0, p.stop(t), "stderr:\n%s", p.stderr)
			assert.NotContains(t, p.stderr.String(), tt.token)
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
			var stdout, stderr syncBuffer
			code := run(context.Background(), tt.args, env(tt.env), &stdout, &stderr)
			assert.Equal(t, 2, code)
			assert.Contains(t, stderr.String(), tt.wantErr)
			assert.Empty(t, stdout.String(), "nothing served, nothing printed")
			assert.NotContains(t, stderr.String(), secret, "the secret is never printed")
		})
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"-h"}, env(map[string]string{"TOKENGATE_HMAC_SECRET": "do-not-print-this-secret-0123456789"}), &stdout, &stderr)
	assert.Equal(t, 0, code)
	for _, f := range []string{"-addr", "-jwks-url", "-issuer", "-audience", "-hmac-secret"} {
		assert.Contains(t, stderr.String(), f)
	}
	assert.NotContains(t, stderr.String(), "do-not-print-this-secret")
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()

	var stdout, stderr syncBuffer
	code := run(context.Background(), []string{"-addr", ln.Addr().String()}, env(nil), &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "address already in use")
	assert.Empty(t, stdout.String())
}

func TestDecimal(t *testing.T) {
	tests := []struct {
		in   *big.Rat
		want string
	}{
		{big.NewRat(1337, 10000), "0.1337"},
		{big.NewRat(42, 1), "42"},
		{big.NewRat(-5, 2), "-2.5"},
		{big.NewRat(0, 1), "0"},
		{big.NewRat(1, 1<<10), "0.0009765625"},
		{new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(30), nil)), "0.000000000000000000000000000001"},
		{big.NewRat(1, 3), "0.333333333333333333"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, decimal(tt.in))
		})
	}
}
