// Package tokengatetest provides a token issuer for tests of code that uses
// [github.com/tokengate/tokengate].
//
// An [Issuer] plays the part of a wallet login provider: it holds a signing
// key, serves its public keys from a JWKS endpoint on a local
// [net/http/httptest.Server], and mints signed compact JWTs from
// [github.com/tokengate/tokengate.Claims]. Point a middleware at
// [Issuer.JWKSURL] (or, for HMAC issuers, at [Issuer.Secret]) and send the
// tokens from [Issuer.Token] in an Authorization: Bearer header.
//
// # Defaults
//
// [NewIssuer] signs with ES256 on a fresh P-256 key unless [WithAlgorithm]
// picks another algorithm. [Issuer.Token] fills in "iss" (the issuer's URL),
// "iat" (now), "exp" (now plus one hour) and a random "jti" when the claims
// leave them zero, and puts "alg", "kid" and "typ": "JWT" in the protected
// header.
//
// # Broken and hostile tokens
//
// Tests of rejection paths need tokens a real issuer would never mint.
// [WithClaim], [WithoutClaim] and [WithHeader] change the payload and the
// protected header of one token before it is signed, for example to drop
// "exp", to send "exp" as a string, to remove the "kid" or to label the
// header with a different "alg" than the one that signed it.
//
// # DPoP
//
// A [DPoPKey] is a client's DPoP key (RFC 9449): [BoundTo] binds a token to
// it (cnf.jkt), [DPoPKey.Proof] mints a proof for a method, URL and token,
// and [DPoPKey.Authorize] puts "Authorization: DPoP" and a fresh proof on a
// request. [ProofNonce], [ProofIssuedAt], [ProofClaim] and [ProofHeader]
// shape proofs, hostile ones included.
//
// # Key rotation
//
// [Issuer.Rotate] switches to a new signing key with a new key id. The JWKS
// endpoint then publishes the new key and the one before it, so tokens
// minted just before a rotation still verify, as with a real provider.
//
// Like httptest, the helpers panic rather than return errors: a bad
// algorithm or a token that cannot be signed is a bug in the test.
package tokengatetest
