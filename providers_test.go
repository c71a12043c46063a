package tokengate_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// Public test vectors, from outside tokengate, for the addresses the
// presets derive from public keys:
//   - anvil's (and hardhat's) default account 0: private key
//     0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80,
//     compressed public key 038318535b…fed75, address
//     0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 (getfoundry.sh/anvil; the
//     key-to-address pair in wevm/ox src/core/Address.ts, fromPublicKey);
//   - the ed25519 public key 1b2f4909…9922 of solana-web3.js
//     test/keypair.test.ts ("create keypair from secret key"), whose address
//     is 2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF.
const (
	anvilPub0     = "038318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed75"
	anvilAddr0    = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
	solanaPub     = "1b2f49096e3e5dbd0fcfa9c0c0cd92d9ab3b21544b34d5dd4a65d98b878b9922"
	solanaAddr    = "2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF"
	evmWallet     = "0x809d4310d578649d8539e718030ee11e603ee8f3"
	privyApp      = "clpispdty00ycl80fpueukbhl"
	dynamicEnv    = "02203765-a9f5-4bf2-a9c8-e6e2e85c3fe1"
	dynamicOrigin = "http://localhost:5173"
	web3authID    = "BJp5VGbuhg_mUA7B0SseDPBWabmYmEFXpfu8CGWSw"
)

// docToken mints a token whose payload is exactly claims (iat and exp
// relative to now), as a provider's docs lay it out.
func docToken(iss *tokengatetest.Issuer, claims map[string]any, opts ...tokengatetest.TokenOption) string {
	now := time.Now()
	all := []tokengatetest.TokenOption{tokengatetest.WithoutClaim("iss", "jti", "iat", "exp"),
		tokengatetest.WithClaim("iat", now.Unix()), tokengatetest.WithClaim("exp", now.Add(time.Hour).Unix())}
	for name, v := range claims {
		all = append(all, tokengatetest.WithClaim(name, v))
	}
	return iss.Token(tokengate.Claims{}, append(all, opts...)...)
}

// privyIdentity is a Privy identity token's claims as
// docs.privy.io/user-management/users/identity-tokens lists them (sub, iss,
// aud, iat, exp, linked_accounts as a string, custom_metadata), with the
// linked_accounts entry shapes that privy-io/node-sdk's
// tests/integration/lib/auth.test.ts signs (email, wallet, github_oauth),
// plus a smart_wallet and a Solana wallet.
func privyIdentity(aud string) map[string]any {
	linked, _ := json.Marshal([]map[string]any{
		{"type": "email", "address": "test@test.com", "lv": 1700000000},
		{"type": "wallet", "address": anvilAddr0, "chain_type": "ethereum", "wallet_client_type": "privy", "id": "w1", "lv": 1700000000},
		{"type": "github_oauth", "subject": "123", "username": "octo", "lv": 1700000000},
		{"type": "smart_wallet", "address": evmWallet, "smart_wallet_type": "safe", "lv": 1700000000},
		{"type": "wallet", "address": solanaAddr, "chain_type": "solana", "wallet_client_type": "phantom", "lv": 1700000000},
	})
	return map[string]any{"sub": "did:privy:cm3np4u9j001rc8b73seqmqqk", "iss": "privy.io", "aud": aud,
		"cr": "1700000000", "linked_accounts": string(linked), "custom_metadata": "{}"}
}

// dynamicJWT is Dynamic's full JWT as a decoded token shows it (kid,
// environment_id, sid, verified_credentials with a Solana wallet, per
// dynamic.xyz/docs/api-reference/schemas/DynamicJwt and JwtVerifiedCredential),
// with an eip155 credential as the user-payload doc example writes it and
// an e-mail credential.
func dynamicJWT(iss, aud, scope string) map[string]any {
	return map[string]any{
		"kid": "c329830f-ee3b-472d-8cc1-01655ec55fc1", "aud": aud, "iss": iss,
		"sub": "34999b11-ad84-4c10-aa03-bef4bbf1697e", "sid": "6131bb1d-d463-40af-a213-8f7810914af3",
		"environment_id": dynamicEnv, "scope": scope, "new_user": false,
		"last_verified_credential_id": "dff1cf66-1dac-45aa-a112-d8b41ba5d698",
		"verified_credentials": []map[string]any{
			{"address": solanaAddr, "chain": "solana", "id": "dff1cf66-1dac-45aa-a112-d8b41ba5d698",
				"public_identifier": solanaAddr, "wallet_name": "phantom", "wallet_provider": "browserExtension",
				"format": "blockchain", "signInEnabled": true},
			{"address": evmWallet, "chain": "eip155", "id": "af615228-99e5-48ee-905d-4575f0a6bfc9", "wallet_name": "metamask", "format": "blockchain"},
			{"id": "0c4b7c1e-5f7e-4a40-a1b5-3a4f2f6c9d11", "format": "email", "email": "a@b.c", "public_identifier": "a@b.c"},
		},
	}
}

