package tokengate_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

const (
	checksummed = "0x52908400098527886E0F7030069857D2E4169EE7" // EIP-55
	lowered     = "0x52908400098527886e0f7030069857d2e4169ee7"
	contract    = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"
	solWallet   = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"
)

func rat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic(s)
	}
	return r
}

// picket is a Picket-shaped set of claims.
func picket() *tokengate.Claims {
	return &tokengate.Claims{
		Chain:           "ethereum",
		WalletAddress:   checksummed,
		ContractAddress: contract,
		TokenBalance:    rat("0.1337"),
		TokenIDs:        []string{"1", "42"},
	}
}

func with(edit func(c *tokengate.Claims)) *tokengate.Claims {
	c := picket()
	edit(c)
	return c
}

func TestRequirements(t *testing.T) {
	balancesOnly := with(func(c *tokengate.Claims) {
		c.TokenBalance = nil
		c.ContractAddress = ""
		c.TokenBalances = &tokengate.TokenBalances{ContractAddress: map[string]*big.Rat{
			contract: rat("12.5"),
			"0xdead" + "000000000000000000000000000000000000": rat("1000"),
		}}
	})
	oneContract := with(func(c *tokengate.Claims) {
		c.TokenBalance = nil
		c.ContractAddress = ""
		c.TokenBalances = &tokengate.TokenBalances{ContractAddress: map[string]*big.Rat{contract: rat("1")}}
	})
	tests := []struct {
		name string
		req  tokengate.Requirement
		c    *tokengate.Claims
		ok   bool
		kind string // of the failure
	}{
		{"chain slug", tokengate.Chain("ethereum"), picket(), true, ""},
		{"chain case", tokengate.Chain("ETHEREUM"), picket(), true, ""},
		{"chain EIP-155 number", tokengate.Chain("1"), picket(), true, ""},
		{"chain CAIP-2", tokengate.Chain("eip155:1"), picket(), true, ""},
		{"chain CAIP-2 in token", tokengate.Chain("ethereum"), with(func(c *tokengate.Claims) { c.Chain = "EIP155:1" }), true, ""},
		{"chain polygon aliases", tokengate.Chain("137"), with(func(c *tokengate.Claims) { c.Chain = "polygon" }), true, ""},
		{"chain base", tokengate.Chain("eip155:8453"), with(func(c *tokengate.Claims) { c.Chain = "base" }), true, ""},
		{"chain arbitrum", tokengate.Chain("arbitrum"), with(func(c *tokengate.Claims) { c.Chain = "42161" }), true, ""},
		{"chain optimism", tokengate.Chain("optimism"), with(func(c *tokengate.Claims) { c.Chain = "eip155:10" }), true, ""},
		{"chain bsc", tokengate.Chain("bsc"), with(func(c *tokengate.Claims) { c.Chain = "56" }), true, ""},
		{"chain avalanche", tokengate.Chain("avalanche"), with(func(c *tokengate.Claims) { c.Chain = "43114" }), true, ""},
		{"chain solana CAIP-2", tokengate.Chain("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"), with(func(c *tokengate.Claims) { c.Chain = "solana" }), true, ""},
		{"chain solana namespace admits devnet", tokengate.Chain("solana"), with(func(c *tokengate.Claims) { c.Chain = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1" }), true, ""},
		{"chain solana-mainnet refuses devnet", tokengate.Chain("solana-mainnet"), with(func(c *tokengate.Claims) { c.Chain = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1" }), false, "chain"},
		{"chain solana-mainnet admits Picket's solana", tokengate.Chain("solana-mainnet"), with(func(c *tokengate.Claims) { c.Chain = "solana" }), true, ""},
		{"chain any of", tokengate.Chain("polygon", "ethereum"), picket(), true, ""},
		{"chain other", tokengate.Chain("polygon"), picket(), false, "chain"},
		{"chain ethereum is not optimism", tokengate.Chain("10"), picket(), false, "chain"},
		{"chain missing", tokengate.Chain("ethereum"), with(func(c *tokengate.Claims) { c.Chain = "" }), false, "chain"},

		{"wallet EIP-55 vs lower case", tokengate.Wallet(lowered), picket(), true, ""},
		{"wallet lower case vs EIP-55", tokengate.Wallet(checksummed), with(func(c *tokengate.Claims) { c.WalletAddress = lowered }), true, ""},
		{"wallet not listed", tokengate.Wallet("0x0000000000000000000000000000000000000001"), picket(), false, "wallet"},
		{"wallet solana exact", tokengate.Wallet(solWallet), with(func(c *tokengate.Claims) { c.WalletAddress = solWallet }), true, ""},
		{"wallet solana is case-sensitive", tokengate.Wallet(solWallet), with(func(c *tokengate.Claims) { c.WalletAddress = "7ecdhsygxxyscszyep35khn8vvw3svaulktzxwcfltv" }), false, "wallet"},
		{"wallet 0x but not 40 hex is exact", tokengate.Wallet("0xABC"), with(func(c *tokengate.Claims) { c.WalletAddress = "0xabc" }), false, "wallet"},
		{"wallet missing", tokengate.Wallet(lowered), with(func(c *tokengate.Claims) { c.WalletAddress = "" }), false, "wallet"},

		{"contract case-insensitive", tokengate.Contract("0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d"), picket(), true, ""},
		{"contract other", tokengate.Contract(lowered), picket(), false, "contract"},
		{"contract via tokenBalances", tokengate.Contract(contract), balancesOnly, true, ""},
		{"contract missing", tokengate.Contract(contract), with(func(c *tokengate.Claims) { c.ContractAddress = "" }), false, "contract"},

		{"balance 0.1337 >= 0.1", tokengate.MinBalance("0.1"), picket(), true, ""},
		{"balance 0.1337 >= 0.1337", tokengate.MinBalance("0.1337"), picket(), true, ""},
		{"balance 0.1337 < 0.13371", tokengate.MinBalance("0.13371"), picket(), false, "balance"},
		{"balance 0 means more than zero", tokengate.MinBalance("0"), picket(), true, ""},
		{"balance zero fails 0", tokengate.MinBalance("0"), with(func(c *tokengate.Claims) { c.TokenBalance = rat("0") }), false, "balance"},
		{"balance 10^30 base units", tokengate.MinBalance("1000000000000000000000000000000"),
			with(func(c *tokengate.Claims) { c.TokenBalance = rat("1000000000000000000000000000000") }), true, ""},
		{"balance 10^30 - 1 base units", tokengate.MinBalance("1000000000000000000000000000000"),
			with(func(c *tokengate.Claims) { c.TokenBalance = rat("999999999999999999999999999999") }), false, "balance"},
		{"balance beyond float64 precision", tokengate.MinBalance("0.30000000000000000001"),
			with(func(c *tokengate.Claims) { c.TokenBalance = rat("0.3") }), false, "balance"},
		{"balance missing", tokengate.MinBalance("0"), with(func(c *tokengate.Claims) { c.TokenBalance = nil }), false, "balance"},
		{"balance from the only contract in tokenBalances", tokengate.MinBalance("1"), oneContract, true, ""},
		{"balance from tokenBalances of contractAddress", tokengate.MinBalance("12.5"),
			with(func(c *tokengate.Claims) { c.TokenBalance = nil; c.TokenBalances = balancesOnly.TokenBalances }), true, ""},
		{"balance ambiguous tokenBalances", tokengate.MinBalance("1"), balancesOnly, false, "balance"},
		{"balance of contract", tokengate.MinBalanceOf(contract, "12.5"), balancesOnly, true, ""},
		{"balance of contract, short", tokengate.MinBalanceOf(contract, "12.51"), balancesOnly, false, "balance"},
		{"balance of contract, lower case", tokengate.MinBalanceOf("0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d", "12"), balancesOnly, true, ""},
		{"balance of contract via tokenBalance", tokengate.MinBalanceOf(contract, "0.1"), picket(), true, ""},
		{"balance of another contract", tokengate.MinBalanceOf(lowered, "0.1"), picket(), false, "balance"},

		{"token id in array", tokengate.TokenID("42"), picket(), true, ""},
		{"token id any of", tokengate.TokenID("7", "1"), picket(), true, ""},
		{"token id leading zeros", tokengate.TokenID("042"), picket(), true, ""},
		{"token id absent", tokengate.TokenID("7"), picket(), false, "token id"},
		{"token id single", tokengate.TokenID("7"), with(func(c *tokengate.Claims) { c.TokenIDs = []string{"7"} }), true, ""},
		{"token id none held", tokengate.TokenID("7"), with(func(c *tokengate.Claims) { c.TokenIDs = nil }), false, "token id"},

		{"all of", tokengate.AllOf(tokengate.Chain("1"), tokengate.MinBalance("0.1")), picket(), true, ""},
		{"all of reports the first unmet", tokengate.AllOf(tokengate.Chain("1"), tokengate.Wallet(solWallet), tokengate.MinBalance("5")), picket(), false, "wallet"},
		{"any of", tokengate.AnyOf(tokengate.Wallet(solWallet), tokengate.TokenID("42")), picket(), true, ""},
		{"any of none", tokengate.AnyOf(tokengate.Wallet(solWallet), tokengate.TokenID("7")), picket(), false, "any of"},
		{"nested", tokengate.AnyOf(
			tokengate.AllOf(tokengate.Chain("solana"), tokengate.Wallet(solWallet)),
			tokengate.AllOf(tokengate.Chain("eip155:1"), tokengate.AnyOf(tokengate.TokenID("9"), tokengate.MinBalance("0.13"))),
		), picket(), true, ""},
		{"nested none", tokengate.AllOf(
			tokengate.Chain("ethereum"),
			tokengate.AnyOf(tokengate.TokenID("9"), tokengate.MinBalance("1")),
		), picket(), false, "any of"},
		{"func", tokengate.RequirementFunc(func(_ context.Context, c *tokengate.Claims) error { return nil }), picket(), true, ""},
		{"func failing", tokengate.RequirementFunc(func(_ context.Context, c *tokengate.Claims) error { return errors.New("not a member") }), picket(), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Check(context.Background(), tt.c)
			if tt.ok {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tokengate.ErrForbidden)
			var ue *tokengate.UnmetError
			if tt.kind == "" {
				assert.False(t, errors.As(err, &ue))
				return
			}
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, tt.kind, ue.Kind)
		})
	}
}

func TestInvalidRequirements(t *testing.T) {
	tests := []struct {
		name string
		req  tokengate.Requirement
	}{
		{"Chain of nothing", tokengate.Chain()},
		{"Chain empty", tokengate.Chain("ethereum", " ")},
		{"Wallet of nothing", tokengate.Wallet()},
		{"Wallet empty", tokengate.Wallet("")},
		{"Contract empty", tokengate.Contract("")},
		{"MinBalance not a decimal", tokengate.MinBalance("abc")},
		{"MinBalance negative", tokengate.MinBalance("-1")},
		{"MinBalance exponent", tokengate.MinBalance("1e18")},
		{"MinBalance fraction", tokengate.MinBalance("1/2")},
		{"MinBalance empty", tokengate.MinBalance("")},
		{"MinBalanceOf no contract", tokengate.MinBalanceOf("", "1")},
		{"MinBalanceOf bad decimal", tokengate.MinBalanceOf(contract, "1.")},
		{"TokenID of nothing", tokengate.TokenID()},
		{"TokenID empty", tokengate.TokenID("")},
		{"AllOf of nothing", tokengate.AllOf()},
		{"AnyOf of nothing", tokengate.AnyOf()},
		{"nested invalid", tokengate.AnyOf(tokengate.Chain("1"), tokengate.AllOf(tokengate.MinBalance("x")))},
		{"nil", nil},
		{"nil func", tokengate.RequirementFunc(nil)},
	}
	secret := make([]byte, 32)
	m := newMiddleware(t, tokengate.WithKeys(tokengate.HMACSecret(secret)))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret(secret)), tokengate.WithRequirements(tt.req))
			require.ErrorIs(t, err, tokengate.ErrConfig)
			assert.Regexp(t, `^tokengate: `, err.Error())
			assert.Panics(t, func() { m.Require(tt.req) })
		})
	}
}

