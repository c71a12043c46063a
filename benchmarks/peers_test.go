package benchmarks_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	jwtmiddleware "github.com/auth0/go-jwt-middleware/v2"
	"github.com/auth0/go-jwt-middleware/v2/validator"
	"github.com/go-chi/jwtauth/v5"
	"github.com/golang-jwt/jwt/v5"
	echojwt "github.com/labstack/echo-jwt/v4"
	"github.com/labstack/echo/v4"
	"github.com/lestrrat-go/jwx/v2/jwa"
	jwxjwt "github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// BenchmarkPeers runs one Picket-shaped token per algorithm through
//
//	floor      the signature check alone, standard library, on pre-split bytes
//	nethttp    the same request to the handler with no middleware
//	tokengate  tokengate.New(WithIssuer, WithAudience).Handler
//	auth0      auth0/go-jwt-middleware v2 CheckJWT with its validator
//	echojwt    labstack/echo-jwt v4 in an echo v4 engine (echo.ServeHTTP)
//	jwtauth    go-chi/jwtauth v5 Verifier + Authenticator
//
// Every middleware is configured with a static key (no JWKS fetch), checks
// iss, aud and exp, and hands the wallet claims to the handler, which
// refuses with 500 when they are missing. Before timing, each one must
// answer 200 to the valid token and refuse the bad ones (see badTokens).
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench .; done | tee bench.txt
//	(cd .. && go run ./internal/benchratio) < bench.txt
func BenchmarkPeers(b *testing.B) {
	for _, alg := range algs {
		b.Run(alg.String(), func(b *testing.B) {
			f := newFixture(b, alg)
			b.Run("floor", func(b *testing.B) {
				verify := f.floor(b)
				b.ReportAllocs()
				for b.Loop() {
					if !verify(f.input, f.sig) {
						b.Fatal("floor: valid signature refused")
					}
				}
			})
			for _, im := range impls {
				b.Run(im.name, func(b *testing.B) {
					h := im.build(b, f)
					if err := check(h, f, im); err != nil {
						b.Fatalf("%s %s: %v", im.name, alg, err)
					}
					req := newRequest(f.token)
					w := newDiscard()
					b.ReportAllocs()
					for b.Loop() {
						w.reset()
						h.ServeHTTP(w, req)
						if w.status != http.StatusOK {
							b.Fatalf("%s %s: status %d", im.name, alg, w.status)
						}
					}
				})
			}
		})
	}
}

// TestPeers runs the checks BenchmarkPeers makes before timing, so that
// go test ./... proves that every middleware verifies what it is timed on.
func TestPeers(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			f := newFixture(t, alg)
			t.Logf("token: %d bytes", len(f.token))
			if n := len(f.token); n < 600 || n > 1000 {
				t.Errorf("token is %d bytes, want a Picket-shaped 600..1000", n)
			}
			verify := f.floor(t)
			if !verify(f.input, f.sig) {
				t.Error("floor: valid signature refused")
			}
			if verify(f.input, f.tamperedSig) {
				t.Error("floor: tampered signature accepted")
			}
			for _, im := range impls {
				t.Run(im.name, func(t *testing.T) {
					if err := check(im.build(t, f), f, im); err != nil {
						t.Error(err)
					}
				})
			}
		})
	}
}

var algs = []jwa.SignatureAlgorithm{jwa.RS256, jwa.ES256, jwa.EdDSA, jwa.HS256}

const (
	issuer   = "https://picketapi.com"
	audience = "my-app-id"
	wallet   = "0x71C7656EC7ab88b098defB751B7401B5f6d8976F"
)

// picketClaims are the claims of a Picket access token; Issuer.Token adds
// exp (+1h), iat (now) and a random jti.
func picketClaims() tokengate.Claims {
	return tokengate.Claims{
		Issuer:          issuer,
		Subject:         wallet,
		Audience:        []string{audience},
		Chain:           "ethereum",
		WalletAddress:   wallet,
		DisplayAddress:  "vitalik.eth",
		ContractAddress: "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d",
		TokenBalance:    big.NewRat(1337, 10000), // "0.1337"
		TokenIDs:        []string{"1", "2", "3"},
		Email:           "holder@example.com",
	}
}

// fixture is one algorithm's key, valid token and bad tokens.
type fixture struct {
	alg    jwa.SignatureAlgorithm
	pub    crypto.PublicKey // nil for HMAC
	secret []byte           // nil unless HMAC
	token  string

	input, sig, tamperedSig []byte // the token's signing input and signature, for the floor
	bad                     []badToken
}

// badToken is a request every verifying middleware must refuse with 400,
// 401 or 403. token "" sends no Authorization header.
type badToken struct {
	name  string
	token string
	// needsRequiredExp: refused only by a middleware that requires exp
	// (auth0's validator checks exp only when the token has one).
	needsRequiredExp bool
}

