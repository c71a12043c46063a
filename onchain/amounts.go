package onchain

import (
	"fmt"
	"math/big"
)

// maxDigits bounds the length of a min or an id (a uint256 has 78 digits).
const maxDigits = 100

// parseDecimal reads a plain non-negative decimal: digits, optionally a dot
// and more digits ("10", "0.5"); no sign, exponent or spaces.
func parseDecimal(s string) (*big.Rat, bool) {
	if len(s) == 0 || len(s) > maxDigits {
		return nil, false
	}
	dot := -1
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
		case s[i] == '.' && dot < 0 && i > 0 && i < len(s)-1:
			dot = i
		default:
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// maxUint256 is 2^256 - 1.
var maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// parseUint256 reads a decimal integer from 0 to 2^256-1: digits only.
func parseUint256(s string) (*big.Int, bool) {
	if len(s) == 0 || len(s) > maxDigits || !allDigits(s) {
		return nil, false
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok || n.Cmp(maxUint256) > 0 {
		return nil, false
	}
	return n, true
}

// parseIDs reads token ids as words.
func parseIDs(name string, ids []string) ([]word, error) {
	out := make([]word, 0, len(ids))
	for _, s := range ids {
		n, ok := parseUint256(s)
		if !ok {
			return nil, fmt.Errorf("tokengate: onchain: %s: token id %q is not a decimal uint256", name, s)
		}
		var w word
		n.FillBytes(w[:])
		out = append(out, w)
	}
	return out, nil
}
