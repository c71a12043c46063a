package tokengate_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// Privy in one line: its identity tokens' linked_accounts become
// Claims.Wallets, and Wallet gates on any of them. In production, drop
// ProviderJWKSURL: the preset fetches Privy's own key set.
func ExamplePrivy() {
	privy := tokengatetest.NewIssuer() // stands in for Privy (ES256)
	defer privy.Close()

	m, err := tokengate.New(tokengate.Privy("my-privy-app-id", tokengate.ProviderJWKSURL(privy.JWKSURL())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	tok := privy.PrivyToken("my-privy-app-id", tokengate.Claims{
		Email:   "ada@example.com", // an e-mail account: not a wallet
		Wallets: []tokengate.WalletAccount{{Chain: "eip155", Address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"}},
	})
	c, err := m.Verify(context.Background(), tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Issuer, c.Wallets)

	vip := m.Require(tokengate.Wallet("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"))
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/vip", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	vip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).ServeHTTP(rec, r)
	fmt.Println(rec.Code)
	// Output:
	// privy.io [{eip155 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266}]
	// 200
}

// Dynamic's tokens name the site's origin as their audience, so
// ProviderAudience is required; a token whose scope lacks "user:basic" (the
// user has not finished signing in, for example MFA is pending) is refused.
func ExampleDynamic() {
	dynamic := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.RS256)) // stands in for Dynamic
	defer dynamic.Close()

	const env = "2762a57b-faa4-41ce-9f16-abff9300e2c9"
	m, err := tokengate.New(tokengate.Dynamic(env,
		tokengate.ProviderAudience("https://app.example.com"),
		tokengate.ProviderJWKSURL(dynamic.JWKSURL())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	wallets := []tokengate.WalletAccount{{Chain: "solana", Address: "2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF"}}
	c, err := m.Verify(context.Background(), dynamic.DynamicToken(env, "https://app.example.com", tokengate.Claims{Wallets: wallets}))
	fmt.Println(c.Wallets, c.Scopes, err)

	_, err = m.Verify(context.Background(), dynamic.DynamicToken(env, "https://app.example.com", tokengate.Claims{Wallets: wallets},
		tokengatetest.WithClaim("scope", "requiresAdditionalAuth")))
	fmt.Println(err)
	// Output:
	// [{solana 2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF}] [user:basic] <nil>
	// tokengate: requirement not met: scope
}

// Web3Auth's social logins carry public keys, not addresses: the preset
// derives the wallet addresses (here anvil's well-known account 0).
func ExampleWeb3Auth() {
	web3auth := tokengatetest.NewIssuer() // stands in for Web3Auth (ES256)
	defer web3auth.Close()

	m, err := tokengate.New(tokengate.Web3Auth("BMyClientID", tokengate.ProviderJWKSURL(web3auth.JWKSURL())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	tok := web3auth.Web3AuthToken("BMyClientID", tokengate.Claims{},
		tokengatetest.WithClaim("iss", "https://api-auth.web3auth.io"),
		tokengatetest.WithClaim("wallets", []map[string]string{{
			"public_key": "038318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75",
			"type":       "web3auth_app_key",
			"curve":      "secp256k1",
		}}))
	c, err := m.Verify(context.Background(), tok)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Wallets)
	// Output:
	// [{eip155 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266}]
}
