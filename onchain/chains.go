package onchain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tokengate/tokengate"
)

// chainNames are the chain names a token's "chain" may say instead of an
// EIP-155 number, the EVM ones that tokengate.Chain knows.
var chainNames = map[string]uint64{
	"ethereum": 1, "eth": 1, "mainnet": 1,
	"polygon": 137, "matic": 137,
	"base":     8453,
	"arbitrum": 42161, "arbitrum-one": 42161,
	"optimism": 10,
	"bsc":      56, "bnb": 56, "binance": 56,
	"avalanche": 43114, "avax": 43114,
}

// parseCAIP2 reads "eip155:N" with N a decimal chain id from 1 to 2^63-1.
func parseCAIP2(s string) (uint64, error) {
	n, ok := strings.CutPrefix(s, "eip155:")
	if !ok {
		return 0, fmt.Errorf("tokengate: onchain: chain %q is not a CAIP-2 eip155 id such as \"eip155:1\"", s)
	}
	id, ok := parseChainNumber(n)
	if !ok {
		return 0, fmt.Errorf("tokengate: onchain: chain %q: the chain id must be a decimal number from 1", s)
	}
	return id, nil
}

// parseChainNumber reads a decimal chain id without sign or leading zero.
func parseChainNumber(s string) (uint64, bool) {
	if s == "" || s[0] == '0' || !allDigits(s) {
		return 0, false
	}
	id, err := strconv.ParseUint(s, 10, 63)
	return id, err == nil
}

// chainOf reads a chain as a token or a requirement may name it: "eip155:N",
// "N", or a name of chainNames (case-insensitive). ns reports the namespace
// alone ("eip155"), which names no chain.
func chainOf(s string) (id uint64, ns bool, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "eip155" {
		return 0, true, true
	}
	if n, cut := strings.CutPrefix(s, "eip155:"); cut {
		s = n
	} else if id, named := chainNames[s]; named {
		return id, false, true
	}
	id, ok = parseChainNumber(s)
	return id, false, ok
}

// requirementChain reads a requirement's chain: as chainOf, but it must name
// one chain.
func requirementChain(s string) (uint64, error) {
	id, ns, ok := chainOf(s)
	if !ok || ns {
		return 0, errors.New("chain must be \"eip155:N\", \"N\" or a known chain name")
	}
	return id, nil
}

// maxWallets bounds the wallets of one token kept without allocating; more
// are still checked.
const maxWallets = 8

// evmWallets appends to dst the distinct EVM addresses of c that may hold
// on chain: the entries of c.Wallets whose chain is the namespace "eip155"
// or this chain, and c.WalletAddress when c.Chain is empty, "eip155" or
// this chain. Addresses that are not 0x and 40 hex digits, and the zero
// address, are left out; the rest compare case-insensitively.
func evmWallets(dst []address, c *tokengate.Claims, chain uint64, name string) []address {
	add := func(s string) {
		a, ok := parseAddress(s)
		if !ok || a == (address{}) {
			return
		}
		for _, b := range dst {
			if a == b {
				return
			}
		}
		dst = append(dst, a)
	}
	for _, w := range c.Wallets {
		if onChain(w.Chain, chain, name, false) {
			add(w.Address)
		}
	}
	if c.WalletAddress != "" && onChain(c.Chain, chain, name, true) {
		add(c.WalletAddress)
	}
	return dst
}

// onChain reports whether a wallet that a token says is on s may be read
// on chain (named "eip155:N"): s is the namespace "eip155" or names chain
// (or is empty, when emptyOK).
func onChain(s string, chain uint64, name string, emptyOK bool) bool {
	switch s {
	case "":
		return emptyOK
	case name, "eip155": // the usual forms, without parsing
		return true
	}
	id, ns, ok := chainOf(s)
	return ok && (ns || id == chain)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
