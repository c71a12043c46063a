package wallet

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/crypto/sha3"
)

// EVMAddress derives the Ethereum address of a secp256k1 public key: the
// last 20 bytes of the Keccak-256 hash of the 64-byte uncompressed key X||Y
// (Ethereum yellow paper, appendix F; "Mastering Ethereum", chapter 4).
// pub is either compressed (33 bytes, prefix 0x02 or 0x03) or uncompressed
// (65 bytes, prefix 0x04). The result is "0x" and 40 hex digits with the
// EIP-55 mixed-case checksum (https://eips.ethereum.org/EIPS/eip-55).
// Any other length or prefix, or a point that is not on the curve, returns
// an error and "".
func EVMAddress(pub []byte) (string, error) {
	addr, err := evmAddress(pub)
	if err != nil {
		return "", fmt.Errorf("tokengate: %w", err)
	}
	return addr, nil
}

func evmAddress(pub []byte) (string, error) {
	switch {
	case len(pub) == 33 && (pub[0] == 0x02 || pub[0] == 0x03):
	case len(pub) == 65 && pub[0] == 0x04:
	default:
		return "", fmt.Errorf("secp256k1 public key: want 33 bytes (0x02/0x03) or 65 bytes (0x04), have %d", len(pub))
	}
	key, err := secp256k1.ParsePubKey(pub)
	if err != nil { // its text would quote the key's coordinates
		return "", errors.New("secp256k1 public key: not a point of the curve")
	}
	h := sha3.NewLegacyKeccak256()
	h.Write(key.SerializeUncompressed()[1:])
	var sum [32]byte
	return checksumAddress(h.Sum(sum[:0])[12:]), nil
}

// checksumAddress formats a 20-byte address as "0x" and hex digits, each
// letter upper-cased when the matching nibble of Keccak-256(lower-case hex)
// is 8 or more (EIP-55).
func checksumAddress(addr []byte) string {
	var out [42]byte
	out[0], out[1] = '0', 'x'
	digits := out[2:]
	hex.Encode(digits, addr)
	h := sha3.NewLegacyKeccak256()
	h.Write(digits)
	var sum [32]byte
	hash := h.Sum(sum[:0])
	for i, c := range digits {
		nibble := hash[i/2] >> 4
		if i%2 == 1 {
			nibble = hash[i/2] & 0x0f
		}
		if c >= 'a' && nibble >= 8 {
			digits[i] = c - 'a' + 'A'
		}
	}
	return string(out[:])
}

// isEVMAddress reports whether s is "0x" followed by 40 hex digits of
// either case. The EIP-55 checksum of a mixed-case address is not checked:
// the token is signed by its issuer, and addresses compare case-insensitively.
func isEVMAddress(s string) bool {
	if len(s) != 42 || s[0] != '0' || s[1] != 'x' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if fromHex(s[i]) < 0 {
			return false
		}
	}
	return true
}

func fromHex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// isSolanaAddress reports whether s is the base58 form of 32 bytes, which
// takes 32 to 44 characters.
func isSolanaAddress(s string) bool {
	if len(s) < 32 || len(s) > 44 {
		return false
	}
	n, ok := base58Len(s)
	return ok && n == 32
}

// isBoundedAddress is the check for namespaces whose address format this
// package does not know: 1 to 128 printable ASCII characters, no spaces.
func isBoundedAddress(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// decodeKey decodes a hex public key, with or without a "0x" prefix.
func decodeKey(s string) ([]byte, error) {
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s = s[2:]
	}
	if s == "" {
		return nil, errors.New("public_key empty")
	}
	b, err := hex.DecodeString(s)
	if err != nil { // its text would quote the offending character
		return nil, errors.New("public_key: not hex")
	}
	return b, nil
}

// base58Alphabet is Bitcoin's alphabet: no 0, O, I or l.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// Base58 encodes b with the Bitcoin alphabet, as Bitcoin and Solana do: each
// leading zero byte becomes a '1', and the rest is the big-endian number in
// base 58. Base58(nil) is "". The cost grows with the square of len(b), so
// callers bound the input (a Solana key is 32 bytes).
func Base58(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	// digits holds the number in base 58, least significant digit first;
	// each input byte multiplies it by 256 and adds the byte.
	digits := make([]byte, 0, (len(b)-zeros)*138/100+1)
	for _, c := range b[zeros:] {
		carry := int(c)
		for i := range digits {
			carry += int(digits[i]) << 8
			digits[i] = byte(carry % 58)
			carry /= 58
		}
		for carry > 0 {
			digits = append(digits, byte(carry%58))
			carry /= 58
		}
	}
	out := make([]byte, zeros+len(digits))
	for i := 0; i < zeros; i++ {
		out[i] = '1'
	}
	for i, d := range digits {
		out[len(out)-1-i] = base58Alphabet[d]
	}
	return string(out)
}

// base58Len reports how many bytes s decodes to, and false when s holds a
// character outside the alphabet. It is meant for short strings (addresses):
// the work grows with the square of len(s).
func base58Len(s string) (int, bool) {
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	// n holds the number in base 256, least significant byte first.
	var buf [64]byte
	n := buf[:0]
	for i := zeros; i < len(s); i++ {
		d := base58Digit(s[i])
		if d < 0 {
			return 0, false
		}
		carry := d
		for j := range n {
			carry += int(n[j]) * 58
			n[j] = byte(carry)
			carry >>= 8
		}
		for carry > 0 {
			n = append(n, byte(carry))
			carry >>= 8
		}
	}
	return zeros + len(n), true
}

// base58Digit returns the value of an alphabet character, or -1.
func base58Digit(c byte) int {
	switch {
	case '1' <= c && c <= '9':
		return int(c - '1')
	case 'A' <= c && c <= 'H':
		return int(c-'A') + 9
	case 'J' <= c && c <= 'N':
		return int(c-'J') + 17
	case 'P' <= c && c <= 'Z':
		return int(c-'P') + 22
	case 'a' <= c && c <= 'k':
		return int(c-'a') + 33
	case 'm' <= c && c <= 'z':
		return int(c-'m') + 44
	}
	return -1
}
