package tokengate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// An issuer found by OpenID Connect discovery: tokengate reads
// iss/.well-known/openid-configuration, checks that the document names iss,
// and keeps its jwks_uri's keys fresh.
func ExampleOIDC() {
	keys := tokengatetest.NewIssuer() // signs the tokens and serves the key set
	defer keys.Close()
	var iss string
	discovery := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, iss, keys.JWKSURL())
	}))
	defer discovery.Close()
	iss = discovery.URL + "/realms/acme" // an issuer with a path

	m, err := tokengate.New(tokengate.WithIssuer(iss, tokengate.OIDC(tokengate.JWKSRequireInitialFetch())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	c, err := m.Verify(context.Background(), keys.Token(tokengate.Claims{Issuer: iss, Subject: "alice"}))
	fmt.Println(c.Subject, err)
	// Output:
	// alice <nil>
}

// RFC 9068 access tokens carry typ "at+jwt"; IssuerTypes keeps an issuer's
// ID tokens (typ "JWT") out of an API that wants its access tokens.
func ExampleIssuerTypes() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	m, err := tokengate.New(tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL()),
		tokengate.IssuerTypes("at+jwt")))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	for _, typ := range []string{"at+jwt", "application/AT+JWT", "JWT"} {
		_, err := m.Verify(context.Background(), issuer.Token(tokengate.Claims{}, tokengatetest.WithHeader("typ", typ)))
		fmt.Printf("%s: %v\n", typ, err)
	}
	// Output:
	// at+jwt: <nil>
	// application/AT+JWT: <nil>
	// JWT: tokengate: malformed token: typ not accepted for this issuer
}

// A route that needs two scopes answers a token without them 403, and its
// WWW-Authenticate says which scopes the route needs.
func ExampleScope() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	m, err := tokengate.New(tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	orders := m.Require(tokengate.Scope("read:orders", "write:orders"))(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, scope := range []string{"openid read:orders write:orders", "read:orders"} {
		r := httptest.NewRequest(http.MethodPost, "/orders", nil)
		r.Header.Set("Authorization", "Bearer "+issuer.Token(tokengate.Claims{}, tokengatetest.WithClaim("scope", scope)))
		rec := httptest.NewRecorder()
		orders.ServeHTTP(rec, r)
		if www := rec.Header().Get("WWW-Authenticate"); www != "" {
			fmt.Println(rec.Code, www)
		} else {
			fmt.Println(rec.Code)
		}
	}
	// Output:
	// 200
	// 403 Bearer realm="api", error="insufficient_scope", scope="read:orders write:orders"
}
