package tokengate_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// dpopAlgs are the proof algorithms the DPoP tests accept, as the algs
// parameter lists them.
const dpopAlgs = `algs="ES256 EdDSA RS256"`

var dpopAlgOption = tokengate.DPoPAlgorithms(jwa.ES256, jwa.EdDSA, jwa.RS256)

// dpopServer is a real HTTP server with GET and POST /api/me behind a
// Middleware with WithDPoP; its handler answers "hello <sub>".
type dpopServer struct {
	iss     *tokengatetest.Issuer
	m       *tokengate.Middleware
	url     string // http://127.0.0.1:port
	reached atomic.Int64
}

func newDPoPServer(t *testing.T, mode tokengate.DPoPMode, opts []tokengate.DPoPOption, more ...tokengate.Option) *dpopServer {
	t.Helper()
	s := &dpopServer{iss: newIssuer(t, jwa.ES256)}
	s.m = newMiddleware(t, append([]tokengate.Option{
		tokengate.WithIssuer(s.iss.URL(), tokengate.JWKS(s.iss.JWKSURL())),
		tokengate.WithDPoP(mode, append([]tokengate.DPoPOption{dpopAlgOption}, opts...)...),
	}, more...)...)
	h := s.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.reached.Add(1)
		c, _ := tokengate.ClaimsFromContext(r.Context())
		_, _ = io.WriteString(w, "hello "+c.Subject)
	}))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// dpopAnswer is what the server answered.
type dpopAnswer struct {
	status     int
	www, nonce string
	code, body string
}

// send sends a request with the given headers (each value its own field).
func (s *dpopServer) send(t *testing.T, method, path string, h http.Header) dpopAnswer {
	t.Helper()
	return sendTo(t, method, s.url+path, h)
}

func sendTo(t *testing.T, method, url string, h http.Header) dpopAnswer {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	req.Header = h.Clone()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := dpopAnswer{status: resp.StatusCode, www: strings.Join(resp.Header.Values("WWW-Authenticate"), " | "),
		nonce: resp.Header.Get("DPoP-Nonce"), body: string(body)}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(body, &e), "body %q", body)
		a.code = e.Error
	}
	return a
}

// dpopHeaders is "Authorization: DPoP <tok>" and one DPoP header per proof.
func dpopHeaders(tok string, proofs ...string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "DPoP "+tok)
	for _, p := range proofs {
		h.Add("DPoP", p)
	}
	return h
}

func bearerHeader(tok string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+tok)
	return h
}

// handProof signs a proof from header and payload as given, with alg and
// key, for proofs no client library would make.
func handProof(t *testing.T, alg jwa.SignatureAlgorithm, key any, header, payload map[string]any) string {
	t.Helper()
	h, err := json.Marshal(header)
	require.NoError(t, err)
	p, err := json.Marshal(payload)
	require.NoError(t, err)
	input := b64(h) + "." + b64(p)
	signer, err := jws.NewSigner(alg)
	require.NoError(t, err)
	sig, err := signer.Sign([]byte(input), key)
	require.NoError(t, err)
	return input + "." + b64(sig)
}

