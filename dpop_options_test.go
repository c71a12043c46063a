package tokengate_test

import (
	"context"
	"errors"
	"log/slog"
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

// TestDPoPOptionErrors: New refuses every invalid DPoP setting with
// ErrConfig.
func TestDPoPOptionErrors(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	tests := map[string][]tokengate.Option{
		"given twice":              {tokengate.WithDPoP(tokengate.DPoPAllowed), tokengate.WithDPoP(tokengate.DPoPRequired)},
		"no mode":                  {tokengate.WithDPoP(0)},
		"unknown mode":             {tokengate.WithDPoP(7)},
		"nil option":               {tokengate.WithDPoP(tokengate.DPoPRequired, nil)},
		"no algorithms":            {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPAlgorithms())},
		"HS256":                    {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPAlgorithms(jwa.ES256, jwa.HS256))},
		"none":                     {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPAlgorithms(jwa.NoSignature))},
		"max age 0":                {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPMaxAge(0))},
		"max age 11m":              {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPMaxAge(11*time.Minute))},
		"negative skew":            {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPFutureSkew(-time.Second))},
		"nil store":                {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPReplayStore(nil))},
		"short nonce secret":       {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPNonces(secret[:31], time.Minute))},
		"short nonce lifetime":     {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPNonces(secret, time.Second))},
		"public URL, relative":     {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPPublicURL("/api"))},
		"public URL, ftp":          {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPPublicURL("ftp://api.example.com"))},
		"public URL with a query":  {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPPublicURL("https://api.example.com/?a"))},
		"public URL with userinfo": {tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPPublicURL("https://u@api.example.com"))},
	}
	for name, opts := range tests {
		_, err := tokengate.New(append([]tokengate.Option{tokengate.WithKeys(tokengate.HMACSecret(secret))}, opts...)...)
		assert.ErrorIs(t, err, tokengate.ErrConfig, name)
	}
	m, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret(secret)), tokengate.WithDPoP(tokengate.DPoPAllowed,
		tokengate.DPoPAlgorithms(jwa.EdDSA), tokengate.DPoPMaxAge(10*time.Minute), tokengate.DPoPFutureSkew(0),
		tokengate.DPoPNonces(secret, 24*time.Hour), tokengate.DPoPPublicURL("https://api.example.com"),
		tokengate.DPoPReplayStore(tokengate.NewMemoryStore())))
	require.NoError(t, err)
	_ = m.Close()
	assert.Equal(t, "required", tokengate.DPoPRequired.String())
	assert.Equal(t, "allowed", tokengate.DPoPAllowed.String())
}

// downStore is a ReplayStore that is down.
type downStore struct{}

func (downStore) Use(context.Context, string, time.Time) (bool, error) {
	return false, errors.New("connection refused")
}

// TestDPoPRefusalsAreQuiet: the log and the decision hook name the cause
// of a DPoP refusal, never the token, the proof or the nonce; a replay
// store that is down refuses with 503 and no challenge.
func TestDPoPRefusalsAreQuiet(t *testing.T) {
	var logs syncBuffer // the key set's background fetches log too
	var decisions []tokengate.Decision
	iss := newIssuer(t, jwa.ES256)
	secret := []byte("0123456789abcdef0123456789abcdef")
	newM := func(opts ...tokengate.DPoPOption) *tokengate.Middleware {
		return newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
			tokengate.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
			tokengate.WithDecisionHook(func(d tokengate.Decision) { decisions = append(decisions, d) }),
			tokengate.WithDPoP(tokengate.DPoPRequired, opts...))
	}
	key := tokengatetest.NewDPoPKey(jwa.ES256)
	tok := iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))
	send := func(m *tokengate.Middleware, proof string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "https://api.example.com/me", nil)
		r.Header.Set("Authorization", "DPoP "+tok)
		r.Header.Set("DPoP", proof)
		rec := httptest.NewRecorder()
		m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, r)
		return rec
	}

	bad := key.Proof("POST", "https://api.example.com/me", tok)
	rec := send(newM(), bad)
	assert.Equal(t, 401, rec.Code)
	require.Len(t, decisions, 1)
	assert.Equal(t, tokengate.ErrDPoPProof, decisions[0].Err)
	assert.Equal(t, tokengate.CodeInvalidDPoPProof, decisions[0].Code)

	rec = send(newM(tokengate.DPoPNonces(secret, time.Minute)), key.Proof("GET", "https://api.example.com/me", tok))
	assert.Equal(t, 401, rec.Code)
	nonce := rec.Header().Get("DPoP-Nonce")
	require.NotEmpty(t, nonce)
	assert.Equal(t, tokengate.ErrDPoPNonce, decisions[1].Err)

	rec = send(newM(tokengate.DPoPReplayStore(downStore{})), key.Proof("GET", "https://api.example.com/me", tok))
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
	assert.Equal(t, "5", rec.Header().Get("Retry-After"))
	assert.Equal(t, tokengate.ErrStoreUnavailable, decisions[2].Err)

	out := logs.String()
	assert.Contains(t, out, "htm is not the request method")
	for name, secret := range map[string]string{"token": tok, "proof": bad, "nonce": nonce,
		"token payload": strings.Split(tok, ".")[1], "proof header": strings.Split(bad, ".")[0]} {
		assert.NotContains(t, out, secret, name)
	}
}

