package tokengate_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// newIssuer starts a test issuer for alg and closes it with the test.
func newIssuer(t testing.TB, alg jwa.SignatureAlgorithm) *tokengatetest.Issuer {
	t.Helper()
	iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(alg))
	t.Cleanup(iss.Close)
	return iss
}

// keysOf is the key source a user would configure for iss: its JWKS URL, or
// its secret for HMAC issuers.
func keysOf(iss *tokengatetest.Issuer, opts ...tokengate.JWKSOption) tokengate.KeySource {
	if s := iss.Secret(); s != nil {
		return tokengate.HMACKey(iss.Algorithm(), s)
	}
	return tokengate.JWKS(iss.JWKSURL(), opts...)
}

// newMiddleware builds a Middleware and closes it with the test.
func newMiddleware(t testing.TB, opts ...tokengate.Option) *tokengate.Middleware {
	t.Helper()
	m, err := tokengate.New(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// result is what a request through a Handler produced.
type result struct {
	status  int
	www     string
	body    string
	claims  *tokengate.Claims
	reached bool
}

// serve sends r through m.Handler in front of a handler that records the
// claims it got.
func serve(h func(http.Handler) http.Handler, r *http.Request) result {
	var res result
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		res.reached = true
		res.claims, _ = tokengate.ClaimsFromContext(r.Context())
		w.WriteHeader(http.StatusOK)
	})
	rec := httptest.NewRecorder()
	h(next).ServeHTTP(rec, r)
	body, _ := io.ReadAll(rec.Result().Body)
	res.status = rec.Code
	res.www = rec.Header().Get("WWW-Authenticate")
	res.body = string(body)
	return res
}

// bearer is a GET request carrying tok as a Bearer token.
func bearer(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

// errorBody decodes an error answer's JSON body.
func errorBody(t testing.TB, body string) map[string]string {
	t.Helper()
	var v map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &v), "body %q", body)
	return v
}

// newTextLogger logs everything at Debug and above into w.
func newTextLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// syncBuffer is a bytes.Buffer safe for a logger in another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func mustDecode(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func encode(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// recorder keeps what a hook receives, safe for concurrent calls.
type recorder[T any] struct {
	mu  sync.Mutex
	all []T
}

func (r *recorder[T]) hook(v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, v)
}

// list returns a copy of what was recorded.
func (r *recorder[T]) list() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]T(nil), r.all...)
}

// take returns what was recorded and forgets it.
func (r *recorder[T]) take() []T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.all
	r.all = nil
	return out
}
