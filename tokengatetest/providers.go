package tokengatetest

import (
	"encoding/json"
	"strings"

	"github.com/tokengate/tokengate"
)

// Provider-shaped tokens: each method mints a token whose claims are laid
// out as the provider's own tokens are, so that a handler behind a
// tokengate preset can be tested with an [Issuer] standing in for the
// provider:
//
//	iss := tokengatetest.NewIssuer() // ES256
//	m, _ := tokengate.New(tokengate.Privy(appID, tokengate.ProviderJWKSURL(iss.JWKSURL())))
//	tok := iss.PrivyToken(appID, tokengate.Claims{Wallets: []tokengate.WalletAccount{{Chain: "eip155", Address: addr}}})
//
// The wallets come from c.Wallets, whose chains must be a namespace or a
// CAIP-2 id in the "eip155" or "solana" namespace; the other fields of c
// fill the registered claims as [Issuer.Token] fills them (iss, aud and
// the provider's own claims are set by the method). opts apply last, so
// [WithClaim] can replace any claim with another shape. The methods panic,
// as Token does, when the token cannot be built.

// PrivyToken mints a token shaped like a Privy identity token for the app
// appID (docs.privy.io/user-management/users/identity-tokens): iss
// "privy.io", aud appID, sub "did:privy:…", no jti, and "linked_accounts", a
// string holding a JSON array with one "wallet" entry per wallet in
// c.Wallets (chain_type "ethereum" or "solana", wallet_client_type
// "privy") and an "email" entry when c.Email is set. Sign with ES256 (the
// default of [NewIssuer]), as tokengate.Privy expects.
func (i *Issuer) PrivyToken(appID string, c tokengate.Claims, opts ...TokenOption) string {
	accounts := []map[string]any{}
	if c.Email != "" {
		accounts = append(accounts, map[string]any{"type": "email", "address": c.Email, "lv": 1700000000})
	}
	for _, w := range c.Wallets {
		chainType := "ethereum"
		if namespace(w.Chain) == "solana" {
			chainType = "solana"
		}
		accounts = append(accounts, map[string]any{"type": "wallet", "address": w.Address, "chain_type": chainType,
			"wallet_client_type": "privy", "lv": 1700000000})
	}
	linked, err := json.Marshal(accounts)
	must(err)
	if c.Subject == "" {
		c.Subject = "did:privy:" + randomHex(12)
	}
	c.Issuer, c.Audience, c.Email = "privy.io", []string{appID}, ""
	return i.Token(c, append([]TokenOption{WithoutClaim("jti"), WithClaim("linked_accounts", string(linked))}, opts...)...)
}

// DynamicToken mints a token shaped like Dynamic's full JWT for the
// environment environmentID, as seen from the site origin
// (dynamic.xyz/docs/api-reference/schemas/DynamicJwt): iss
// "app.dynamic.xyz/<environmentID>", aud origin, environment_id, sid,
// scope "user:basic", and "verified_credentials" with one "blockchain"
// credential per wallet in c.Wallets (chain: its namespace) and an "email"
// credential when c.Email is set. Sign with RS256
// (NewIssuer(WithAlgorithm(jwa.RS256))), as tokengate.Dynamic expects.
func (i *Issuer) DynamicToken(environmentID, origin string, c tokengate.Claims, opts ...TokenOption) string {
	creds := []map[string]any{}
	for _, w := range c.Wallets {
		creds = append(creds, map[string]any{"id": uuid(), "format": "blockchain", "address": w.Address,
			"chain": namespace(w.Chain), "wallet_name": "metamask", "wallet_provider": "browserExtension"})
	}
	if c.Email != "" {
		creds = append(creds, map[string]any{"id": uuid(), "format": "email", "email": c.Email, "public_identifier": c.Email})
	}
	if c.Subject == "" {
		c.Subject = uuid()
	}
	c.Issuer, c.Audience = "app.dynamic.xyz/"+environmentID, []string{origin}
	return i.Token(c, append([]TokenOption{WithoutClaim("jti"), WithClaim("environment_id", environmentID),
		WithClaim("sid", uuid()), WithClaim("scope", "user:basic"), WithClaim("verified_credentials", creds)}, opts...)...)
}

// Web3AuthToken mints a token shaped like a Web3Auth (MetaMask Embedded
// Wallets) identity token for an external-wallet login to the project
// clientID (docs.metamask.io/embedded-wallets/authentication/id-token):
// iss "https://authjs.web3auth.io", aud clientID, no sub and no jti, and
// "wallets" with one {"address", "type"} entry per wallet in c.Wallets
// (type "ethereum" or "solana"). For a social login's public keys, pass
// WithClaim("iss", "https://api-auth.web3auth.io") and WithClaim("wallets",
// ...) with entries {"public_key", "type": "web3auth_app_key", "curve"}.
// Sign with ES256, as tokengate.Web3Auth expects.
func (i *Issuer) Web3AuthToken(clientID string, c tokengate.Claims, opts ...TokenOption) string {
	wallets := []map[string]any{}
	for _, w := range c.Wallets {
		typ := "ethereum"
		if namespace(w.Chain) == "solana" {
			typ = "solana"
		}
		wallets = append(wallets, map[string]any{"address": w.Address, "type": typ})
	}
	c.Issuer, c.Audience = "https://authjs.web3auth.io", []string{clientID}
	return i.Token(c, append([]TokenOption{WithoutClaim("jti"), WithClaim("wallets", wallets)}, opts...)...)
}

// namespace is the CAIP-2 namespace of a chain id or namespace.
func namespace(chain string) string {
	ns, _, _ := strings.Cut(chain, ":")
	return ns
}

// uuid is a random version-4 UUID in its text form.
func uuid() string {
	h := []byte(randomHex(16))
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return string(h[:8]) + "-" + string(h[8:12]) + "-" + string(h[12:16]) + "-" + string(h[16:20]) + "-" + string(h[20:])
}
