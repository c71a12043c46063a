package tokengate

import (
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate/internal/wallet"
)

// Provider presets: one Option per wallet-login provider that pins the
// provider's issuer, algorithm, key-set URL and audience rule, reads the
// provider's wallet claims into [Claims.Wallets] (for that provider's tokens
// only), and applies the checks the provider asks backends to make. Each
// fact is cited from the provider's docs or official SDK beside it.

// ProviderOption adjusts a provider preset ([Privy], [Dynamic], [Web3Auth]).
type ProviderOption func(*providerConfig) error

type providerConfig struct {
	jwksURL  string
	audience []string
	jwksOpts []JWKSOption
}

// ProviderJWKSURL fetches the provider's keys from url instead of the
// provider's own endpoint: a test issuer (tokengatetest's JWKSURL), or a
// proxy. The preset's issuer, algorithm and audience rules still apply. New
// fails on an empty url; the url is checked as [JWKS] checks it.
func ProviderJWKSURL(url string) ProviderOption {
	return func(c *providerConfig) error {
		if url == "" {
			return errors.New("ProviderJWKSURL: empty URL")
		}
		c.jwksURL = url
		return nil
	}
}

// ProviderAudience sets the audiences the provider's tokens must name, in
// place of the preset's default (the app or client id). [Dynamic] needs it:
// its tokens name the site's origin, such as "https://app.example.com". New
// fails on an empty list or an empty value.
func ProviderAudience(aud ...string) ProviderOption {
	return func(c *providerConfig) error {
		if len(aud) == 0 || slices.Contains(aud, "") {
			return errors.New("ProviderAudience: empty audience")
		}
		c.audience = append(c.audience, aud...)
		return nil
	}
}

// ProviderJWKSOptions passes opts to the preset's [JWKS] source (refresh
// bounds, client, timeouts, hooks). Default: JWKS's defaults.
func ProviderJWKSOptions(opts ...JWKSOption) ProviderOption {
	return func(c *providerConfig) error {
		c.jwksOpts = append(c.jwksOpts, opts...)
		return nil
	}
}

// preset is what a provider pins for one of its issuers.
type preset struct {
	iss     string
	jwksURL string // the provider's own key-set endpoint
	alg     jwa.SignatureAlgorithm
	typ     string // required header typ, "" when the provider asks for none
	wallets *walletClaim
	checks  []func(*Claims) error
}

// presetOption applies a provider's issuers: one WithIssuer each, with the
// audience aud unless opts name their own (requireAudience: the provider
// has no default audience).
func presetOption(provider, id string, aud []string, presets []preset, opts []ProviderOption) Option {
	return func(c *config) error {
		if id == "" || url.PathEscape(id) != id {
			return fmt.Errorf("%s: %q is not a valid id (empty, or characters that need escaping)", provider, id)
		}
		var pc providerConfig
		for _, o := range opts {
			if o == nil {
				return fmt.Errorf("%s: nil option", provider)
			}
			if err := o(&pc); err != nil {
				return fmt.Errorf("%s: %w", provider, err)
			}
		}
		if pc.audience != nil {
			aud = pc.audience
		}
		if aud == nil {
			return fmt.Errorf("%s: ProviderAudience is required: the provider's tokens name the site's origin", provider)
		}
		for _, p := range presets {
			keysURL := p.jwksURL
			if pc.jwksURL != "" {
				keysURL = pc.jwksURL
			}
			iopts := []IssuerOption{IssuerAudience(aud...), IssuerAlgorithms(p.alg), func(ic *issuerConfig) error {
				ic.wallets, ic.checks = p.wallets, p.checks
				return nil
			}}
			if p.typ != "" {
				iopts = append(iopts, IssuerTypes(p.typ))
			}
			if err := WithIssuer(p.iss, JWKS(keysURL, pc.jwksOpts...), iopts...)(c); err != nil {
				return fmt.Errorf("%s: %w", provider, err)
			}
		}
		return nil
	}
}