// TestGatingOverHTTP: through Handler and Require, gated out is 403 with
// insufficient_scope, allowed is 200, and a bad token stays 401.
func TestGatingOverHTTP(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	keys := tokengate.WithIssuer(iss.URL(), keysOf(iss))
	holder := iss.Token(*picket())
	nonHolder := iss.Token(*with(func(c *tokengate.Claims) { c.TokenIDs = []string{"7"}; c.TokenBalance = rat("0.01") }))
	stringIDs := iss.Token(tokengate.Claims{}, tokengatetest.WithClaim("tokenIds", "42"))
	balancesOnly := iss.Token(tokengate.Claims{}, tokengatetest.WithClaim("tokenBalances",
		map[string]map[string]string{"contractAddress": {contract: "0.2"}}))
	expired := iss.Token(tokengate.Claims{TokenIDs: []string{"42"}, IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})

	m := newMiddleware(t, keys)
	gate := tokengate.AnyOf(tokengate.TokenID("42"), tokengate.MinBalanceOf(contract, "0.1"))
	global := newMiddleware(t, keys, tokengate.WithRequirements(gate))
	optional := newMiddleware(t, keys, tokengate.WithCredentialsOptional())
	chains := map[string]func(http.Handler) http.Handler{
		"Handler then Require":                func(h http.Handler) http.Handler { return m.Handler(m.Require(gate)(h)) },
		"Require alone":                       m.Require(gate),
		"WithRequirements":                    global.Handler,
		"Require alone, credentials optional": optional.Require(gate),
	}
	tests := []struct {
		name   string
		r      *http.Request
		status int
		www    string
	}{
		{"holder", bearer(holder), 200, ""},
		{"tokenIds as a string", bearer(stringIDs), 200, ""},
		{"non-holder", bearer(nonHolder), 403, `Bearer realm="api", error="insufficient_scope"`},
		{"bad token", bearer(holder[:len(holder)-3] + "AAA"), 401, `Bearer realm="api", error="invalid_token"`},
		{"expired holder", bearer(expired), 401, `Bearer realm="api", error="invalid_token"`},
		{"no token", httptest.NewRequest("GET", "/", nil), 401, `Bearer realm="api"`},
	}
	for chainName, chain := range chains {
		for _, tt := range tests {
			t.Run(chainName+"/"+tt.name, func(t *testing.T) {
				res := serve(chain, tt.r)
				assert.Equal(t, tt.status, res.status)
				assert.Equal(t, tt.www, res.www)
				assert.Equal(t, tt.status == 200, res.reached)
				if tt.status == 200 {
					require.NotNil(t, res.claims, "claims reach the handler")
				}
				if tt.status == 403 {
					body := errorBody(t, res.body)
					assert.Equal(t, "insufficient_scope", body["error"])
					assert.Equal(t, "the access token does not meet the any of requirement", body["error_description"])
					assert.NotContains(t, res.body, "42")
				}
			})
		}
	}

	t.Run("tokenBalances only", func(t *testing.T) {
		for _, tc := range []struct {
			min    string
			status int
		}{{"0.2", 200}, {"0.21", 403}} {
			res := serve(m.Handler, bearer(balancesOnly))
			require.Equal(t, 200, res.status)
			res = serve(m.Require(tokengate.MinBalanceOf(contract, tc.min)), bearer(balancesOnly))
			assert.Equal(t, tc.status, res.status, "min %s", tc.min)
		}
	})

	t.Run("description names the kind", func(t *testing.T) {
		res := serve(m.Require(tokengate.Chain("solana")), bearer(holder))
		assert.Equal(t, "the access token does not meet the chain requirement", errorBody(t, res.body)["error_description"])
		res = serve(m.Require(tokengate.RequirementFunc(func(context.Context, *tokengate.Claims) error {
			return &tokengate.UnmetError{Kind: `x","injected":"`}
		})), bearer(holder))
		assert.Equal(t, map[string]string{"error": "insufficient_scope", "error_description": "the access token does not meet the requirements"},
			errorBody(t, res.body))
	})
}