// TestDPoPVerify: Verify, which sees no proof, refuses DPoP-bound tokens
// under WithDPoP and accepts the others; without WithDPoP, cnf is not
// looked at.
func TestDPoPVerify(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	key := tokengatetest.NewDPoPKey(jwa.ES256)
	boundTok := iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))
	plain := iss.Token(tokengate.Claims{Subject: "bob"})

	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())), tokengate.WithDPoP(tokengate.DPoPAllowed))
	_, err := m.Verify(context.Background(), boundTok)
	assert.ErrorIs(t, err, tokengate.ErrDPoPRequired)
	c, err := m.Verify(context.Background(), plain)
	require.NoError(t, err)
	assert.Equal(t, "bob", c.Subject)

	without := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())))
	_, err = without.Verify(context.Background(), boundTok)
	assert.NoError(t, err, "without WithDPoP a bound token is a token like any other")
	res := serve(without.Handler, dpopRequest(t, key, boundTok))
	assert.Equal(t, http.StatusUnauthorized, res.status, "without WithDPoP the DPoP scheme is no credential")
	assert.Equal(t, `Bearer realm="api"`, res.www)
}

func dpopRequest(t *testing.T, key *tokengatetest.DPoPKey, tok string) *http.Request {
	t.Helper()
	r := httptest.NewRequest("GET", "http://example.com/", nil)
	key.Authorize(r, tok)
	return r
}

// TestDPoPSingleUseToken: with WithSingleUse, a DPoP-bound token is spent
// after its proof passed, never by a refused proof.
func TestDPoPSingleUseToken(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
		tokengate.WithSingleUse(tokengate.NewMemoryStore()), tokengate.WithDPoP(tokengate.DPoPRequired))
	key := tokengatetest.NewDPoPKey(jwa.ES256)
	tok := iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))

	r := dpopRequest(t, key, tok)
	r.Header.Set("DPoP", tokengatetest.NewDPoPKey(jwa.ES256).Proof("GET", "http://example.com/", tok))
	assert.Equal(t, http.StatusUnauthorized, serve(m.Handler, r).status, "a thief's proof")
	assert.Equal(t, http.StatusOK, serve(m.Handler, dpopRequest(t, key, tok)).status, "the token was not spent by the refusal")
	res := serve(m.Handler, dpopRequest(t, key, tok))
	assert.Equal(t, http.StatusUnauthorized, res.status, "spent")
	assert.Contains(t, res.body, "already used")
}

// TestDPoPNonceInErrorHandler: a WithErrorHandler handler gets the nonce
// of a use_dpop_nonce refusal from the *Error, and the client's retry
// with it passes.
func TestDPoPNonceInErrorHandler(t *testing.T) {
	iss := newIssuer(t, jwa.EdDSA)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
		tokengate.WithDPoP(tokengate.DPoPRequired, tokengate.DPoPNonces([]byte("0123456789abcdef0123456789abcdef"), time.Minute)),
		tokengate.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, err error) {
			var te *tokengate.Error
			if errors.As(err, &te) && te.DPoPNonce() != "" {
				w.Header().Set("DPoP-Nonce", te.DPoPNonce())
			}
			w.WriteHeader(http.StatusTeapot)
		}))
	key := tokengatetest.NewDPoPKey(jwa.EdDSA)
	tok := iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))
	rec := httptest.NewRecorder()
	m.Handler(http.NotFoundHandler()).ServeHTTP(rec, dpopRequest(t, key, tok))
	require.Equal(t, http.StatusTeapot, rec.Code)
	nonce := rec.Header().Get("DPoP-Nonce")
	require.NotEmpty(t, nonce)

	r := httptest.NewRequest("GET", "http://example.com/", nil)
	key.Authorize(r, tok, tokengatetest.ProofNonce(nonce))
	_, err := m.Authenticate(r)
	assert.NoError(t, err)

	var none *tokengate.Error
	assert.Empty(t, none.DPoPNonce())
	_, err = m.Authenticate(bearer(tok))
	var te *tokengate.Error
	require.ErrorAs(t, err, &te)
	assert.Empty(t, te.DPoPNonce())
}