// web3authSocial is a social login's identity token as
// docs.metamask.io/embedded-wallets/authentication/id-token shows it, with
// the public-key test vectors in place of the doc's shortened keys.
func web3authSocial(aud string) map[string]any {
	return map[string]any{"aud": aud, "nonce": "030cb3f1ab9593d987b17cb38afe331561105213", "iss": "https://api-auth.web3auth.io",
		"wallets": []map[string]any{
			{"public_key": solanaPub, "type": "web3auth_app_key", "curve": "ed25519"},
			{"public_key": anvilPub0, "type": "web3auth_app_key", "curve": "secp256k1"},
		},
		"email": "user@example.com", "name": "A User", "authConnection": "web3auth", "userId": "user@example.com",
		"groupedAuthConnectionId": "web3auth-google-sapphire-mainnet"}
}

// web3authExternal is an external wallet's identity token as the same doc
// and web3auth.io/docs/features/server-side-verification show it.
func web3authExternal(aud string) map[string]any {
	return map[string]any{"iss": "https://authjs.web3auth.io", "aud": aud,
		"wallets": []map[string]any{{"address": evmWallet, "type": "ethereum"}}}
}

func TestProviderPresets(t *testing.T) {
	es := newIssuer(t, jwa.ES256)
	rs := newIssuer(t, jwa.RS256)
	m := newMiddleware(t,
		tokengate.Privy(privyApp, tokengate.ProviderJWKSURL(es.JWKSURL())),
		tokengate.Dynamic(dynamicEnv, tokengate.ProviderJWKSURL(rs.JWKSURL()), tokengate.ProviderAudience(dynamicOrigin)),
		tokengate.Web3Auth(web3authID, tokengate.ProviderJWKSURL(es.JWKSURL())),
	)
	edit := func(claims map[string]any, name string, v any) map[string]any {
		claims[name] = v
		return claims
	}
	evm := func(a string) tokengate.WalletAccount { return tokengate.WalletAccount{Chain: "eip155", Address: a} }
	sol := tokengate.WalletAccount{Chain: "solana", Address: solanaAddr}
	privyAccess := map[string]any{"sid": "cm3np4u9j001rc8b73seqmqqk", "sub": "did:privy:cm3np4u9j001rc8b73seqmqqk", "iss": "privy.io", "aud": privyApp}

	tests := []struct {
		name    string
		tok     string
		status  int
		wallets []tokengate.WalletAccount
	}{
		{"Privy identity token", docToken(es, privyIdentity(privyApp)), 200, []tokengate.WalletAccount{evm(anvilAddr0), evm(evmWallet), sol}},
		{"Privy access token has no wallets", docToken(es, privyAccess), 200, nil},
		{"Privy: another app's audience", docToken(es, privyIdentity("another-app")), 401, nil},
		{"Privy: iss as a URL", docToken(es, edit(privyIdentity(privyApp), "iss", "https://privy.io")), 401, nil},
		{"Privy: wrong algorithm", docToken(rs, privyIdentity(privyApp)), 401, nil},
		{"Privy: typ other than JWT", docToken(es, privyIdentity(privyApp), tokengatetest.WithHeader("typ", "at+jwt")), 401, nil},
		{"Privy: no typ", docToken(es, privyIdentity(privyApp), tokengatetest.WithHeader("typ", nil)), 401, nil},
		{"Privy: linked_accounts as an array", docToken(es, edit(privyIdentity(privyApp), "linked_accounts", []any{})), 401, nil},
		{"Privy: linked_accounts null", docToken(es, edit(privyIdentity(privyApp), "linked_accounts", nil)), 401, nil},
		{"Privy: a wallet without address", docToken(es, edit(privyIdentity(privyApp), "linked_accounts", `[{"type":"wallet","chain_type":"ethereum"}]`)), 401, nil},

		{"Dynamic", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "user:basic")), 200, []tokengate.WalletAccount{sol, evm(evmWallet)}},
		{"Dynamic on its other API host", docToken(rs, dynamicJWT("app.dynamicauth.com/"+dynamicEnv, dynamicOrigin, "user:basic")), 200, []tokengate.WalletAccount{sol, evm(evmWallet)}},
		{"Dynamic: another environment's issuer", docToken(rs, dynamicJWT("app.dynamic.xyz/9e7a3d5c-0000-4000-8000-000000000000", dynamicOrigin, "user:basic")), 401, nil},
		{"Dynamic: another site's origin", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, "https://evil.example", "user:basic")), 401, nil},
		{"Dynamic: wrong algorithm", docToken(es, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "user:basic")), 401, nil},
		{"Dynamic: MFA pending, no user:basic", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "requiresAdditionalAuth")), 403, nil},
		{"Dynamic: no scope", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "user:basic"), tokengatetest.WithoutClaim("scope")), 403, nil},
		{"Dynamic: user:basic in scp, not scope", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "x"),
			tokengatetest.WithoutClaim("scope"), tokengatetest.WithClaim("scp", []string{"user:basic"})), 403, nil},
		{"Dynamic: scope not a string", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "x"),
			tokengatetest.WithClaim("scope", []string{"user:basic"})), 401, nil},
		{"Dynamic: verified_credentials null", docToken(rs, edit(dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "user:basic"), "verified_credentials", nil)), 401, nil},
		{"Dynamic: a prefix of user:basic is not it", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "user:basi user:basicx")), 403, nil},
		{"Dynamic: user:basic among others", docToken(rs, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "userDataForm user:basic")), 200, []tokengate.WalletAccount{sol, evm(evmWallet)}},
		{"Dynamic: a chain id instead of a namespace", docToken(rs, edit(dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "user:basic"), "verified_credentials",
			[]map[string]any{{"address": evmWallet, "chain": "eip155:1", "id": "x", "format": "blockchain"}})), 401, nil},

		{"Web3Auth social login", docToken(es, web3authSocial(web3authID)), 200, []tokengate.WalletAccount{sol, evm(anvilAddr0)}},
		{"Web3Auth external wallet", docToken(es, web3authExternal(web3authID)), 200, []tokengate.WalletAccount{evm(evmWallet)}},
		{"Web3Auth: another project's client id", docToken(es, web3authSocial("BAnotherProject")), 401, nil},
		{"Web3Auth: wrong algorithm", docToken(rs, web3authSocial(web3authID)), 401, nil},
		{"Web3Auth: a key outside the field", docToken(es, edit(web3authSocial(web3authID), "wallets",
			[]map[string]any{{"public_key": "02" + strings.Repeat("ff", 32), "type": "web3auth_app_key", "curve": "secp256k1"}})), 401, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(m.Handler, bearer(tt.tok))
			require.Equal(t, tt.status, res.status, "body %s", res.body)
			if tt.status != 200 {
				assert.False(t, res.reached)
				return
			}
			require.NotNil(t, res.claims)
			if tt.wallets == nil {
				assert.Empty(t, res.claims.Wallets)
			} else {
				assert.Equal(t, tt.wallets, res.claims.Wallets)
			}
		})
	}
}

