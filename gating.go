package tokengate

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
)

// Requirement is a check on verified claims that a route demands ("token
// gating"). Build them with [Chain], [Wallet], [Contract], [MinBalance],
// [MinBalanceOf], [TokenID], [AllOf] and [AnyOf], or write one as a
// [RequirementFunc]. Apply them to every request with [WithRequirements] or
// per route with [Middleware.Require]; a request that fails one is answered
// 403 insufficient_scope.
//
// Check returns nil when c meets the requirement; ctx is the request's.
// Missing claims fail it with an error wrapping [ErrForbidden] (403). A
// requirement that cannot decide, for example one that reads holdings from a
// chain node that is down, returns an error wrapping [ErrUnavailable] (503
// with Retry-After): it never passes, and never answers 403, when it does not
// know.
//
// A Requirement built in another package (such as onchain) may also have
// these methods, which tokengate looks for:
//
//   - Validate() error reports a mistake made building it (a malformed
//     address, a bad decimal). [Middleware.Require] panics with it and
//     [WithRequirements] makes [New] fail, so the mistake shows when the
//     route is built.
//   - DoesIO() bool reports that Check makes network calls. Requirements
//     that do not run first, within each list and inside [AllOf] and
//     [AnyOf], so a request that fails a local check never costs a call.
type Requirement interface {
	Check(ctx context.Context, c *Claims) error
}

// RequirementFunc turns a function into a [Requirement]. An error it returns
// that wraps [ErrUnavailable] (or [ErrKeysUnavailable], [ErrStoreUnavailable])
// says it could not decide: 503. Any other is a 403, wrapped in
// [ErrForbidden] when it does not wrap it already, whatever else it wraps
// (another Middleware's 401, [ErrNoToken], ...): the request's own token
// was valid. The error is logged (with [WithLogger]) but never sent to the
// client. A RequirementFunc counts as local: it runs before requirements
// that report DoesIO.
type RequirementFunc func(ctx context.Context, c *Claims) error

// Check calls f(ctx, c).
func (f RequirementFunc) Check(ctx context.Context, c *Claims) error {
	err := f(ctx, c)
	if err != nil && !errors.Is(err, ErrForbidden) && !undecided(err) {
		err = fmt.Errorf("%w: %w", ErrForbidden, err)
	}
	return err
}

// UnmetError is the error of a built-in requirement that a token fails. It
// wraps [ErrForbidden]; Kind names the requirement ("chain", "wallet",
// "contract", "balance", "token id", "any of", "scope") and appears in the answer's
// error_description. It never carries a claim value.
type UnmetError struct {
	Kind string
	// Scope, for a failed [Scope] requirement, holds the scopes it needs,
	// space-separated: the answer's WWW-Authenticate names them in a scope
	// attribute (RFC 6750 §3). Empty for other kinds; a value that is not
	// a list of RFC 6749 scope-tokens is never sent.
	Scope string
}

// Error reports the kind of requirement that failed.
func (e *UnmetError) Error() string { return "tokengate: requirement not met: " + e.Kind }

// Unwrap returns ErrForbidden.
func (e *UnmetError) Unwrap() error { return ErrForbidden }

// requirementKinds are the kinds of the built-in requirements, the only ones
// an answer names.
var requirementKinds = map[string]bool{
	"chain": true, "wallet": true, "contract": true, "balance": true, "token id": true, "any of": true, "scope": true,
}

// requirement is a built-in Requirement: its check, and the error its
// arguments had, reported when the route is built.
type requirement struct {
	check func(context.Context, *Claims) error
	err   error
	inner []Requirement // of AllOf and AnyOf, validated with them
	io    bool          // an inner requirement does I/O
}

func (r *requirement) Check(ctx context.Context, c *Claims) error {
	if r.err != nil { // only reachable by a caller that skipped validation
		return fmt.Errorf("%w: %w", ErrForbidden, r.err)
	}
	if c == nil {
		return ErrForbidden
	}
	return r.check(ctx, c)
}

// Validate reports the mistake made building r, if any.
func (r *requirement) Validate() error { return r.err }

// DoesIO reports whether r holds a requirement that does I/O.
func (r *requirement) DoesIO() bool { return r.io }

// simple is a requirement of one kind that ok decides.
func simple(kind string, ok func(*Claims) bool) *requirement {
	return &requirement{check: func(_ context.Context, c *Claims) error {
		if !ok(c) {
			return &UnmetError{Kind: kind}
		}
		return nil
	}}
}