// TestPicketTokenBalances: "tokenBalances" in both shapes Picket writes,
// through Handler and Require on signed tokens. The grouped form is picket-js's
// TokenRequirementsBalances (src/types.ts: contractAddress, collection,
// tokenIds and creatorAddress, each a Record<string, string>); the flat form
// is picket-go's map of contract address to balance. Malformed shapes are
// refused 401 before any requirement runs.
func TestPicketTokenBalances(t *testing.T) {
	const (
		bayc    = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D" // EIP-55
		other   = "0x0000000000000000000000000000000000000001"
		creator = "0x8D1D2e5F0b1b6F0E9a6f3e9C4F8b1B0c2A3d4E5F"
	)
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
	token := func(balances any) string {
		return iss.Token(tokengate.Claims{Chain: "ethereum", WalletAddress: checksummed},
			tokengatetest.WithClaim("tokenBalances", balances))
	}
	grouped := token(map[string]map[string]string{
		"contractAddress": {strings.ToLower(bayc): "12.5"},
		"collection":      {"J1S9H3QjnRtBbbuD4HjPV6RpRhwuk4zKbxsnCHuTgh9w": "3"},
		"tokenIds":        {"42": "1", "7": "0"},
		"creatorAddress":  {creator: "2"},
	})
	flat := token(map[string]string{strings.ToLower(bayc): "12.5"})
	flatTwo := token(map[string]string{bayc: "12.5", other: "1"})

	tests := []struct {
		name   string
		tok    string
		req    tokengate.Requirement
		status int
	}{
		{"grouped: balance passes", grouped, tokengate.MinBalance("10"), 200},
		{"grouped: balance exact", grouped, tokengate.MinBalance("12.5"), 200},
		{"grouped: balance too low", grouped, tokengate.MinBalance("12.51"), 403},
		{"grouped: balance of the contract, EIP-55", grouped, tokengate.MinBalanceOf(bayc, "12.5"), 200},
		{"grouped: balance of another contract", grouped, tokengate.MinBalanceOf(other, "0"), 403},
		{"grouped: contract", grouped, tokengate.Contract(bayc), 200},
		{"grouped: other contract", grouped, tokengate.Contract(other), 403},
		{"grouped: creator is not a contract", grouped, tokengate.Contract(creator), 403},
		{"grouped: token id held", grouped, tokengate.TokenID("42"), 200},
		{"grouped: token id with leading zeros", grouped, tokengate.TokenID("042"), 200},
		{"grouped: token id at zero balance", grouped, tokengate.TokenID("7"), 403},
		{"grouped: token id absent", grouped, tokengate.TokenID("9"), 403},
		{"flat: balance passes", flat, tokengate.MinBalance("10"), 200},
		{"flat: balance too low", flat, tokengate.MinBalance("13"), 403},
		{"flat: contract, EIP-55 against lower case", flat, tokengate.Contract(bayc), 200},
		{"flat: other contract", flat, tokengate.MinBalanceOf(other, "0"), 403},
		{"flat: no token ids", flat, tokengate.TokenID("42"), 403},
		{"flat, two contracts: MinBalance cannot choose", flatTwo, tokengate.MinBalance("1"), 403},
		{"flat, two contracts: MinBalanceOf can", flatTwo, tokengate.MinBalanceOf(other, "1"), 200},

		{"malformed: mixed shapes", token(map[string]any{"contractAddress": map[string]string{bayc: "1"}, other: "1"}), tokengate.MinBalance("0"), 401},
		{"malformed: mixed shapes, flat first", token(map[string]any{other: "1", "contractAddress": map[string]string{bayc: "1"}}), tokengate.MinBalance("0"), 401},
		{"malformed: the old nested shape", token(map[string]map[string]string{bayc: {"1": "12.5"}}), tokengate.MinBalance("0"), 401},
		{"malformed: unknown group", token(map[string]map[string]string{"contracts": {bayc: "1"}}), tokengate.MinBalance("0"), 401},
		{"malformed: group not an object", token(map[string]any{"contractAddress": []string{bayc}}), tokengate.MinBalance("0"), 401},
		{"malformed: balance not a decimal", token(map[string]string{bayc: "1e3"}), tokengate.MinBalance("0"), 401},
		{"malformed: negative balance", token(map[string]map[string]string{"tokenIds": {"42": "-1"}}), tokengate.TokenID("42"), 401},
		{"malformed: balance a bool", token(map[string]any{bayc: true}), tokengate.MinBalance("0"), 401},
		{"malformed: an address twice", token(map[string]string{bayc: "1", strings.ToLower(bayc): "2"}), tokengate.MinBalance("0"), 401},
		{"malformed: a token id twice", token(map[string]map[string]string{"tokenIds": {"42": "1", "0042": "1"}}), tokengate.TokenID("42"), 401},
		{"malformed: an address twice among many", token(manyBalances(bayc, strings.ToLower(bayc))), tokengate.MinBalance("0"), 401},
		{"many addresses, each once", token(manyBalances(bayc)), tokengate.MinBalanceOf(bayc, "1"), 200},
		{"malformed: an array", token([]string{bayc}), tokengate.MinBalance("0"), 401},
		{"malformed: a group's name as a flat contract", token(map[string]string{"contractAddress": "12.5"}), tokengate.MinBalance("10"), 401},
		{"malformed: a string", token(bayc), tokengate.MinBalance("0"), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(func(h http.Handler) http.Handler { return m.Handler(m.Require(tt.req)(h)) }, bearer(tt.tok))
			assert.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.status == 200, res.reached)
		})
	}
}

