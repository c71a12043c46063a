package tokengate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// DPoP-bound tokens: each request carries a fresh proof signed with the
// client's key; a proof taken off the wire cannot be replayed, and the
// token is useless without the key.
func ExampleWithDPoP() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	m, err := tokengate.New(
		tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())),
		tokengate.WithDPoP(tokengate.DPoPRequired,
			tokengate.DPoPAlgorithms(jwa.ES256, jwa.EdDSA),
			tokengate.DPoPPublicURL("https://api.example.com")),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tokengate.ClaimsFromContext(r.Context())
		fmt.Fprint(w, "hello ", c.Subject)
	}))
	send := func(r *http.Request) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
		if www := w.Header().Get("WWW-Authenticate"); www != "" {
			fmt.Println("  WWW-Authenticate:", www)
		}
	}

	key := tokengatetest.NewDPoPKey(jwa.ES256) // the client's key
	tok := issuer.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))

	r := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
	key.Authorize(r, tok) // Authorization: DPoP <tok>, DPoP: <proof>
	send(r)

	replay := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
	replay.Header = r.Header.Clone()
	send(replay)

	stale := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
	key.Authorize(stale, tok, tokengatetest.ProofIssuedAt(time.Now().Add(-time.Hour)))
	send(stale)

	bearer := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
	bearer.Header.Set("Authorization", "Bearer "+tok)
	send(bearer)
	// Output:
	// 200 hello alice
	// 401 {"error":"invalid_dpop_proof","error_description":"the DPoP proof is missing or invalid"}
	//   WWW-Authenticate: DPoP realm="api", error="invalid_dpop_proof", algs="ES256 EdDSA"
	// 401 {"error":"invalid_dpop_proof","error_description":"the DPoP proof is missing or invalid"}
	//   WWW-Authenticate: DPoP realm="api", error="invalid_dpop_proof", algs="ES256 EdDSA"
	// 401 {"error":"invalid_token","error_description":"the access token must be sent with a DPoP proof"}
	//   WWW-Authenticate: DPoP realm="api", error="invalid_token", algs="ES256 EdDSA"
}

// With server nonces, the first request learns the nonce from the
// use_dpop_nonce answer, and the retry carries it.
func ExampleDPoPNonces() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	secret := []byte("a secret all instances share, >= 32 bytes")
	m, err := tokengate.New(
		tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())),
		tokengate.WithDPoP(tokengate.DPoPAllowed, tokengate.DPoPNonces(secret, 5*time.Minute)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))

	key := tokengatetest.NewDPoPKey(jwa.EdDSA)
	tok := issuer.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))
	r := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
	key.Authorize(r, tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	nonce := w.Header().Get("DPoP-Nonce")
	fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), "nonce:", nonce != "")

	r = httptest.NewRequest("GET", "https://api.example.com/orders", nil)
	key.Authorize(r, tok, tokengatetest.ProofNonce(nonce))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body.String())
	// Output:
	// 401 DPoP realm="api", error="use_dpop_nonce", algs="ES256 ES384 ES512 EdDSA RS256 RS384 RS512 PS256 PS384 PS512", Bearer realm="api" nonce: true
	// 200 ok
}