func newFixture(tb testing.TB, alg jwa.SignatureAlgorithm) *fixture {
	tb.Helper()
	iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(alg)) // keys from crypto/rand
	tb.Cleanup(iss.Close)                                            // only its JWKS server; nobody fetches from it

	f := &fixture{alg: alg, pub: iss.PublicKey(), secret: iss.Secret(), token: iss.Token(picketClaims())}
	dot := strings.LastIndexByte(f.token, '.')
	f.input = []byte(f.token[:dot])
	sig, err := base64.RawURLEncoding.DecodeString(f.token[dot+1:])
	if err != nil {
		tb.Fatal(err)
	}
	f.sig = sig
	// Flip a bit in the middle of the signature: changing the last base64
	// character could touch only padding bits that lenient decoders drop.
	f.tamperedSig = append([]byte(nil), sig...)
	f.tamperedSig[len(sig)/2] ^= 0x01
	tampered := f.token[:dot+1] + base64.RawURLEncoding.EncodeToString(f.tamperedSig)

	with := func(edit func(*tokengate.Claims), opts ...tokengatetest.TokenOption) string {
		c := picketClaims()
		if edit != nil {
			edit(&c)
		}
		return iss.Token(c, opts...)
	}
	now := time.Now()
	f.bad = []badToken{
		{name: "no token", token: ""},
		{name: "tampered signature", token: tampered},
		{name: "wrong iss", token: with(func(c *tokengate.Claims) { c.Issuer = "https://evil.example" })},
		{name: "wrong aud", token: with(func(c *tokengate.Claims) { c.Audience = []string{"another-app"} })},
		{name: "expired", token: with(func(c *tokengate.Claims) {
			c.IssuedAt, c.ExpiresAt = now.Add(-2*time.Hour), now.Add(-time.Hour)
		})},
		{name: "no exp", token: with(nil, tokengatetest.WithoutClaim("exp")), needsRequiredExp: true},
	}
	return f
}

// key is the verification key in the form every library here takes:
// *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or the HMAC secret.
func (f *fixture) key() any {
	if f.secret != nil {
		return f.secret
	}
	return f.pub
}

// floor returns the standard-library signature check for f.alg. The
// signing input and the signature are split and decoded beforehand; the
// hash is part of the check.
func (f *fixture) floor(tb testing.TB) func(input, sig []byte) bool {
	switch pub := f.pub.(type) {
	case *rsa.PublicKey:
		return func(input, sig []byte) bool {
			h := sha256.Sum256(input)
			return rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig) == nil
		}
	case *ecdsa.PublicKey:
		return func(input, sig []byte) bool {
			h := sha256.Sum256(input)
			r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
			return ecdsa.Verify(pub, h[:], r, s)
		}
	case ed25519.PublicKey:
		return func(input, sig []byte) bool { return ed25519.Verify(pub, input, sig) }
	case nil:
		secret := f.secret
		return func(input, sig []byte) bool {
			mac := hmac.New(sha256.New, secret)
			mac.Write(input)
			return hmac.Equal(mac.Sum(nil), sig)
		}
	default:
		tb.Fatalf("no floor for %T", pub)
		return nil
	}
}

// impl is one way of serving the request.
type impl struct {
	name string
	// build returns the handler: the middleware around a handler that
	// answers 200 when it finds the wallet address in the middleware's
	// claims, 500 otherwise.
	build func(tb testing.TB, f *fixture) http.Handler
	// verifies is false for the nethttp baseline, which checks nothing.
	verifies bool
	// requiresExp: refuses a token without exp.
	requiresExp bool
}

var impls = []impl{
	{name: "nethttp", build: buildNetHTTP},
	{name: "tokengate", build: buildTokengate, verifies: true, requiresExp: true},
	{name: "auth0", build: buildAuth0, verifies: true, requiresExp: false},
	{name: "echojwt", build: buildEchoJWT, verifies: true, requiresExp: true},
	{name: "jwtauth", build: buildJWTAuth, verifies: true, requiresExp: true},
}

// answer writes 200 when the middleware delivered the wallet claim.
func answer(w http.ResponseWriter, ok bool) {
	if !ok {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func buildNetHTTP(testing.TB, *fixture) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	})
}

func buildTokengate(tb testing.TB, f *fixture) http.Handler {
	return buildTokengateWith(tb, f)
}

// buildTokengateWith is buildTokengate with more options.
func buildTokengateWith(tb testing.TB, f *fixture, opts ...tokengate.Option) http.Handler {
	keys := tokengate.PublicKey(f.alg, f.pub)
	if f.secret != nil {
		keys = tokengate.HMACSecret(f.secret)
	}
	m, err := tokengate.New(append([]tokengate.Option{tokengate.WithIssuer(issuer, keys), tokengate.WithAudience(audience)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = m.Close() })
	return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := tokengate.ClaimsFromContext(r.Context())
		answer(w, ok && c.WalletAddress == wallet)
	}))
}

// picketFields are the wallet claims, for the peers that decode claims
// into a struct of the caller's.
type picketFields struct {
	Chain           string   `json:"chain"`
	WalletAddress   string   `json:"walletAddress"`
	DisplayAddress  string   `json:"displayAddress"`
	ContractAddress string   `json:"contractAddress"`
	TokenBalance    string   `json:"tokenBalance"`
	TokenIDs        []string `json:"tokenIds"`
	Email           string   `json:"email"`
}