// TestProviderWalletGating: Wallet and Chain gate a preset's tokens by the
// wallets in the provider's own claims.
func TestProviderWalletGating(t *testing.T) {
	es := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.Web3Auth(web3authID, tokengate.ProviderJWKSURL(es.JWKSURL())))
	social := docToken(es, web3authSocial(web3authID))
	tests := []struct {
		name   string
		req    tokengate.Requirement
		status int
	}{
		{"derived EVM address, lower case", tokengate.Wallet("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"), 200},
		{"derived Solana address", tokengate.Wallet(solanaAddr), 200},
		{"another wallet", tokengate.Wallet(evmWallet), 403},
		{"namespace eip155", tokengate.Chain("eip155"), 200},
		{"namespace solana", tokengate.Chain("solana"), 200},
		{"a specific chain: the token names only namespaces", tokengate.Chain("ethereum"), 403},
		{"Solana mainnet: only the namespace is known", tokengate.Chain("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(func(h http.Handler) http.Handler { return m.Handler(m.Require(tt.req)(h)) }, bearer(social))
			assert.Equal(t, tt.status, res.status)
		})
	}
}

// TestTwoPresets: two providers in one Middleware keep their own audience
// and keys: a token of one signed with the other's key, or carrying the
// other's audience, is refused.
func TestTwoPresets(t *testing.T) {
	privyKeys, web3Keys := newIssuer(t, jwa.ES256), newIssuer(t, jwa.ES256)
	m := newMiddleware(t,
		tokengate.Privy(privyApp, tokengate.ProviderJWKSURL(privyKeys.JWKSURL())),
		tokengate.Web3Auth(web3authID, tokengate.ProviderJWKSURL(web3Keys.JWKSURL())),
	)
	tests := []struct {
		name   string
		tok    string
		status int
	}{
		{"Privy token, Privy key", docToken(privyKeys, privyIdentity(privyApp)), 200},
		{"Web3Auth token, Web3Auth key", docToken(web3Keys, web3authSocial(web3authID)), 200},
		{"Privy token signed with Web3Auth's key", docToken(web3Keys, privyIdentity(privyApp)), 401},
		{"Web3Auth token signed with Privy's key", docToken(privyKeys, web3authSocial(web3authID)), 401},
		{"Privy token carrying Web3Auth's audience", docToken(privyKeys, privyIdentity(web3authID)), 401},
		{"Web3Auth token carrying Privy's audience", docToken(web3Keys, web3authSocial(privyApp)), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, serve(m.Handler, bearer(tt.tok)).status)
		})
	}
}

