// Package tokengate is net/http middleware that verifies the Bearer JWTs
// wallet-login providers issue, puts typed [Claims] into the request
// context, and answers refused requests the RFC 6750 way.
//
// # Quick start
//
//	m, err := tokengate.New(
//		tokengate.WithIssuer("https://picketapi.com", tokengate.JWKS("https://picketapi.com/.well-known/jwks.json")),
//		tokengate.WithAudience("my-project-id"),
//	)
//	if err != nil { ... }
//	defer m.Close()
//	http.Handle("/api/", m.Handler(api))
//
// In the handler, [ClaimsFromContext] returns the verified claims.
//
// # Keys
//
// Every issuer is bound to its keys with [WithIssuer]; tokens without "iss"
// (or with an issuer not listed) use [WithKeys]. Key sources: [JWKS] (fetched
// and refreshed in the background), [PublicKey], [HMACSecret] / [HMACKey],
// and [KeySet]. Each key verifies with exactly one algorithm, and the
// token's header "alg" must equal it. [IssuerAudience], [IssuerAlgorithms]
// and [IssuerTypes] set what applies to one issuer's tokens only.
//
// # Wallet-login providers
//
// [Privy], [Dynamic] and [Web3Auth] are one option each: the provider's
// issuer, algorithm, key set, audience and required checks, and its wallet
// claims read into [Claims.Wallets], which [Wallet] and [Chain] gate on.
//
// # Verification
//
// For each token, in order: a size cap and a strict compact-form check
// (three base64url segments, no padding); the header (alg allowed; crit,
// b64, cty and JWE headers refused; jku, x5u, jwk and x5c ignored); the key
// by iss then kid; the signature; the claims (exp required, nbf, iat, clock
// skew, maximum lifetime, aud). JSON is decoded strictly: duplicate names,
// invalid UTF-8 and claims of the wrong type are refused.
//
// # Answers
//
// Refused requests never reach the handler. By default they are answered:
//
//	no token                                 401  WWW-Authenticate: Bearer realm="api"
//	malformed Authorization, two headers     400  Bearer realm="api", error="invalid_request"
//	bad signature, expired, wrong iss/aud    401  Bearer realm="api", error="invalid_token"
//	a requirement fails                      403  Bearer realm="api", error="insufficient_scope"
//	keys unavailable, requirement undecided  503  Retry-After
//
// with a JSON body {"error": ..., "error_description": ...} whose texts are
// fixed: no token, claim value or internal error is ever echoed, and the
// token is never logged. [WithErrorHandler] replaces the writer; the error it
// receives is an [*Error] wrapping one of the sentinel errors.
//
// # DPoP
//
// [WithDPoP] accepts sender-constrained tokens (RFC 9449): "Authorization:
// DPoP <token>" with a proof in a DPoP header, signed by the key whose
// thumbprint the token carries in cnf.jkt. The proof is checked on every
// request, cached token or not (typ, alg, its public jwk, signature, htm,
// htu, iat, ath, the binding), and its jti is spent once in a
// [ReplayStore]; [DPoPNonces] adds server nonces. A DPoP-bound token sent
// as Bearer is refused. Refusals carry a DPoP challenge:
//
//	missing or bad proof, replayed proof      401  DPoP realm="api", error="invalid_dpop_proof", algs="..."
//	proof key is not the token's cnf.jkt      401  DPoP realm="api", error="invalid_token", algs="..."
//	no or stale server nonce                  401  DPoP realm="api", error="use_dpop_nonce", algs="..."; DPoP-Nonce
//
// # Testing
//
// Package [github.com/tokengate/tokengate/tokengatetest] runs an issuer with a
// JWKS endpoint that mints tokens, for the tests of applications that use
// tokengate.
package tokengate