// auth0Claims are the custom claims of the auth0 validator.
type auth0Claims picketFields

func (*auth0Claims) Validate(context.Context) error { return nil }

func buildAuth0(tb testing.TB, f *fixture) http.Handler {
	key := f.key()
	v, err := validator.New(
		func(context.Context) (any, error) { return key, nil },
		validator.SignatureAlgorithm(f.alg.String()),
		issuer,
		[]string{audience},
		validator.WithCustomClaims(func() validator.CustomClaims { return &auth0Claims{} }),
	)
	if err != nil {
		tb.Fatal(err)
	}
	return jwtmiddleware.New(v.ValidateToken).CheckJWT(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vc, ok := r.Context().Value(jwtmiddleware.ContextKey{}).(*validator.ValidatedClaims)
		if ok {
			c, _ := vc.CustomClaims.(*auth0Claims)
			ok = c != nil && c.WalletAddress == wallet
		}
		answer(w, ok)
	}))
}

// echoClaims are the claims echo-jwt decodes with golang-jwt.
type echoClaims struct {
	jwt.RegisteredClaims
	picketFields
}

func buildEchoJWT(tb testing.TB, f *fixture) http.Handler {
	key := f.key()
	keyFunc := func(*jwt.Token) (any, error) { return key, nil }
	// echo-jwt's default parser checks only the signature and exp when
	// present; iss, aud and a required exp are golang-jwt parser options,
	// which echo-jwt takes through ParseTokenFunc.
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{f.alg.String()}),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	)
	mw, err := echojwt.Config{
		ParseTokenFunc: func(_ echo.Context, auth string) (any, error) {
			return parser.ParseWithClaims(auth, &echoClaims{}, keyFunc)
		},
	}.ToMiddleware()
	if err != nil {
		tb.Fatal(err)
	}
	e := echo.New()
	e.GET("/api/me", func(c echo.Context) error {
		tok, ok := c.Get("user").(*jwt.Token)
		if ok {
			cl, _ := tok.Claims.(*echoClaims)
			ok = cl != nil && cl.WalletAddress == wallet
		}
		if !ok {
			return c.NoContent(http.StatusInternalServerError)
		}
		return c.NoContent(http.StatusOK)
	}, mw)
	return e
}

func buildJWTAuth(_ testing.TB, f *fixture) http.Handler {
	var ja *jwtauth.JWTAuth
	opts := []jwxjwt.ValidateOption{
		jwxjwt.WithIssuer(issuer),
		jwxjwt.WithAudience(audience),
		jwxjwt.WithRequiredClaim("exp"),
	}
	if f.secret != nil {
		ja = jwtauth.New(f.alg.String(), f.secret, nil, opts...)
	} else {
		ja = jwtauth.New(f.alg.String(), nil, f.pub, opts...)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The token itself rather than jwtauth.FromContext, which copies
		// every claim into a map (Authenticator already did that once).
		tok, ok := r.Context().Value(jwtauth.TokenCtxKey).(jwxjwt.Token)
		if ok {
			v, found := tok.Get("walletAddress")
			ok = found && v == wallet
		}
		answer(w, ok)
	})
	return jwtauth.Verifier(ja)(jwtauth.Authenticator(ja)(next))
}

// check makes sure h accepts f's token (and its handler sees the wallet
// claim) and, when im verifies, refuses every bad token.
func check(h http.Handler, f *fixture, im impl) error {
	if got := serve(h, f.token); got != http.StatusOK {
		return fmt.Errorf("valid token: status %d, want 200", got)
	}
	if !im.verifies {
		return nil
	}
	for _, bad := range f.bad {
		if bad.needsRequiredExp && !im.requiresExp {
			continue
		}
		switch got := serve(h, bad.token); got {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
		default:
			return fmt.Errorf("%s: status %d, want 400, 401 or 403", bad.name, got)
		}
	}
	return nil
}

func serve(h http.Handler, token string) int {
	w := newDiscard()
	h.ServeHTTP(w, newRequest(token))
	return w.status
}

// newRequest is GET /api/me with the token as a Bearer credential (none
// when token is ""). Benchmarks build it once and send it on every
// iteration; the middlewares derive their own requests from it.
func newRequest(token string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "http://api.example/api/me", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return r
}

// discard is a reusable http.ResponseWriter that keeps the status and drops
// the body. httptest.NewRecorder would add a recorder, a header map and a
// body buffer to every iteration of every implementation: a constant that
// only blurs the ratios. reset empties the header map in place, so headers
// a middleware sets cannot pile up from one iteration to the next.
type discard struct {
	header http.Header
	status int
}

func newDiscard() *discard { return &discard{header: make(http.Header)} }

func (w *discard) Header() http.Header { return w.header }

func (w *discard) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discard) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *discard) reset() {
	w.status = 0
	clear(w.header)
}