// TestPresetConfig: mistakes in a preset's configuration fail New.
func TestPresetConfig(t *testing.T) {
	for name, opt := range map[string]tokengate.Option{
		"Privy empty app id":            tokengate.Privy(""),
		"Privy app id with a slash":     tokengate.Privy("a/b"),
		"Dynamic without its audience":  tokengate.Dynamic(dynamicEnv),
		"Web3Auth empty audience":       tokengate.Web3Auth(web3authID, tokengate.ProviderAudience("")),
		"empty JWKS URL":                tokengate.Privy(privyApp, tokengate.ProviderJWKSURL("")),
		"nil option":                    tokengate.Privy(privyApp, nil),
		"JWKS URL that is not http(s)":  tokengate.Privy(privyApp, tokengate.ProviderJWKSURL("file:///etc/passwd")),
		"bad JWKS option":               tokengate.Privy(privyApp, tokengate.ProviderJWKSOptions(tokengate.JWKSTimeout(-1))),
		"the same preset twice (below)": nil,
	} {
		t.Run(name, func(t *testing.T) {
			opts := []tokengate.Option{opt}
			if opt == nil {
				opts = []tokengate.Option{tokengate.Privy(privyApp), tokengate.Privy(privyApp)}
			}
			m, err := tokengate.New(opts...)
			if m != nil {
				_ = m.Close()
			}
			require.ErrorIs(t, err, tokengate.ErrConfig)
			assert.Regexp(t, `^tokengate: `, err.Error())
		})
	}
}

// TestIssuerSettings: WithIssuer's options apply to that issuer's tokens
// only.
func TestIssuerSettings(t *testing.T) {
	a, b := newIssuer(t, jwa.ES256), newIssuer(t, jwa.RS256)
	m := newMiddleware(t,
		tokengate.WithIssuer(a.URL(), keysOf(a), tokengate.IssuerAudience("app-a"), tokengate.IssuerTypes("at+jwt")),
		tokengate.WithIssuer(b.URL(), keysOf(b), tokengate.IssuerAlgorithms(jwa.RS256)),
		tokengate.WithAudience("shared"),
		tokengate.WithAlgorithms(jwa.ES256),
	)
	at := tokengatetest.WithHeader("typ", "at+jwt")
	tests := []struct {
		name   string
		tok    string
		status int
	}{
		{"a: its own audience", a.Token(tokengate.Claims{Audience: []string{"app-a"}}, at), 200},
		{"a: the Middleware's audience is not its", a.Token(tokengate.Claims{Audience: []string{"shared"}}, at), 401},
		{"a: typ application/at+jwt", a.Token(tokengate.Claims{Audience: []string{"app-a"}}, tokengatetest.WithHeader("typ", "application/at+jwt")), 200},
		{"a: typ AT+JWT", a.Token(tokengate.Claims{Audience: []string{"app-a"}}, tokengatetest.WithHeader("typ", "AT+JWT")), 200},
		{"a: typ JWT", a.Token(tokengate.Claims{Audience: []string{"app-a"}}), 401},
		{"a: no typ", a.Token(tokengate.Claims{Audience: []string{"app-a"}}, tokengatetest.WithHeader("typ", nil)), 401},
		{"b: the Middleware's audience", b.Token(tokengate.Claims{Audience: []string{"shared"}}), 200},
		{"b: a's audience", b.Token(tokengate.Claims{Audience: []string{"app-a"}}), 401},
		{"b: RS256 although WithAlgorithms lists only ES256", b.Token(tokengate.Claims{Audience: []string{"shared"}}), 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.status, serve(m.Handler, bearer(tt.tok)).status)
		})
	}
}