// ioReq is a requirement that says it does I/O, recording that it ran.
type ioReq struct {
	ran *atomic.Int32
	err error
}

func (r ioReq) Check(context.Context, *tokengate.Claims) error { r.ran.Add(1); return r.err }
func (ioReq) DoesIO() bool                                     { return true }

// TestRequirementOrder: requirements that do I/O run after the local ones,
// in the route's list and inside AllOf and AnyOf, so a request that a local
// check refuses costs no call, and one that a local check admits in AnyOf
// costs none either.
func TestRequirementOrder(t *testing.T) {
	var ran atomic.Int32
	slow := ioReq{ran: &ran}
	local403 := tokengate.Wallet("0x0000000000000000000000000000000000000001")
	tests := []struct {
		name   string
		reqs   []tokengate.Requirement
		status int
		calls  int32
	}{
		{"list: local fails first", []tokengate.Requirement{slow, local403}, 403, 0},
		{"AllOf: local fails first", []tokengate.Requirement{tokengate.AllOf(slow, local403)}, 403, 0},
		{"AnyOf: local passes first", []tokengate.Requirement{tokengate.AnyOf(slow, tokengate.Chain("ethereum"))}, 200, 0},
		{"nested: the AllOf with I/O runs last", []tokengate.Requirement{tokengate.AllOf(tokengate.AnyOf(slow, local403), local403)}, 403, 0},
		{"list: I/O runs when the local ones pass", []tokengate.Requirement{slow, tokengate.Chain("ethereum")}, 200, 1},
	}
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
	tok := iss.Token(*picket())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran.Store(0)
			res := serve(m.Require(tt.reqs...), bearer(tok))
			assert.Equal(t, tt.status, res.status)
			assert.Equal(t, tt.calls, ran.Load(), "calls of the I/O requirement")
		})
	}
}