// Privy accepts Privy's access and identity tokens for the app appID:
//
//   - iss "privy.io", aud appID, ES256, header typ "JWT": the checks of
//     Privy's server SDK (privy-io/node-sdk src/lib/auth.ts
//     verifyPrivyIssuedJwt: typ 'JWT', algorithms ['ES256'], issuer
//     'privy.io', audience appId; docs.privy.io/authentication/
//     user-authentication/access-tokens);
//   - keys from https://api.privy.io/v1/apps/<appID>/jwks.json (node-sdk
//     createPrivyAppJWKS);
//   - identity tokens' "linked_accounts", a string holding a JSON array
//     (docs.privy.io/user-management/users/identity-tokens), become
//     [Claims.Wallets]: "wallet" entries by their chain_type ("ethereum" →
//     "eip155", "solana"), "smart_wallet" entries as "eip155". E-mail,
//     phone and social accounts are not wallets. Access tokens carry no
//     wallets.
//
// A malformed linked_accounts refuses the token (401). New fails on an
// empty appID or one with characters that need escaping in a URL path.
func Privy(appID string, opts ...ProviderOption) Option {
	return presetOption("Privy", appID, []string{appID}, []preset{{
		iss:     "privy.io",
		jwksURL: "https://api.privy.io/v1/apps/" + appID + "/jwks.json",
		alg:     jwa.ES256,
		typ:     "JWT",
		wallets: &walletClaim{name: "linked_accounts", read: wallet.Privy},
	}}, opts)
}

// Dynamic accepts Dynamic's tokens for the environment environmentID:
//
//   - iss "app.dynamic.xyz/<environmentID>", and also
//     "app.dynamicauth.com/<environmentID>", the other API host Dynamic's
//     issuer can name ("current backend api host + environment id":
//     dynamic.xyz/docs/api-reference/schemas/MinifiedDynamicJwt), each with
//     keys from its host's /api/v0/sdk/<environmentID>/.well-known/jwks;
//   - RS256 ("Dynamic signs JWTs with RS256 ... unique per environment":
//     dynamic.xyz/docs/overview/authentication/tokens);
//   - aud is the site's origin (same schema), so [ProviderAudience] is
//     required: New fails without it;
//   - the "scope" claim, space-separated ("scp" does not count), must hold
//     "user:basic": "If user:basic is
//     not among the scopes, the user has NOT completed authentication"
//     (dynamic.xyz/docs/overview/authentication/dynamic-auth/protect-servers).
//     A token without it is answered 403 insufficient_scope;
//   - "verified_credentials" entries with "format": "blockchain" become
//     [Claims.Wallets], with their "chain" as a CAIP-2 namespace ("eip155",
//     "solana"); e-mail and social credentials are not wallets
//     (dynamic.xyz/docs/api-reference/schemas/JwtVerifiedCredential). Only
//     Dynamic's full token carries them; its minified token has none.
//
// A malformed verified_credentials refuses the token (401). New fails on an
// empty environmentID or one with characters that need escaping.
func Dynamic(environmentID string, opts ...ProviderOption) Option {
	var presets []preset
	for _, host := range []string{"app.dynamic.xyz", "app.dynamicauth.com"} {
		presets = append(presets, preset{
			iss:     host + "/" + environmentID,
			jwksURL: "https://" + host + "/api/v0/sdk/" + environmentID + "/.well-known/jwks",
			alg:     jwa.RS256,
			wallets: &walletClaim{name: "verified_credentials", read: wallet.Dynamic},
			checks:  []func(*Claims) error{requireScopeClaim("user:basic")},
		})
	}
	return presetOption("Dynamic", environmentID, nil, presets, opts)
}

// Web3Auth accepts the identity tokens of Web3Auth (MetaMask Embedded
// Wallets) for the project clientID:
//
//   - iss "https://api-auth.web3auth.io" (social logins, keys from
//     https://api-auth.web3auth.io/jwks) and "https://authjs.web3auth.io"
//     (external wallets, keys from https://authjs.web3auth.io/jwks);
//   - ES256, aud clientID ("must equal your Project Client ID":
//     docs.metamask.io/embedded-wallets/authentication/id-token);
//   - "wallets" become [Claims.Wallets]: an external wallet's "address"
//     ("type" "ethereum" → "eip155", "solana"), or a social login's
//     "public_key", from which the address is derived: for "curve"
//     "secp256k1" the EVM address (the last 20 bytes of the Keccak-256 of
//     the uncompressed key), for "ed25519" the Solana address (the key in
//     base58).
//
// A malformed wallets claim refuses the token (401). New fails on an empty
// clientID or one with characters that need escaping.
func Web3Auth(clientID string, opts ...ProviderOption) Option {
	wallets := &walletClaim{name: "wallets", read: wallet.Web3Auth}
	return presetOption("Web3Auth", clientID, []string{clientID}, []preset{
		{iss: "https://api-auth.web3auth.io", jwksURL: "https://api-auth.web3auth.io/jwks", alg: jwa.ES256, wallets: wallets},
		{iss: "https://authjs.web3auth.io", jwksURL: "https://authjs.web3auth.io/jwks", alg: jwa.ES256, wallets: wallets},
	}, opts)
}
