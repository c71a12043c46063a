package tokengate_test

import (
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// A Picket-style issuer publishes its keys at a JWKS URL; the middleware
// verifies its tokens and refuses requests without one.
func ExampleNew() {
	issuer := tokengatetest.NewIssuer() // stands in for the provider
	defer issuer.Close()

	m, err := tokengate.New(
		tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())),
		tokengate.WithAudience("my-project-id"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	api := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tokengate.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "hello %s", c.Subject)
	}))

	get := func(token string) {
		r := httptest.NewRequest(http.MethodGet, "/api/me", nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		body, _ := io.ReadAll(w.Body)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), strings.TrimSpace(string(body)))
	}
	get(issuer.Token(tokengate.Claims{Subject: "alice", Audience: []string{"my-project-id"}}))
	get("")
	get(issuer.Token(tokengate.Claims{Subject: "alice", Audience: []string{"another-project"}}))
	// Output:
	// 200  hello alice
	// 401 Bearer realm="api" {"error":"unauthorized","error_description":"authentication required"}
	// 401 Bearer realm="api", error="invalid_token" {"error":"invalid_token","error_description":"the access token audience is not accepted"}
}

// Handlers read the verified, typed claims from the request context.
func ExampleClaimsFromContext() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	m, _ := tokengate.New(tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())))
	defer m.Close()

	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := tokengate.ClaimsFromContext(r.Context())
		fmt.Println(ok, c.Chain, c.WalletAddress, c.TokenBalance.FloatString(4), c.TokenIDs)
	}))
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+issuer.Token(tokengate.Claims{
		Chain:         "ethereum",
		WalletAddress: "0x52908400098527886E0F7030069857D2E4169EE7",
		TokenBalance:  big.NewRat(1337, 10000),
		TokenIDs:      []string{"1", "42"},
	}))
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// true ethereum 0x52908400098527886E0F7030069857D2E4169EE7 0.1337 [1 42]
}

// Provider-specific claims, here those of a Refold-style HS256 session token
// without "iss", are read into the caller's own struct.
func ExampleClaims_Decode() {
	issuer := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm("HS256"))
	defer issuer.Close()
	m, _ := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret(issuer.Secret())))
	defer m.Close()

	token := issuer.Token(tokengate.Claims{Subject: "user_123"},
		tokengatetest.WithoutClaim("iss"),
		tokengatetest.WithClaim("org_id", "org_42"),
		tokengatetest.WithClaim("linked_account_id", "la_7"))

	c, err := m.Verify(httptest.NewRequest("GET", "/", nil).Context(), token)
	if err != nil {
		fmt.Println(err)
		return
	}
	var refold struct {
		OrgID           string `json:"org_id"`
		LinkedAccountID string `json:"linked_account_id"`
	}
	if err := c.Decode(&refold); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Subject, refold.OrgID, refold.LinkedAccountID)
	// Output:
	// user_123 org_42 la_7
}

// Routes demand on-chain facts from the verified claims: here, a holder of
// token 42 of a contract, or of at least 0.1 of it, on Ethereum however the
// token names the chain.
func ExampleMiddleware_Require() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	m, _ := tokengate.New(tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())))
	defer m.Close()

	const nft = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
	holdersOnly := m.Require(
		tokengate.Chain("ethereum"),
		tokengate.Contract(nft),
		tokengate.AnyOf(tokengate.TokenID("42"), tokengate.MinBalance("0.1")),
	)
	api := m.Handler(holdersOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "welcome, holder")
	})))

	get := func(c tokengate.Claims) {
		r := httptest.NewRequest(http.MethodGet, "/holders", nil)
		r.Header.Set("Authorization", "Bearer "+issuer.Token(c))
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Header().Get("WWW-Authenticate"), strings.TrimSpace(w.Body.String()))
	}
	get(tokengate.Claims{Chain: "eip155:1", ContractAddress: strings.ToLower(nft), TokenIDs: []string{"42"}})
	get(tokengate.Claims{Chain: "ethereum", ContractAddress: nft, TokenBalance: big.NewRat(1337, 10000)})
	get(tokengate.Claims{Chain: "ethereum", ContractAddress: nft, TokenBalance: big.NewRat(1, 100)})
	get(tokengate.Claims{Chain: "polygon", ContractAddress: nft, TokenIDs: []string{"42"}})
	// Output:
	// 200  welcome, holder
	// 200  welcome, holder
	// 403 Bearer realm="api", error="insufficient_scope" {"error":"insufficient_scope","error_description":"the access token does not meet the any of requirement"}
	// 403 Bearer realm="api", error="insufficient_scope" {"error":"insufficient_scope","error_description":"the access token does not meet the chain requirement"}
}