// validateRequirements reports the first invalid requirement among reqs,
// looking inside AllOf and AnyOf.
func validateRequirements(reqs []Requirement) error {
	for _, r := range reqs {
		switch r := r.(type) {
		case nil:
			return errors.New("nil requirement")
		case RequirementFunc:
			if r == nil {
				return errors.New("nil RequirementFunc")
			}
		case *requirement:
			if r.err != nil {
				return r.err
			}
			if err := validateRequirements(r.inner); err != nil {
				return err
			}
		case interface{ Validate() error }:
			if err := r.Validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

// doesIO reports whether r says it makes network calls.
func doesIO(r Requirement) bool {
	io, ok := r.(interface{ DoesIO() bool })
	return ok && io.DoesIO()
}

// localFirst returns a copy of reqs with the requirements that do I/O moved
// after the others, each group in its given order.
func localFirst(reqs []Requirement) []Requirement {
	out := make([]Requirement, 0, len(reqs))
	for _, r := range reqs {
		if !doesIO(r) {
			out = append(out, r)
		}
	}
	for _, r := range reqs {
		if doesIO(r) {
			out = append(out, r)
		}
	}
	return out
}

// checkAll returns the answer to the first unmet requirement (see unmet);
// reqs are in localFirst order.
func checkAll(ctx context.Context, c *Claims, reqs []Requirement) error {
	for _, r := range reqs {
		if err := r.Check(ctx, c); err != nil {
			return unmet(err)
		}
	}
	return nil
}

// unmet is the answer to a requirement that failed with err: 503 when it
// could not decide (see undecided), else 403 insufficient_scope, err
// wrapped in ErrForbidden when it is not already. Nothing else err wraps
// (another Middleware's *Error, ErrNoToken, ErrInvalidRequest: a
// Requirement of another package's making may return anything) changes
// that: an unmet requirement is never taken for a bad token or request.
func unmet(err error) *Error {
	if undecided(err) {
		return &Error{Status: http.StatusServiceUnavailable, Err: err}
	}
	if !errors.Is(err, ErrForbidden) {
		err = fmt.Errorf("%w: %w", ErrForbidden, err)
	}
	return &Error{Status: http.StatusForbidden, Code: CodeInsufficientScope, Err: err}
}

// undecided reports whether err, a requirement's error, says it could not
// decide: it wraps ErrUnavailable, ErrKeysUnavailable or
// ErrStoreUnavailable.
func undecided(err error) bool {
	return errors.Is(err, ErrUnavailable) || errors.Is(err, ErrKeysUnavailable) || errors.Is(err, ErrStoreUnavailable)
}

func invalid(format string, args ...any) *requirement {
	return &requirement{err: fmt.Errorf(format, args...)}
}

// Chain requires the token to be on one of chains: its "chain" claim, or
// the chain of one of its [Claims.Wallets]. Chains compare
// case-insensitively as CAIP-2 ids, and well-known chains match across
// their slug, EIP-155 number and CAIP-2 id: "ethereum" = "1" = "eip155:1",
// likewise polygon (137), base (8453), arbitrum (42161), optimism (10), bsc
// (56), avalanche (43114); a token's "chain": "solana" is Solana mainnet
// ("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp").
//
// A chain given as a bare CAIP-2 namespace ("eip155", "solana") matches any
// chain of that namespace, and a wallet whose token names only the
// namespace (Dynamic's and Privy's wallets) matches only such a namespace
// requirement, never a specific chain. So Chain("solana") admits any Solana
// cluster, devnet included; for mainnet only, write "solana-mainnet" or its
// CAIP-2 id. An empty list or an empty chain is invalid.
//
// Chain and [Wallet] are checked separately: on a token with several
// wallets, AllOf(Chain(a), Wallet(b)) may be met by two different wallets.
func Chain(chains ...string) Requirement {
	if len(chains) == 0 {
		return invalid("Chain: no chain given")
	}
	want := make([]string, 0, len(chains))
	for _, ch := range chains {
		if strings.TrimSpace(ch) == "" {
			return invalid("Chain: empty chain")
		}
		want = append(want, strings.ToLower(requiredChain(ch)))
	}
	return simple("chain", func(c *Claims) bool {
		if c.Chain != "" && chainMatches(want, tokenChain(c.Chain)) {
			return true
		}
		for _, w := range c.Wallets {
			if w.Chain != "" && chainMatches(want, w.Chain) {
				return true
			}
		}
		return false
	})
}

// Wallet requires one of the token's wallets to be one of addrs: its
// "walletAddress", or any of its [Claims.Wallets] (a provider preset's
// wallets among them). EVM addresses ("0x" and 40 hex digits) compare
// case-insensitively, so an EIP-55 checksummed address equals its
// lower-case form; any other address (for example Solana base58) compares
// exactly. An empty list or an empty address is invalid.
func Wallet(addrs ...string) Requirement {
	if len(addrs) == 0 {
		return invalid("Wallet: no address given")
	}
	want := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		if a == "" {
			return invalid("Wallet: empty address")
		}
		want[canonicalAddress(a)] = true
	}
	return simple("wallet", func(c *Claims) bool {
		if c.WalletAddress != "" && want[canonicalAddress(c.WalletAddress)] {
			return true
		}
		for _, w := range c.Wallets {
			if want[canonicalAddress(w.Address)] {
				return true
			}
		}
		return false
	})
}

// Contract requires the token to be about the contract addr: its
// "contractAddress" equals addr, or its [TokenBalances] has a contract
// balance for addr. Addresses compare as in [Wallet]. An empty address is invalid.
func Contract(addr string) Requirement {
	if addr == "" {
		return invalid("Contract: empty address")
	}
	want := canonicalAddress(addr)
	return simple("contract", func(c *Claims) bool {
		if c.ContractAddress != "" && canonicalAddress(c.ContractAddress) == want {
			return true
		}
		_, ok := c.TokenBalances.contractBalance(want)
		return ok
	})
}

// canonicalAddress lower-cases EVM addresses and leaves others as they are.
func canonicalAddress(a string) string {
	if isEVMAddress(a) {
		return strings.ToLower(a)
	}
	return a
}

// isEVMAddress reports whether a is "0x" followed by 40 hex digits.
func isEVMAddress(a string) bool {
	if len(a) != 42 || a[0] != '0' || (a[1] != 'x' && a[1] != 'X') {
		return false
	}
	for i := 2; i < len(a); i++ {
		c := a[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// MinBalance requires the holder's balance to be at least min, a decimal
// string such as "0.1" (exact arithmetic, never floating point); "0" means
// more than zero. The balance is "tokenBalance"; when the token has none, it
// is the [TokenBalances] contract balance of the token's "contractAddress",
// or of the only contract there. A token with no balance fails. min that is
// not a plain non-negative decimal is invalid. To name the contract, use
// [MinBalanceOf].
func MinBalance(min string) Requirement {
	threshold, err := parseMin("MinBalance", min)
	if err != nil {
		return &requirement{err: err}
	}
	return simple("balance", func(c *Claims) bool {
		if c.TokenBalance != nil {
			return meets(c.TokenBalance, threshold)
		}
		contract := ""
		if c.ContractAddress != "" {
			contract = canonicalAddress(c.ContractAddress)
		} else if c.TokenBalances != nil && len(c.TokenBalances.ContractAddress) == 1 {
			for k := range c.TokenBalances.ContractAddress {
				contract = canonicalAddress(k)
			}
		}
		b, ok := c.TokenBalances.contractBalance(contract)
		return ok && meets(b, threshold)
	})
}

// MinBalanceOf requires the holder's balance of contract to be at least min
// (as in [MinBalance]): its [TokenBalances] contract balance, or
// "tokenBalance" when the token's "contractAddress" is contract.
// An empty contract or a min that is not a plain decimal is invalid.
func MinBalanceOf(contract, min string) Requirement {
	if contract == "" {
		return invalid("MinBalanceOf: empty contract address")
	}
	threshold, err := parseMin("MinBalanceOf", min)
	if err != nil {
		return &requirement{err: err}
	}
	want := canonicalAddress(contract)
	return simple("balance", func(c *Claims) bool {
		if b, ok := c.TokenBalances.contractBalance(want); ok {
			return meets(b, threshold)
		}
		return c.TokenBalance != nil && c.ContractAddress != "" &&
			canonicalAddress(c.ContractAddress) == want && meets(c.TokenBalance, threshold)
	})
}

func parseMin(fn, min string) (*big.Rat, error) {
	if !isDecimal(min) {
		return nil, fmt.Errorf("%s: %q is not a plain non-negative decimal", fn, min)
	}
	r, _ := new(big.Rat).SetString(min)
	return r, nil
}

// meets reports balance ≥ threshold, or balance > 0 when threshold is 0.
func meets(balance, threshold *big.Rat) bool {
	if threshold.Sign() == 0 {
		return balance.Sign() > 0
	}
	return balance.Cmp(threshold) >= 0
}

// TokenID requires the token to hold at least one of ids: its "tokenIds"
// names one, or its [TokenBalances] token-id group gives one a balance above
// zero. Ids compare exactly, except that decimal ids ignore leading zeros
// ("042" = "42"). An empty list or an empty id is invalid.
func TokenID(ids ...string) Requirement {
	if len(ids) == 0 {
		return invalid("TokenID: no id given")
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		if id == "" {
			return invalid("TokenID: empty id")
		}
		want[canonicalTokenID(id)] = true
	}
	return simple("token id", func(c *Claims) bool {
		for _, id := range c.TokenIDs {
			if want[canonicalTokenID(id)] {
				return true
			}
		}
		return c.TokenBalances.holdsTokenID(want)
	})
}

func canonicalTokenID(id string) string {
	if allDigits(id) {
		return trimZeros(id)
	}
	return id
}

// AllOf requires every one of reqs; a failure reports the first unmet one.
// An empty list is invalid.
func AllOf(reqs ...Requirement) Requirement {
	if len(reqs) == 0 {
		return invalid("AllOf: no requirement given")
	}
	reqs = localFirst(reqs)
	return &requirement{inner: reqs, io: anyIO(reqs), check: func(ctx context.Context, c *Claims) error {
		return checkAll(ctx, c, reqs)
	}}
}

func anyIO(reqs []Requirement) bool {
	for _, r := range reqs {
		if doesIO(r) {
			return true
		}
	}
	return false
}

// AnyOf requires at least one of reqs; a failure reports the kind "any of".
// Local requirements are tried first, so one that passes saves the calls of
// those that do I/O. When none passes and one could not decide, AnyOf
// returns that one's error (wrapping [ErrUnavailable]): it does not know. An
// empty list is invalid.
func AnyOf(reqs ...Requirement) Requirement {
	if len(reqs) == 0 {
		return invalid("AnyOf: no requirement given")
	}
	reqs = localFirst(reqs)
	return &requirement{inner: reqs, io: anyIO(reqs), check: func(ctx context.Context, c *Claims) error {
		var pending error // the first that could not decide
		for _, r := range reqs {
			err := r.Check(ctx, c)
			if err == nil {
				return nil
			}
			if pending == nil && undecided(err) {
				pending = err
			}
		}
		if pending != nil {
			return pending
		}
		return &UnmetError{Kind: "any of"}
	}}
}

// Require returns middleware that lets a request through only when its
// claims meet every one of reqs, and answers 403 insufficient_scope
// otherwise. Behind [Middleware.Handler] (of this or any Middleware) it uses
// the claims already in the context; on its own it authenticates the request
// first, with this Middleware's whole pipeline, and a request without a
// token is answered 401 even with [WithCredentialsOptional].
//
// Require panics when a requirement is invalid (an empty list, a bad
// decimal, a nil requirement), like regexp.MustCompile: the mistake shows
// when the route is built, never at request time.
func (m *Middleware) Require(reqs ...Requirement) func(http.Handler) http.Handler {
	gate := m.gate("Require", reqs)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := gate(r)
			if err != nil {
				m.WriteError(w, r, err)
				return
			}
			if _, ok := ClaimsFromContext(r.Context()); !ok {
				r = r.WithContext(ContextWithClaims(r.Context(), c))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Gate is the decision [Middleware.Require] makes, for adapters to other
// routers: the returned function gives the claims of r (those in its
// context, or else those Authenticate verifies) when they meet every one of
// reqs, and otherwise the error (an [*Error]) that Require answers. Like
// Require, Gate panics when a requirement is invalid.
func (m *Middleware) Gate(reqs ...Requirement) func(r *http.Request) (*Claims, error) {
	return m.gate("Gate", reqs)
}

func (m *Middleware) gate(name string, reqs []Requirement) func(r *http.Request) (*Claims, error) {
	if err := validateRequirements(reqs); err != nil {
		panic("tokengate: " + name + ": " + err.Error())
	}
	reqs = localFirst(reqs)
	return func(r *http.Request) (*Claims, error) {
		d := m.observe()
		c, err := m.gateOne(r, reqs, d)
		m.report(d, err)
		return c, err
	}
}

// gateOne is one decision of a gate: the claims in r's context, or those
// authenticate verifies, checked against reqs.
func (m *Middleware) gateOne(r *http.Request, reqs []Requirement, d *decisionMeta) (*Claims, error) {
	c, ok := ClaimsFromContext(r.Context())
	if !ok {
		var err error
		if c, err = m.authenticate(r, d); err != nil {
			return nil, err
		}
	} else if _, known := m.issuers[c.Issuer]; known && d != nil {
		d.issuer = c.Issuer // a name configured here, never a token's own
	}
	if err := checkAll(r.Context(), c, reqs); err != nil {
		return nil, classify(err)
	}
	return c, nil
}
