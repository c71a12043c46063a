package onchain

import (
	"context"
	"fmt"
	"math/big"
	"sync/atomic"

	"github.com/tokengate/tokengate"
)

// standard is the token standard a requirement reads.
type standard uint8

const (
	erc20 standard = iota + 1
	erc721
	erc1155
)

// holding is the Requirement of ERC20, ERC721 and ERC1155.
type holding struct {
	c        *Client
	std      standard
	ep       *endpoint
	contract address
	min      *big.Rat // ERC-20: whole tokens
	minUnits *big.Int // ERC-1155: units, at least 1
	ids      []word   // ERC-721: any of; ERC-1155: the one id
	err      error    // the mistake made building it

	threshold atomic.Pointer[threshold] // ERC-20: min in units, for one decimals
}

// threshold is an ERC-20 min in the token's smallest units.
type threshold struct {
	decimals uint8
	units    *big.Int
}

// ERC20 requires a wallet of the token to hold at least min whole tokens of
// the ERC-20 contract on chain: balanceOf(wallet) ≥ min × 10^decimals,
// compared exactly, with decimals() read from the contract once and kept
// for [DecimalsMaxAge] (an hour).
// min is a plain non-negative decimal ("100", "0.5"); "0" means more than
// zero, as in tokengate.MinBalance. Wallets are not added up: one must hold
// min.
//
// chain is "eip155:N", "N" or a chain name ("ethereum"); contract is "0x"
// and 40 hex digits. A chain with no [RPC], a malformed contract or min is
// reported by the requirement's Validate method, so tokengate's Require and
// WithRequirements fail when the route is built.
//
// The wallets checked are those of the token's Claims.Wallets on chain or
// on the namespace "eip155", and its walletAddress when its "chain" is
// empty, "eip155" or chain. A token with none fails (403, kind "balance"),
// as does one whose wallets hold too little. A read that fails (node down,
// slow, on another chain, answering an error or anything malformed) makes
// Check return an error wrapping tokengate.ErrUnavailable (503): it never
// passes nor answers 403 then. Reads are cached for [MaxAge].
func (c *Client) ERC20(chain, contract, min string) tokengate.Requirement {
	h := c.holding("ERC20", erc20, chain, contract)
	if h.err == nil {
		r, ok := parseDecimal(min)
		if !ok {
			h.err = fmt.Errorf("tokengate: onchain: ERC20: min %q is not a plain non-negative decimal such as \"10\" or \"0.5\"", min)
		}
		h.min = r
	}
	return h
}

// ERC721 requires a wallet of the token to own one of the tokens ids of the
// ERC-721 contract on chain (ownerOf(id) is the wallet; an ownerOf that
// reverts means the token does not exist: not held). With no ids, any token
// of the collection will do: balanceOf(wallet) > 0. ids are decimal
// uint256 numbers.
//
// Chains, wallets, validation and failures are as in [Client.ERC20]; an
// unmet requirement is a 403 of kind "token id". ownerOf reads are cached
// per token id, shared by every wallet.
func (c *Client) ERC721(chain, contract string, ids ...string) tokengate.Requirement {
	h := c.holding("ERC721", erc721, chain, contract)
	if h.err == nil {
		h.ids, h.err = parseIDs("ERC721", ids)
	}
	return h
}

// ERC1155 requires a wallet of the token to hold at least min units of the
// token id of the ERC-1155 contract on chain: balanceOf(wallet, id) ≥ min.
// min is a non-negative integer ("0" means more than zero); id is a decimal
// uint256.
//
// Chains, wallets, validation and failures are as in [Client.ERC20]; an
// unmet requirement is a 403 of kind "balance".
func (c *Client) ERC1155(chain, contract, id, min string) tokengate.Requirement {
	h := c.holding("ERC1155", erc1155, chain, contract)
	if h.err != nil {
		return h
	}
	h.ids, h.err = parseIDs("ERC1155", []string{id})
	if h.err != nil {
		return h
	}
	n, ok := parseUint256(min)
	if !ok {
		h.err = fmt.Errorf("tokengate: onchain: ERC1155: min %q is not a non-negative integer", min)
		return h
	}
	if n.Sign() == 0 {
		n.SetInt64(1)
	}
	h.minUnits = n
	return h
}

