package tokengatetest

import "github.com/lestrrat-go/jwx/v2/jwa"

// IssuerOption configures an [Issuer] in [NewIssuer].
type IssuerOption func(*issuerConfig)

type issuerConfig struct {
	alg jwa.SignatureAlgorithm
}

// WithAlgorithm sets the algorithm the issuer signs with. The default is
// ES256. Supported algorithms and the keys generated for them:
//
//   - ES256 (P-256), ES384 (P-384)
//   - RS256, PS256 (RSA 2048)
//   - EdDSA (Ed25519)
//   - HS256, HS384, HS512 (a random secret of 32, 48 or 64 bytes)
//
// [NewIssuer] panics when alg is not one of them.
func WithAlgorithm(alg jwa.SignatureAlgorithm) IssuerOption {
	return func(c *issuerConfig) { c.alg = alg }
}

// TokenOption changes one token minted by [Issuer.Token]. Options apply in
// the order given, after the claims have been filled in, so a later option
// wins over an earlier one for the same name.
type TokenOption func(*tokenConfig)

type tokenConfig struct {
	edits []edit
}

// edit is one change to the payload (header false) or to the protected
// header: set name to value, or drop name when remove is set.
type edit struct {
	header bool
	name   string
	value  any
	remove bool
}

// WithClaim sets the payload claim name to value, adding it or replacing
// what the claims (or the defaults) put there. value is encoded with
// encoding/json as given, so WithClaim("exp", "tomorrow") sends a string
// where a number belongs, and WithClaim("aud", []string{"api"}) forces the
// array form of a single audience. A nil value encodes as JSON null; use
// [WithoutClaim] to drop a claim.
func WithClaim(name string, value any) TokenOption {
	return func(c *tokenConfig) {
		c.edits = append(c.edits, edit{name: name, value: value})
	}
}

// WithoutClaim drops the named payload claims, defaults included: for
// example WithoutClaim("iss") for a Refold-style token with no issuer, or
// WithoutClaim("exp") for a token that never expires. Names the payload does
// not hold are ignored.
func WithoutClaim(names ...string) TokenOption {
	return func(c *tokenConfig) {
		for _, n := range names {
			c.edits = append(c.edits, edit{name: n, remove: true})
		}
	}
}

// WithHeader sets the protected header field name to value, adding it or
// replacing the default ("kid" is the current key id, "typ" is "JWT"). A nil
// value removes the field. Setting "alg" changes only the label: the token
// is still signed with the issuer's key and algorithm, which makes
// algorithm-confusion tokens. Registered fields must have the type jwx
// expects (strings for "kid", "typ", "cty"; []string for "crit"; bool for
// "b64"); otherwise [Issuer.Token] panics.
func WithHeader(name string, value any) TokenOption {
	return func(c *tokenConfig) {
		c.edits = append(c.edits, edit{header: true, name: name, value: value, remove: value == nil})
	}
}
