package tokengate

import (
	"fmt"
	"math/big"
)

// TokenBalances is Picket's "tokenBalances" claim: the holdings Picket
// checked at login, by the kind of requirement they answered. Each map goes
// from an address or id, as the token writes it, to a balance as an exact
// decimal. A map is nil when the token has no such group.
//
// Picket writes the claim in two shapes, and both are read:
//
//   - grouped, as picket-js types it (TokenRequirementsBalances in
//     src/types.ts): {"contractAddress": {"0xbc4c…": "12.5"},
//     "collection": {…}, "tokenIds": {"42": "1"}, "creatorAddress": {…}};
//   - flat, as picket-go types it: {"0xbc4c…": "12.5"}, contract address to
//     balance, read into ContractAddress.
//
// An object whose values are all objects is the grouped form, one whose
// values are all decimals (strings such as "12.5", or JSON numbers) the flat
// form. Anything else is malformed and the token is refused (401): a mix of
// the two, a group name other than the four above (or one of them holding a
// balance in the flat form), a balance that is not a
// plain non-negative decimal, or two EVM addresses (or decimal token ids)
// that are the same but for case (or leading zeros).
//
// These are snapshots from login time; onchain reads holdings live.
type TokenBalances struct {
	// ContractAddress maps a contract address to the holder's balance of it.
	ContractAddress map[string]*big.Rat
	// Collection maps a collection (for example a Solana collection
	// address) to the holder's balance of it.
	Collection map[string]*big.Rat
	// TokenIDs maps a token id to the holder's balance of it; an id with a
	// balance above zero counts as held by [TokenID].
	TokenIDs map[string]*big.Rat
	// CreatorAddress maps a creator address to the holder's balance of the
	// creator's tokens.
	CreatorAddress map[string]*big.Rat
}

// Forms of a tokenBalances object, told apart by its first value.
const (
	balancesUnknown = iota
	balancesGrouped
	balancesFlat
)

// balances reads "tokenBalances" in either of its shapes (see
// TokenBalances).
func (w *walker) balances() (*TokenBalances, error) {
	if w.s[w.i] != '{' {
		return nil, errBalancesShape
	}
	tb := new(TokenBalances)
	form := balancesUnknown
	var flat canonicalKeys // the flat form's keys, made canonical
	err := w.object(func(name string) error {
		if w.s[w.i] == '{' {
			if form == balancesFlat {
				return errBalancesShape
			}
			form = balancesGrouped
			group, canon := tb.group(name)
			if group == nil {
				return fmt.Errorf("%w: tokenBalances has an unknown group", ErrMalformed)
			}
			if *group != nil {
				return errBalancesShape // cannot happen: jsontext refuses duplicate names
			}
			m := make(map[string]*big.Rat)
			*group = m
			var seen canonicalKeys
			return w.object(func(key string) error {
				return addBalance(m, &seen, key, canon, w)
			}, nil)
		}
		if form == balancesGrouped {
			return errBalancesShape
		}
		form = balancesFlat
		if g, _ := tb.group(name); g != nil {
			return errBalancesShape // a group's name holding a balance: neither shape
		}
		if tb.ContractAddress == nil {
			tb.ContractAddress = make(map[string]*big.Rat)
		}
		return addBalance(tb.ContractAddress, &flat, name, canonicalAddress, w)
	}, nil)
	if err != nil {
		return nil, err
	}
	return tb, nil
}

// group returns the map of tb that the grouped form's name fills, with the
// canonical form of its keys; nil for an unknown name.
func (tb *TokenBalances) group(name string) (*map[string]*big.Rat, func(string) string) {
	switch name {
	case "contractAddress":
		return &tb.ContractAddress, canonicalAddress
	case "collection":
		return &tb.Collection, canonicalAddress
	case "tokenIds":
		return &tb.TokenIDs, canonicalTokenID
	case "creatorAddress":
		return &tb.CreatorAddress, canonicalAddress
	}
	return nil, nil
}

// canonicalKeys is the set of one map's keys made canonical, made while the
// map is read once it holds smallBalances keys, so that a duplicate is
// found in constant time: the payload is read before its signature is
// checked, so its reading must cost no more than linear time in its size,
// whoever wrote it. A smaller map is searched, which allocates nothing.
type canonicalKeys map[string]struct{}

// smallBalances is the most keys a map of balances is searched for a
// duplicate without a canonicalKeys.
const smallBalances = 8

// addBalance reads the decimal at w into m[key], refusing a key that is the
// same as one already in m once made canonical (seen holds those once m
// is not small).
func addBalance(m map[string]*big.Rat, seen *canonicalKeys, key string, canon func(string) string, w *walker) error {
	b, err := w.decimal("tokenBalances", new(big.Rat), nil)
	if err != nil {
		return err
	}
	if *seen == nil && len(m) >= smallBalances {
		*seen = make(canonicalKeys, 2*len(m))
		for k := range m {
			(*seen)[canon(k)] = struct{}{}
		}
	}
	c := canon(key)
	dup := false
	if *seen == nil {
		_, dup = lookupBalance(m, c, canon)
	} else if _, dup = (*seen)[c]; !dup {
		(*seen)[c] = struct{}{}
	}
	if dup {
		return fmt.Errorf("%w: tokenBalances names one address or id twice", ErrMalformed)
	}
	m[key] = b
	return nil
}

// lookupBalance returns the balance in m whose key is want once made
// canonical by canon.
func lookupBalance(m map[string]*big.Rat, want string, canon func(string) string) (*big.Rat, bool) {
	if b, ok := m[want]; ok {
		return b, true
	}
	for k, b := range m {
		if canon(k) == want {
			return b, true
		}
	}
	return nil, false
}

// contractBalance returns the holder's balance of contract (canonical).
func (tb *TokenBalances) contractBalance(contract string) (*big.Rat, bool) {
	if tb == nil || contract == "" {
		return nil, false
	}
	return lookupBalance(tb.ContractAddress, contract, canonicalAddress)
}

// holdsTokenID reports whether a token id in want (canonical) has a balance
// above zero.
func (tb *TokenBalances) holdsTokenID(want map[string]bool) bool {
	if tb == nil {
		return false
	}
	for id, b := range tb.TokenIDs {
		if want[canonicalTokenID(id)] && b.Sign() > 0 {
			return true
		}
	}
	return false
}

// clone returns a deep copy of tb. Its keys are tb's strings.
func (tb *TokenBalances) clone() *TokenBalances {
	return tb.cloneKeys(func(k string) string { return k })
}

// cloneKeys returns a deep copy of tb whose keys are key(k) for tb's keys
// k, which key must return unchanged in content.
func (tb *TokenBalances) cloneKeys(key func(string) string) *TokenBalances {
	if tb == nil {
		return nil
	}
	cp := func(m map[string]*big.Rat) map[string]*big.Rat {
		if m == nil {
			return nil
		}
		out := make(map[string]*big.Rat, len(m))
		for k, b := range m {
			out[key(k)] = new(big.Rat).Set(b)
		}
		return out
	}
	return &TokenBalances{
		ContractAddress: cp(tb.ContractAddress),
		Collection:      cp(tb.Collection),
		TokenIDs:        cp(tb.TokenIDs),
		CreatorAddress:  cp(tb.CreatorAddress),
	}
}