// holding starts a requirement, checking its chain and contract.
func (c *Client) holding(name string, std standard, chain, contract string) *holding {
	h := &holding{c: c, std: std}
	id, err := requirementChain(chain)
	switch {
	case err != nil:
		h.err = fmt.Errorf("tokengate: onchain: %s: chain %q: %w", name, chain, err)
	case c.eps[id] == nil:
		h.err = fmt.Errorf("tokengate: onchain: %s: no RPC for chain %q (eip155:%d): add onchain.RPC", name, chain, id)
	default:
		h.ep = c.eps[id]
	}
	if h.err != nil {
		return h
	}
	a, ok := parseAddress(contract)
	if !ok || a == (address{}) {
		h.err = fmt.Errorf("tokengate: onchain: %s: contract %q is not an address (0x and 40 hex digits, not zero)", name, contract)
	}
	h.contract = a
	return h
}

// Validate reports the mistake made building the requirement: an unknown
// chain, a malformed contract, min or id. tokengate calls it when a route
// is built.
func (h *holding) Validate() error { return h.err }

// DoesIO reports true: Check reads the chain, so tokengate runs it after
// the requirements that do not.
func (h *holding) DoesIO() bool { return true }

// kind is the requirement kind an unmet answer names.
func (h *holding) kind() string {
	if h.std == erc721 {
		return "token id"
	}
	return "balance"
}

// Check reads the holdings of c's wallets (see [Client.ERC20]).
func (h *holding) Check(ctx context.Context, c *tokengate.Claims) error {
	if h.err != nil { // only reachable when the caller skipped Validate
		return fmt.Errorf("%w: %w", tokengate.ErrForbidden, h.err)
	}
	if c == nil {
		return &tokengate.UnmetError{Kind: h.kind()}
	}
	var wbuf [maxWallets]address
	wallets := evmWallets(wbuf[:0], c, h.ep.chain, h.ep.name)
	if len(wallets) == 0 {
		return &tokengate.UnmetError{Kind: h.kind()}
	}

	var kbuf [maxWallets + 1]key
	var vbuf [maxWallets + 1]value
	keys := kbuf[:0]
	base := key{chain: h.ep.chain, contract: h.contract}
	switch {
	case h.std == erc20:
		k := base
		k.call = callDecimals
		keys = append(keys, k)
		for _, w := range wallets {
			k := base
			k.call, k.wallet = callBalance, w
			keys = append(keys, k)
		}
	case h.std == erc721 && len(h.ids) > 0:
		for _, id := range h.ids {
			k := base
			k.call, k.id = callOwner, id
			keys = append(keys, k)
		}
	case h.std == erc721:
		for _, w := range wallets {
			k := base
			k.call, k.wallet = callBalance, w
			keys = append(keys, k)
		}
	default: // erc1155
		for _, w := range wallets {
			k := base
			k.call, k.wallet, k.id = callBalanceID, w, h.ids[0]
			keys = append(keys, k)
		}
	}
	var vals []value
	if len(keys) <= len(vbuf) {
		vals = vbuf[:len(keys)]
	} else {
		vals = make([]value, len(keys))
	}
	if err := h.c.read(ctx, h.ep, keys, vals); err != nil {
		return err
	}
	if h.met(wallets, vals) {
		return nil
	}
	return &tokengate.UnmetError{Kind: h.kind()}
}

// met decides on the values read.
func (h *holding) met(wallets []address, vals []value) bool {
	switch {
	case h.std == erc20:
		min := h.units(vals[0].decimals)
		for _, v := range vals[1:] {
			if v.n.Cmp(min) >= 0 {
				return true
			}
		}
	case h.std == erc721 && len(h.ids) > 0:
		for _, v := range vals {
			if v.reverted {
				continue
			}
			for _, w := range wallets {
				if v.owner == w {
					return true
				}
			}
		}
	case h.std == erc721:
		for _, v := range vals {
			if v.n.Sign() > 0 {
				return true
			}
		}
	default:
		for _, v := range vals {
			if v.n.Cmp(h.minUnits) >= 0 {
				return true
			}
		}
	}
	return false
}

// units is the ERC-20 min in units for decimals: ⌈min × 10^decimals⌉,
// and at least 1 ("0" means more than zero). It is computed once per
// decimals value.
func (h *holding) units(decimals uint8) *big.Int {
	if t := h.threshold.Load(); t != nil && t.decimals == decimals {
		return t.units
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil)
	num := new(big.Int).Mul(h.min.Num(), scale)
	q, r := new(big.Int).QuoRem(num, h.min.Denom(), new(big.Int))
	if r.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if q.Sign() == 0 {
		q.SetInt64(1)
	}
	h.threshold.Store(&threshold{decimals: decimals, units: q})
	return q
}