// TestRequirementUnavailable: a requirement that cannot decide answers 503
// with Retry-After, never 403 and never 200, also inside AnyOf when nothing
// else passes; a RequirementFunc's own error stays a 403.
func TestRequirementUnavailable(t *testing.T) {
	var ran atomic.Int32
	down := ioReq{ran: &ran, err: fmt.Errorf("node down: %w", tokengate.ErrUnavailable)}
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
	global := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithRequirements(down))
	tok := iss.Token(*picket())
	tests := []struct {
		name   string
		chain  func(http.Handler) http.Handler
		status int
	}{
		{"Require", m.Require(down), 503},
		{"AnyOf with nothing else passing", m.Require(tokengate.AnyOf(tokengate.TokenID("9"), down)), 503},
		{"AnyOf with a local pass", m.Require(tokengate.AnyOf(down, tokengate.TokenID("42"))), 200},
		{"AllOf with a local failure", m.Require(tokengate.AllOf(down, tokengate.TokenID("9"))), 403},
		{"WithRequirements", global.Handler, 503},
		{"RequirementFunc", m.Require(tokengate.RequirementFunc(func(context.Context, *tokengate.Claims) error {
			return fmt.Errorf("rpc: %w", tokengate.ErrUnavailable)
		})), 503},
		{"RequirementFunc plain error", m.Require(tokengate.RequirementFunc(func(context.Context, *tokengate.Claims) error {
			return errors.New("no")
		})), 403},
		{"a Requirement's plain error is a 403, never a bad token", m.Require(plainErrReq{}), 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			reached := false
			tt.chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true })).ServeHTTP(rec, bearer(tok))
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.status == 200, reached)
			if tt.status == 503 {
				assert.Equal(t, "5", rec.Header().Get("Retry-After"))
				assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
				assert.Equal(t, map[string]string{"error": "temporarily_unavailable",
					"error_description": "the access requirements cannot be checked right now"}, errorBody(t, rec.Body.String()))
			}
		})
	}
}