func ath(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func jwkMap(t *testing.T, raw any) map[string]any {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	require.NoError(t, err)
	b, err := json.Marshal(k)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

func thumbprint(t *testing.T, raw any) string {
	t.Helper()
	k, err := jwk.FromRaw(raw)
	require.NoError(t, err)
	tp, err := k.Thumbprint(crypto.SHA256)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(tp)
}

// TestDPoPValidProofs: acceptance 1. Proofs made with ES256, EdDSA and
// RS256 keys pass, with and without the verified-token cache, and the
// token's claims reach the handler; each request needs a proof of its own.
func TestDPoPValidProofs(t *testing.T) {
	for _, cache := range []bool{false, true} {
		var more []tokengate.Option
		if cache {
			more = append(more, tokengate.WithCache(16))
		}
		s := newDPoPServer(t, tokengate.DPoPRequired, nil, more...)
		for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.EdDSA, jwa.RS256} {
			t.Run(alg.String()+map[bool]string{false: "", true: " cached"}[cache], func(t *testing.T) {
				key := tokengatetest.NewDPoPKey(alg)
				tok := s.iss.Token(tokengate.Claims{Subject: "alice-" + alg.String()}, tokengatetest.BoundTo(key))
				for i := range 3 { // the same token, a fresh proof each time
					a := s.send(t, http.MethodGet, "/api/me?page=2", dpopHeaders(tok, key.Proof("GET", s.url+"/api/me", tok)))
					require.Equal(t, http.StatusOK, a.status, "request %d: %+v", i+1, a)
					assert.Equal(t, "hello alice-"+alg.String(), a.body)
				}
				a := s.send(t, http.MethodPost, "/api/me", dpopHeaders(tok, key.Proof("POST", s.url+"/api/me", tok)))
				assert.Equal(t, http.StatusOK, a.status, "POST: %+v", a)
			})
		}
	}
}

// TestDPoPAttacks: acceptance 2. Each attack is refused with the answer
// RFC 9449 §7 gives it, with and without the verified-token cache (a
// cached token still needs a valid proof on every request), and none
// reaches the handler.
func TestDPoPAttacks(t *testing.T) {
	type attack struct {
		name   string
		mode   tokengate.DPoPMode
		prep   func(t *testing.T, s *dpopServer) (method string, h http.Header)
		status int
		code   string
		www    string
	}
	const (
		proofChallenge   = `DPoP realm="api", error="invalid_dpop_proof", ` + dpopAlgs
		bindingChallenge = `DPoP realm="api", error="invalid_token", ` + dpopAlgs
	)
	alice := tokengate.Claims{Subject: "alice"}
	// bound is a token bound to a new key, and a proof maker for /api/me.
	bound := func(s *dpopServer, alg jwa.SignatureAlgorithm) (*tokengatetest.DPoPKey, string) {
		key := tokengatetest.NewDPoPKey(alg)
		return key, s.iss.Token(alice, tokengatetest.BoundTo(key))
	}
	get := func(s *dpopServer) string { return s.url + "/api/me" }
	now := func() time.Time { return time.Now() }
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	// handMade is a GET proof for ecKey with header and claims changed.
	handMade := func(t *testing.T, s *dpopServer, tok string, alg jwa.SignatureAlgorithm, signKey any, editHeader func(map[string]any), editClaims func(map[string]any)) string {
		h := map[string]any{"typ": "dpop+jwt", "alg": alg.String(), "jwk": jwkMap(t, &ecKey.PublicKey)}
		p := map[string]any{"jti": randomJTI(), "htm": "GET", "htu": get(s), "iat": now().Unix(), "ath": ath(tok)}
		if editHeader != nil {
			editHeader(h)
		}
		if editClaims != nil {
			editClaims(p)
		}
		return handProof(t, alg, signKey, h, p)
	}
	ecBound := func(s *dpopServer) string {
		return s.iss.Token(alice, tokengatetest.WithClaim("cnf", map[string]string{"jkt": thumbprint(t, &ecKey.PublicKey)}))
	}

	attacks := []attack{
		{name: "replayed proof", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			h := dpopHeaders(tok, key.Proof("GET", get(s), tok))
			require.Equal(t, http.StatusOK, s.send(t, "GET", "/api/me", h).status, "first use")
			return "GET", h
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "replayed proof with another query", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.EdDSA)
			h := dpopHeaders(tok, key.Proof("GET", get(s), tok))
			require.Equal(t, http.StatusOK, s.send(t, "GET", "/api/me?a=1", h).status, "first use")
			return "GET", h // sent to /api/me below
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "wrong htm", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("POST", get(s), tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "htm in lower case", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("get", get(s), tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "wrong htu path", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", s.url+"/api/admin", tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "wrong htu host", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", "http://evil.example/api/me", tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "wrong htu scheme", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", "https"+strings.TrimPrefix(get(s), "http"), tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "htu with dot segments", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", s.url+"/api/x/../me", tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "stale iat", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok, tokengatetest.ProofIssuedAt(now().Add(-61*time.Second))))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "future iat", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok, tokengatetest.ProofIssuedAt(now().Add(30*time.Second))))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "iat as a string", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok, tokengatetest.ProofClaim("iat", "now")))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "ath of another token", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			other := s.iss.Token(alice, tokengatetest.BoundTo(key))
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), other))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "no ath", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), ""))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "no jti", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok, tokengatetest.ProofClaim("jti", nil)))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "proof key is not the token's cnf.jkt", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			_, tok := bound(s, jwa.ES256)
			thief := tokengatetest.NewDPoPKey(jwa.ES256)
			return "GET", dpopHeaders(tok, thief.Proof("GET", get(s), tok))
		}, status: 401, code: "invalid_token", www: bindingChallenge},
		{name: "token without cnf in the DPoP scheme", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key := tokengatetest.NewDPoPKey(jwa.ES256)
			tok := s.iss.Token(alice)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok))
		}, status: 401, code: "invalid_token", www: bindingChallenge},
		{name: "private key in jwk", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			tok := ecBound(s)
			return "GET", dpopHeaders(tok, handMade(t, s, tok, jwa.ES256, ecKey, func(h map[string]any) { h["jwk"] = jwkMap(t, ecKey) }, nil))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "symmetric key in jwk, HS256", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			secret := make([]byte, 32)
			_, _ = rand.Read(secret)
			tok := ecBound(s)
			return "GET", dpopHeaders(tok, handMade(t, s, tok, jwa.HS256, secret, func(h map[string]any) {
				h["jwk"] = map[string]any{"kty": "oct", "k": b64(secret)}
			}, nil))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "HS256 keyed with the public jwk (algorithm confusion)", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			tok := ecBound(s)
			pub, err := json.Marshal(jwkMap(t, &ecKey.PublicKey))
			require.NoError(t, err)
			return "GET", dpopHeaders(tok, handMade(t, s, tok, jwa.HS256, pub, nil, nil))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "alg none", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			tok := ecBound(s)
			p := handMade(t, s, tok, jwa.ES256, ecKey, func(h map[string]any) { h["alg"] = "none" }, nil)
			return "GET", dpopHeaders(tok, p)
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "alg none, empty signature", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			tok := ecBound(s)
			p := handMade(t, s, tok, jwa.ES256, ecKey, func(h map[string]any) { h["alg"] = "none" }, nil)
			return "GET", dpopHeaders(tok, p[:strings.LastIndexByte(p, '.')+1])
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "alg outside the allowlist (ES384)", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES384)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "signed by another key than its jwk", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			tok := ecBound(s)
			other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			require.NoError(t, err)
			return "GET", dpopHeaders(tok, handMade(t, s, tok, jwa.ES256, other, nil, nil))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "typ JWT", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok, tokengatetest.ProofHeader("typ", "JWT")))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "no jwk", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok, tokengatetest.ProofHeader("jwk", nil)))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "crit in the header", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok, tokengatetest.ProofHeader("crit", []string{"exp"})))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "duplicate htu member", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			tok := ecBound(s)
			h := b64([]byte(`{"typ":"dpop+jwt","alg":"ES256","jwk":` + mustJSON(t, jwkMap(t, &ecKey.PublicKey)) + `}`))
			p := b64([]byte(`{"jti":"` + randomJTI() + `","htm":"GET","htu":"http://evil.example/","htu":"` + get(s) +
				`","iat":` + itoa(now().Unix()) + `,"ath":"` + ath(tok) + `"}`))
			signer, _ := jws.NewSigner(jwa.ES256)
			sig, err := signer.Sign([]byte(h+"."+p), ecKey)
			require.NoError(t, err)
			return "GET", dpopHeaders(tok, h+"."+p+"."+b64(sig))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "the access token as its own proof", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			_, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, tok)
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "missing DPoP header", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			_, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok)
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "two DPoP headers", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok), key.Proof("GET", get(s), tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "two proofs in one DPoP header", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok)+", "+key.Proof("GET", get(s), tok))
		}, status: 401, code: "invalid_dpop_proof", www: proofChallenge},
		{name: "DPoP-bound token sent as Bearer (required)", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			h := bearerHeader(tok)
			h.Set("DPoP", key.Proof("GET", get(s), tok))
			return "GET", h
		}, status: 401, code: "invalid_token", www: bindingChallenge},
		{name: "DPoP-bound token sent as Bearer (allowed)", mode: tokengate.DPoPAllowed, prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			h := bearerHeader(tok)
			h.Set("DPoP", key.Proof("GET", get(s), tok))
			return "GET", h
		}, status: 401, code: "invalid_token", www: bindingChallenge + `, Bearer realm="api"`},
		{name: "DPoP-bound token sent as Bearer without a proof (allowed)", mode: tokengate.DPoPAllowed, prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			_, tok := bound(s, jwa.ES256)
			return "GET", bearerHeader(tok)
		}, status: 401, code: "invalid_token", www: bindingChallenge + `, Bearer realm="api"`},
		{name: "a cnf that is not an object, as Bearer (allowed)", mode: tokengate.DPoPAllowed, prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			return "GET", bearerHeader(s.iss.Token(alice, tokengatetest.WithClaim("cnf", "x")))
		}, status: 401, code: "invalid_token", www: `Bearer realm="api", error="invalid_token", DPoP realm="api", ` + dpopAlgs},
		{name: "a jkt that is not a string, as Bearer (allowed)", mode: tokengate.DPoPAllowed, prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			return "GET", bearerHeader(s.iss.Token(alice, tokengatetest.WithClaim("cnf", map[string]any{"jkt": 7})))
		}, status: 401, code: "invalid_token", www: `Bearer realm="api", error="invalid_token", DPoP realm="api", ` + dpopAlgs},
		{name: "unbound token as Bearer (required)", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			return "GET", bearerHeader(s.iss.Token(alice))
		}, status: 401, code: "invalid_token", www: bindingChallenge},
		{name: "expired token with a valid proof", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key := tokengatetest.NewDPoPKey(jwa.ES256)
			tok := s.iss.Token(tokengate.Claims{Subject: "alice", IssuedAt: now().Add(-2 * time.Hour), ExpiresAt: now().Add(-time.Hour)},
				tokengatetest.BoundTo(key))
			return "GET", dpopHeaders(tok, key.Proof("GET", get(s), tok))
		}, status: 401, code: "invalid_token", www: bindingChallenge},
		{name: "no credentials (required)", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			return "GET", http.Header{}
		}, status: 401, code: "unauthorized", www: `DPoP realm="api", ` + dpopAlgs},
		{name: "no credentials (allowed)", mode: tokengate.DPoPAllowed, prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			return "GET", http.Header{}
		}, status: 401, code: "unauthorized", www: `Bearer realm="api", DPoP realm="api", ` + dpopAlgs},
		{name: "empty DPoP token", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			return "GET", dpopHeaders("")
		}, status: 400, code: "invalid_request", www: `DPoP realm="api", error="invalid_request", ` + dpopAlgs},
		{name: "two Authorization headers", prep: func(t *testing.T, s *dpopServer) (string, http.Header) {
			key, tok := bound(s, jwa.ES256)
			h := dpopHeaders(tok, key.Proof("GET", get(s), tok))
			h.Add("Authorization", "DPoP "+tok)
			return "GET", h
		}, status: 400, code: "invalid_request", www: `DPoP realm="api", error="invalid_request", ` + dpopAlgs},
	}
	for _, cache := range []bool{false, true} {
		servers := map[tokengate.DPoPMode]*dpopServer{}
		for _, mode := range []tokengate.DPoPMode{tokengate.DPoPRequired, tokengate.DPoPAllowed} {
			var more []tokengate.Option
			if cache {
				more = append(more, tokengate.WithCache(64))
			}
			servers[mode] = newDPoPServer(t, mode, nil, more...)
		}
		for _, tt := range attacks {
			name := tt.name
			if cache {
				name += ", cached token"
			}
			t.Run(name, func(t *testing.T) {
				mode := tt.mode
				if mode == 0 {
					mode = tokengate.DPoPRequired
				}
				s := servers[mode]
				method, h := tt.prep(t, s)
				if cache && h.Get("Authorization") != "" {
					// Put the token into the cache with a valid request of its own.
					warm(t, s, h)
				}
				before := s.reached.Load()
				a := s.send(t, method, "/api/me", h)
				assert.Equal(t, tt.status, a.status, "status")
				assert.Equal(t, tt.code, a.code, "error code")
				assert.Equal(t, tt.www, a.www, "WWW-Authenticate")
				assert.Empty(t, a.nonce, "DPoP-Nonce")
				assert.Equal(t, before, s.reached.Load(), "the handler was reached")
			})
		}
	}
}

