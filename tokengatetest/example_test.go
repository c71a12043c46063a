package tokengatetest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

func ExampleNewIssuer() {
	iss := tokengatetest.NewIssuer()
	defer iss.Close()

	tok := iss.Token(tokengate.Claims{
		Subject:       "0x71C7656EC7ab88b098defB751B7401B5f6d8976F",
		Audience:      []string{"my-api"},
		WalletAddress: "0x71C7656EC7ab88b098defB751B7401B5f6d8976F",
		Chain:         "ethereum",
	})

	// What a verifier does: fetch the JWKS and check the signature.
	res, err := http.Get(iss.JWKSURL())
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	set, err := jwk.Parse(body)
	if err != nil {
		panic(err)
	}
	payload, err := jws.Verify([]byte(tok), jws.WithKeySet(set))
	if err != nil {
		panic(err)
	}
	var claims struct {
		Iss   string `json:"iss"`
		Aud   string `json:"aud"`
		Chain string `json:"chain"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		panic(err)
	}

	fmt.Println("alg:", iss.Algorithm())
	fmt.Println("keys in JWKS:", set.Len())
	fmt.Println("iss is the server URL:", claims.Iss == iss.URL())
	fmt.Println("aud:", claims.Aud, "chain:", claims.Chain)
	// Output:
	// alg: ES256
	// keys in JWKS: 1
	// iss is the server URL: true
	// aud: my-api chain: ethereum
}

// A Refold-style session token: HS256 with the app secret, no "iss", and an
// extra claim of the provider's own.
func ExampleIssuer_Token() {
	iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
	defer iss.Close()

	tok := iss.Token(tokengate.Claims{Subject: "user-42"},
		tokengatetest.WithoutClaim("iss"),
		tokengatetest.WithClaim("org_id", "acme"),
	)

	payload, err := jws.Verify([]byte(tok), jws.WithKey(jwa.HS256, iss.Secret()))
	if err != nil {
		panic(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		panic(err)
	}
	_, hasIss := claims["iss"]
	fmt.Println("sub:", claims["sub"], "org_id:", claims["org_id"], "has iss:", hasIss)
	// Output:
	// sub: user-42 org_id: acme has iss: false
}

func ExampleIssuer_Rotate() {
	iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.RS256))
	defer iss.Close()

	old := iss.Token(tokengate.Claims{Subject: "alice"})
	oldKid := iss.KeyID()
	iss.Rotate()

	res, err := http.Get(iss.JWKSURL())
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	set, err := jwk.Parse(body)
	if err != nil {
		panic(err)
	}
	_, err = jws.Verify([]byte(old), jws.WithKeySet(set))
	fmt.Println("new kid:", iss.KeyID() != oldKid)
	fmt.Println("keys in JWKS:", set.Len())
	fmt.Println("old token verifies:", err == nil)
	// Output:
	// new kid: true
	// keys in JWKS: 2
	// old token verifies: true
}

// A DPoP client for tests: a key, a token bound to it, and a request
// carrying both with a fresh proof.
func ExampleDPoPKey() {
	iss := tokengatetest.NewIssuer()
	defer iss.Close()
	key := tokengatetest.NewDPoPKey(jwa.EdDSA)
	tok := iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key))

	r, _ := http.NewRequest("GET", "https://api.example.com/orders?page=2", nil)
	key.Authorize(r, tok)

	msg, err := jws.Parse([]byte(r.Header.Get("DPoP")))
	if err != nil {
		panic(err)
	}
	h := msg.Signatures()[0].ProtectedHeaders()
	var proof struct{ Htm, Htu string }
	if err := json.Unmarshal(msg.Payload(), &proof); err != nil {
		panic(err)
	}
	fmt.Println(strings.Fields(r.Header.Get("Authorization"))[0], h.Type(), h.Algorithm(), proof.Htm, proof.Htu)
	fmt.Println("thumbprint:", len(key.Thumbprint()), "characters")
	// Output:
	// DPoP dpop+jwt EdDSA GET https://api.example.com/orders
	// thumbprint: 43 characters
}
