package tokengate

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/go-json-experiment/json"
)

// Claims are the verified claims of a token, typed. A Middleware puts them into
// the request context; read them with [ClaimsFromContext].
//
// Wallet claims (Chain, WalletAddress, ...) follow the Picket-style access
// token: they are empty when the token does not carry them. Provider-specific
// claims not listed here are available through [Claims.Decode].
type Claims struct {
	// Issuer is the "iss" claim, empty when the token has none.
	Issuer string
	// Subject is the "sub" claim.
	Subject string
	// Audience is the "aud" claim; a single string in the token becomes a
	// one-element slice.
	Audience []string
	// ExpiresAt is the "exp" claim. It is never zero for a verified token.
	ExpiresAt time.Time
	// NotBefore is the "nbf" claim, zero when absent.
	NotBefore time.Time
	// IssuedAt is the "iat" claim, zero when absent.
	IssuedAt time.Time
	// ID is the "jti" claim, or the "tid" claim when "jti" is absent or
	// empty.
	ID string

	// Chain is the "chain" claim, for example "ethereum" or "solana".
	Chain string
	// WalletAddress is the "walletAddress" claim.
	WalletAddress string
	// DisplayAddress is the "displayAddress" claim (for example an ENS name).
	DisplayAddress string
	// ContractAddress is the "contractAddress" claim.
	ContractAddress string
	// TokenBalance is the "tokenBalance" claim as an exact decimal; nil when
	// absent. A token carries it as a decimal string such as "0.1337".
	TokenBalance *big.Rat
	// TokenBalances is the "tokenBalances" claim of Picket-style tokens,
	// in either of the shapes Picket writes (see [TokenBalances]); nil when
	// absent.
	TokenBalances *TokenBalances
	// TokenIDs is the "tokenIds" claim; a single string in the token becomes a
	// one-element slice.
	TokenIDs []string
	// Email is the "email" claim.
	Email string
	// Wallets are the wallets the token proves: the "walletAddress" with
	// its "chain" for every token, and for the tokens of a provider preset
	// ([Privy], [Dynamic], [Web3Auth]) the wallets in that provider's own
	// claims. Nil when the token names none.
	Wallets []WalletAccount
	// Scopes are the token's scopes: the "scope" claim split at spaces
	// (RFC 8693 §4.2), or the "scp" claim, an array or a string. Nil when
	// the token has neither.
	Scopes []string

	// raw is the verified payload, kept for Decode.
	raw string
	// tokenRaw is, for claims from remote validation only, the token's own
	// payload, whose binding (cnf) counts as well as the answer's. Remote
	// answers never enter the verified-token cache, which does not keep it.
	tokenRaw *string
	// box is the claims box these claims were allocated in; a copy of them
	// is not in it (see boxOf).
	box *claimsBox
}

// Decode unmarshals the whole verified payload into v, so a caller can read
// provider-specific claims (for example Refold's "org_id") into a struct of
// its own. Struct tags are read as encoding/json reads them, but names match
// exactly, as they do for the typed fields: "SUB" never fills a field tagged
// "sub". It fails when c holds no payload (Claims built by hand rather than
// by a Middleware) or when the payload does not fit v.
func (c *Claims) Decode(v any) error {
	if c == nil || c.raw == "" {
		return fmt.Errorf("tokengate: decode claims: no verified payload")
	}
	if err := json.Unmarshal([]byte(c.raw), v); err != nil {
		return fmt.Errorf("tokengate: decode claims: %w", err)
	}
	return nil
}

type claimsKey struct{}

// ContextWithClaims returns a copy of ctx that carries c. The middleware uses
// it; tests and adapters may use it to hand claims to code that reads them
// with [ClaimsFromContext]. For claims a Middleware returned, the first call
// allocates nothing (their allocation has room for the context); any later
// call, and claims built or copied by hand, get a [context.WithValue]. It
// panics when ctx is nil, as context.WithValue does.
//
// The first context shares its allocation with the claims, so claims kept
// after their request (or copies of them, which point to it) keep that
// request's context, and the values in it, reachable, as a kept
// *http.Request would. To keep a caller's identity for longer, keep the
// fields needed (Subject, Wallets, ...) rather than the Claims.
func ContextWithClaims(ctx context.Context, c *Claims) context.Context {
	if ctx == nil {
		panic("tokengate: ContextWithClaims: nil parent context")
	}
	if b := boxOf(c); b != nil && b.asContext(ctx) {
		return b
	}
	return context.WithValue(ctx, claimsKey{}, c)
}

// ClaimsFromContext returns the claims a Middleware put into ctx. It reports
// false when there are none, for example on a route without the middleware or
// when credentials are optional and the request carried no token.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}