// warm puts the token of h into the verified-token cache without spending
// its proof: Verify caches a token that verifies before it refuses it for
// being DPoP-bound. TestDPoPCachedToken checks that the requests after it
// are cache hits.
func warm(t *testing.T, s *dpopServer, h http.Header) {
	t.Helper()
	_, tok, _ := strings.Cut(h.Get("Authorization"), " ")
	_, _ = s.m.Verify(context.Background(), tok)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestDPoPCachedToken: a token the cache holds still needs a fresh, valid
// proof on every request; the decision hook shows the cache answered.
func TestDPoPCachedToken(t *testing.T) {
	var cached atomic.Bool
	s := newDPoPServer(t, tokengate.DPoPRequired, nil, tokengate.WithCache(16),
		tokengate.WithDecisionHook(func(d tokengate.Decision) { cached.Store(d.Cached) }))
	key := tokengatetest.NewDPoPKey(jwa.ES256)
	tok := s.iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))
	proof := func() string { return key.Proof("GET", s.url+"/api/me", tok) }

	first := dpopHeaders(tok, proof())
	a := s.send(t, "GET", "/api/me", first)
	require.Equal(t, http.StatusOK, a.status)
	assert.False(t, cached.Load(), "the first request verifies the token")

	tests := []struct {
		name   string
		h      http.Header
		status int
		code   string
	}{
		{"fresh proof", dpopHeaders(tok, proof()), 200, ""},
		{"the first request's proof again", first, 401, "invalid_dpop_proof"},
		{"no proof", dpopHeaders(tok), 401, "invalid_dpop_proof"},
		{"another key's proof", dpopHeaders(tok, tokengatetest.NewDPoPKey(jwa.ES256).Proof("GET", s.url+"/api/me", tok)), 401, "invalid_token"},
		{"as Bearer", bearerHeader(tok), 401, "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cached.Store(false)
			a := s.send(t, "GET", "/api/me", tt.h)
			assert.Equal(t, tt.status, a.status)
			assert.Equal(t, tt.code, a.code)
			if tt.name != "as Bearer" {
				assert.True(t, cached.Load(), "the cache answered")
			}
		})
	}
}