// badReq is a requirement from another package whose arguments were wrong.
type badReq struct{}

func (badReq) Check(context.Context, *tokengate.Claims) error { return nil }
func (badReq) Validate() error                                { return errors.New("bad contract address") }

// TestRequirementValidate: a requirement's Validate error fails the route
// when it is built, also inside AllOf.
func TestRequirementValidate(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
	assert.PanicsWithValue(t, "tokengate: Require: bad contract address", func() { m.Require(tokengate.AllOf(badReq{})) })
	_, err := tokengate.New(tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithRequirements(badReq{}))
	assert.ErrorIs(t, err, tokengate.ErrConfig)
	assert.ErrorContains(t, err, "bad contract address")
}

// plainErrReq is a requirement of another package's making that fails with
// an error wrapping no sentinel.
type plainErrReq struct{}

func (plainErrReq) Check(context.Context, *tokengate.Claims) error { return context.DeadlineExceeded }

// manyBalances is a flat tokenBalances of 20 addresses besides addrs, each
// with a balance of 1: past the size at which duplicates are looked up in a
// set rather than searched.
func manyBalances(addrs ...string) map[string]string {
	m := map[string]string{}
	for i := range 20 {
		m[fmt.Sprintf("0x%040x", i+1)] = "1"
	}
	for _, a := range addrs {
		m[a] = "1"
	}
	return m
}
