package onchain

import (
	"encoding/hex"
	"errors"
	"math/big"
)

// The calls made, each a 4-byte selector (the first bytes of the
// Keccak-256 of the signature) followed by 32-byte words.
// TestSelectors checks them against solc's output for the test contracts.
var (
	selBalanceOf     = [4]byte{0x70, 0xa0, 0x82, 0x31} // balanceOf(address)
	selOwnerOf       = [4]byte{0x63, 0x52, 0x21, 0x1e} // ownerOf(uint256)
	selBalanceOfID   = [4]byte{0x00, 0xfd, 0xd5, 0x8e} // balanceOf(address,uint256)
	selDecimals      = [4]byte{0x31, 0x3c, 0xe5, 0x67} // decimals()
	maxDecimals      = 77                              // 10^77 < 2^256 < 10^78
	errNotOneWord    = errors.New("answer is not one 32-byte word")
	errAddressWord   = errors.New("address word has nonzero high bytes")
	errDecimalsRange = errors.New("decimals above 77")
)

// address is a 20-byte EVM address.
type address [20]byte

// word is a 32-byte ABI word.
type word [32]byte

// parseAddress reads "0x" and 40 hex digits, in any case (an EIP-55
// checksum is not verified).
func parseAddress(s string) (address, bool) {
	var a address
	if len(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return a, false
	}
	if _, err := hex.Decode(a[:], []byte(s[2:])); err != nil {
		return a, false
	}
	return a, true
}

// hexString is "0x" and the lower-case hex of a.
func (a address) hexString() string { return "0x" + hex.EncodeToString(a[:]) }

// calldata is the hex "data" of a call: "0x", the selector, then the words.
func calldata(sel [4]byte, args ...word) string {
	b := make([]byte, 2+8+64*len(args))
	b[0], b[1] = '0', 'x'
	hex.Encode(b[2:], sel[:])
	for i, w := range args {
		hex.Encode(b[10+64*i:], w[:])
	}
	return string(b)
}

// addressWord is a left-padded to a word.
func addressWord(a address) word {
	var w word
	copy(w[12:], a[:])
	return w
}

// decodeWord reads an eth_call result that must be "0x" and exactly 64 hex
// digits (one word): nothing more, nothing less.
func decodeWord(result string) (word, error) {
	var w word
	if len(result) != 66 || result[0] != '0' || result[1] != 'x' {
		return w, errNotOneWord
	}
	if _, err := hex.Decode(w[:], []byte(result[2:])); err != nil {
		return w, errNotOneWord
	}
	return w, nil
}

// decodeUint reads a uint256 word.
func decodeUint(result string) (*big.Int, error) {
	w, err := decodeWord(result)
	if err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(w[:]), nil
}

// decodeAddress reads an address word: its 12 high bytes must be zero.
func decodeAddress(result string) (address, error) {
	var a address
	w, err := decodeWord(result)
	if err != nil {
		return a, err
	}
	for _, b := range w[:12] {
		if b != 0 {
			return a, errAddressWord
		}
	}
	copy(a[:], w[12:])
	return a, nil
}

// decodeDecimals reads a decimals() word: an integer of at most 77.
func decodeDecimals(result string) (uint8, error) {
	w, err := decodeWord(result)
	if err != nil {
		return 0, err
	}
	for _, b := range w[:31] {
		if b != 0 {
			return 0, errDecimalsRange
		}
	}
	if int(w[31]) > maxDecimals {
		return 0, errDecimalsRange
	}
	return w[31], nil
}