// TestDPoPBearerAllowed: with DPoPAllowed, a token without cnf still works
// as a Bearer token, and a bound token works in the DPoP scheme.
func TestDPoPBearerAllowed(t *testing.T) {
	s := newDPoPServer(t, tokengate.DPoPAllowed, nil)
	a := s.send(t, "GET", "/api/me", bearerHeader(s.iss.Token(tokengate.Claims{Subject: "bob"})))
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "hello bob", a.body)

	key := tokengatetest.NewDPoPKey(jwa.EdDSA)
	tok := s.iss.Token(tokengate.Claims{Subject: "carol"}, tokengatetest.BoundTo(key))
	a = s.send(t, "GET", "/api/me", dpopHeaders(tok, key.Proof("GET", s.url+"/api/me", tok)))
	assert.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "hello carol", a.body)
}

// TestDPoPNonceFlow: acceptance 3. A proof without the server's nonce gets
// 401 use_dpop_nonce with a DPoP-Nonce; the retry with it passes, on this
// instance and on another that shares the secret. A forged or expired
// nonce gets a new one.
func TestDPoPNonceFlow(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	var clock atomic.Int64
	clock.Store(time.Now().Unix())
	now := func() time.Time { return time.Unix(clock.Load(), 0) }
	nonces := []tokengate.DPoPOption{tokengate.DPoPNonces(secret, time.Minute)}
	a1 := newDPoPServer(t, tokengate.DPoPRequired, nonces, tokengate.WithClock(now))
	// b shares a's issuer (the same JWKS) and the nonce secret.
	b := &dpopServer{iss: a1.iss}
	b.m = newMiddleware(t, tokengate.WithIssuer(a1.iss.URL(), tokengate.JWKS(a1.iss.JWKSURL())),
		tokengate.WithDPoP(tokengate.DPoPRequired, dpopAlgOption, tokengate.DPoPNonces(secret, time.Minute)), tokengate.WithClock(now))
	srv := httptest.NewServer(b.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello from b")
	})))
	t.Cleanup(srv.Close)
	b.url = srv.URL

	key := tokengatetest.NewDPoPKey(jwa.ES256)
	tok := a1.iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))
	proof := func(s *dpopServer, opts ...tokengatetest.ProofOption) http.Header {
		opts = append([]tokengatetest.ProofOption{tokengatetest.ProofIssuedAt(now())}, opts...)
		return dpopHeaders(tok, key.Proof("GET", s.url+"/api/me", tok, opts...))
	}
	const nonceChallenge = `DPoP realm="api", error="use_dpop_nonce", ` + dpopAlgs

	first := a1.send(t, "GET", "/api/me", proof(a1))
	require.Equal(t, http.StatusUnauthorized, first.status)
	assert.Equal(t, "use_dpop_nonce", first.code)
	assert.Equal(t, nonceChallenge, first.www)
	require.NotEmpty(t, first.nonce, "DPoP-Nonce")
	assert.Regexp(t, `^[A-Za-z0-9_-]+$`, first.nonce, "a nonce is NQCHARs")

	retry := a1.send(t, "GET", "/api/me", proof(a1, tokengatetest.ProofNonce(first.nonce)))
	assert.Equal(t, http.StatusOK, retry.status, "%+v", retry)
	assert.Equal(t, "hello alice", retry.body)

	other := b.send(t, "GET", "/api/me", proof(b, tokengatetest.ProofNonce(first.nonce)))
	assert.Equal(t, http.StatusOK, other.status, "another instance with the secret: %+v", other)

	forged := []byte(first.nonce)
	forged[len(forged)/2] ^= 1
	for name, nonce := range map[string]string{"forged": string(forged), "empty": "", "garbage": "not-a-nonce"} {
		a := a1.send(t, "GET", "/api/me", proof(a1, tokengatetest.ProofNonce(nonce)))
		assert.Equal(t, http.StatusUnauthorized, a.status, name)
		assert.Equal(t, "use_dpop_nonce", a.code, name)
		assert.NotEmpty(t, a.nonce, name)
	}

	clock.Add(61) // the next window: still valid
	assert.Equal(t, http.StatusOK, a1.send(t, "GET", "/api/me", proof(a1, tokengatetest.ProofNonce(first.nonce))).status, "one window later")
	clock.Add(60) // two windows later: expired
	late := a1.send(t, "GET", "/api/me", proof(a1, tokengatetest.ProofNonce(first.nonce)))
	assert.Equal(t, http.StatusUnauthorized, late.status)
	assert.Equal(t, "use_dpop_nonce", late.code)
	assert.NotEqual(t, first.nonce, late.nonce)
	assert.Equal(t, http.StatusOK, a1.send(t, "GET", "/api/me", proof(a1, tokengatetest.ProofNonce(late.nonce))).status, "the new nonce")

	// A proof that fails otherwise is answered invalid_dpop_proof, not
	// use_dpop_nonce: a nonce is handed out only for a proof that is good.
	bad := a1.send(t, "GET", "/api/me", dpopHeaders(tok, key.Proof("POST", a1.url+"/api/me", tok, tokengatetest.ProofIssuedAt(now()))))
	assert.Equal(t, "invalid_dpop_proof", bad.code)
	assert.Empty(t, bad.nonce)
}
