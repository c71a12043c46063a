package tokengate

import "strings"

// Chains are compared as CAIP-2 ids ("eip155:1",
// "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"), case-insensitively. Tokens and
// requirements also name them by slug ("ethereum", "polygon"), by EIP-155
// number ("1"), or by their namespace alone ("eip155", "solana").

// solanaMainnet is the CAIP-2 id of Solana mainnet (its genesis hash).
const solanaMainnet = "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"

// chainAlias returns the CAIP-2 id of a well-known chain's lower-case
// slug. A switch rather than a map: every token with a "chain" claim asks,
// and a switch answers without hashing the slug.
func chainAlias(slug string) (string, bool) {
	switch slug {
	case "ethereum", "eth", "mainnet":
		return "eip155:1", true
	case "polygon", "matic":
		return "eip155:137", true
	case "base":
		return "eip155:8453", true
	case "arbitrum", "arbitrum-one":
		return "eip155:42161", true
	case "optimism":
		return "eip155:10", true
	case "bsc", "bnb", "binance":
		return "eip155:56", true
	case "avalanche", "avax":
		return "eip155:43114", true
	case "solana-mainnet", "sol":
		return solanaMainnet, true
	}
	return "", false
}

// requiredChain is the CAIP-2 form of a chain a requirement names: an alias
// or an EIP-155 number becomes its id, "eip155:007" becomes "eip155:7", and
// anything else (a CAIP-2 id, a bare namespace such as "solana") stays as
// given.
func requiredChain(s string) string {
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	if id, ok := chainAlias(lower); ok {
		return id
	}
	if allDigits(lower) {
		return "eip155:" + trimZeros(lower)
	}
	if n, ok := strings.CutPrefix(lower, "eip155:"); ok && allDigits(n) {
		return "eip155:" + trimZeros(n)
	}
	return s
}

// tokenChain is the CAIP-2 form of a token's "chain" claim: as
// requiredChain, except that Picket's slug "solana" means Solana mainnet.
func tokenChain(s string) string {
	switch s { // the usual claims, as Picket writes them
	case "ethereum":
		return "eip155:1"
	case "solana":
		return solanaMainnet
	}
	if strings.EqualFold(strings.TrimSpace(s), "solana") {
		return solanaMainnet
	}
	return requiredChain(s)
}

// walletChain is the chain of the token's own "walletAddress": its "chain"
// claim in CAIP-2 form, or, when the token names none, "eip155" for an EVM
// address and "" otherwise.
func walletChain(chain, addr string) string {
	switch {
	case chain != "":
		return tokenChain(chain)
	case isEVMAddress(addr):
		return "eip155"
	}
	return ""
}

// chainMatches reports whether chain (CAIP-2 or a bare namespace) meets one
// of want (lower-case requiredChain forms): equal ids, or a namespace
// requirement and a chain of that namespace. A bare namespace chain meets
// only the namespace itself.
func chainMatches(want []string, chain string) bool {
	chain = strings.ToLower(chain)
	for _, w := range want {
		if chain == w {
			return true
		}
		if !strings.Contains(w, ":") && strings.HasPrefix(chain, w) && len(chain) > len(w) && chain[len(w)] == ':' {
			return true
		}
	}
	return false
}

// trimZeros drops the leading zeros of a decimal number, keeping one digit.
func trimZeros(n string) string {
	if t := strings.TrimLeft(n, "0"); t != "" {
		return t
	}
	return "0"
}
