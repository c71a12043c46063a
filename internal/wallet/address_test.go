package wallet

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// evmVectors are published private key / address pairs; the public key is
// derived here with the secp256k1 library, never taken from our own output.
var evmVectors = []struct {
	name, priv, addr, source string
}{
	{
		name:   "anvil account 0",
		priv:   "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
		addr:   "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
		source: "Foundry anvil / Hardhat default accounts (mnemonic 'test test ... junk'), account 0",
	},
	{
		name:   "anvil account 1",
		priv:   "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
		addr:   "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
		source: "Foundry anvil / Hardhat default accounts, account 1",
	},
	{
		name:   "Mastering Ethereum",
		priv:   "f8f8a2f43c8376ccb0871305060d7b27b0554d2cc72bccf41b2705608452f315",
		addr:   "0x001d3F1ef827552Ae1114027BD3ECF1f086bA0F9",
		source: "ethereumbook/ethereumbook 04keys-addresses.asciidoc (address 001d3f1e…; EIP-55 form as printed by go-ethereum common.Address.Hex)",
	},
}

func TestEVMAddress(t *testing.T) {
	for _, v := range evmVectors {
		priv := secp256k1.PrivKeyFromBytes(mustHex(t, v.priv))
		pub := priv.PubKey()
		for _, form := range []struct {
			name string
			key  []byte
		}{
			{"compressed", pub.SerializeCompressed()},
			{"uncompressed", pub.SerializeUncompressed()},
		} {
			t.Run(v.name+"/"+form.name, func(t *testing.T) {
				got, err := EVMAddress(form.key)
				if err != nil {
					t.Fatalf("EVMAddress: %v (vector from %s)", err, v.source)
				}
				if got != v.addr {
					t.Errorf("EVMAddress = %s, want %s (vector from %s)", got, v.addr, v.source)
				}
			})
		}
	}
}

// TestEVMAddressPublishedKey uses a published public key directly, so the
// hash step is checked without the secp256k1 library's key derivation.
func TestEVMAddressPublishedKey(t *testing.T) {
	// ethereumbook/ethereumbook 04keys-addresses.asciidoc: K (with the 04 prefix)
	// and its address 001d3f1ef827552ae1114027bd3ecf1f086ba0f9.
	const k = "046e145ccef1033dea239875dd00dfb4fee6e3348b84985c92f103444683bae07b83b5c38e5e2b0c8529d7fa3f64d46daa1ece2d9ac14cab9477d042c84c32ccd0"
	got, err := EVMAddress(mustHex(t, k))
	if err != nil {
		t.Fatal(err)
	}
	if want := "0x001d3f1ef827552ae1114027bd3ecf1f086ba0f9"; strings.ToLower(got) != want {
		t.Errorf("EVMAddress = %s, want %s (case-insensitively)", got, want)
	}
	// The same key from the book's private key, through the library.
	pub := secp256k1.PrivKeyFromBytes(mustHex(t, evmVectors[2].priv)).PubKey().SerializeUncompressed()
	if got, want := hex.EncodeToString(pub), k; got != want {
		t.Errorf("derived public key = %s, want %s", got, want)
	}
}

func TestEVMAddressErrors(t *testing.T) {
	good := secp256k1.PrivKeyFromBytes(mustHex(t, evmVectors[0].priv)).PubKey()
	hybrid := good.SerializeUncompressed()
	hybrid[0] = 0x06 | hybrid[64]&1 // SEC hybrid form: parses in the library, not accepted here
	offCurve := good.SerializeCompressed()
	offCurve[32] ^= 0x01
	tests := []struct {
		name string
		key  []byte
	}{
		{"nil", nil},
		{"64 bytes without prefix", good.SerializeUncompressed()[1:]},
		{"32 bytes", make([]byte, 32)},
		{"33 bytes prefix 04", append([]byte{4}, good.SerializeCompressed()[1:]...)},
		{"65 bytes prefix 02", append([]byte{2}, good.SerializeUncompressed()[1:]...)},
		{"hybrid", hybrid},
		{"zero x, no prefix", make([]byte, 33)},
		{"x not on the curve", offCurve}, // checked: this flipped x has no y
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EVMAddress(tt.key)
			if err == nil {
				t.Fatalf("EVMAddress = %q, nil; want an error", got)
			}
			if got != "" || !strings.HasPrefix(err.Error(), "tokengate: ") {
				t.Errorf("EVMAddress = %q, %v; want \"\" and a tokengate: error", got, err)
			}
		})
	}
}

// TestChecksumEIP55 checks the EIP-55 casing alone against the examples in
// https://eips.ethereum.org/EIPS/eip-55 ("All caps", "All Lower", "Normal").
func TestChecksumEIP55(t *testing.T) {
	for _, want := range []string{
		"0x52908400098527886E0F7030069857D2E4169EE7",
		"0x8617E340B3D01FA5F11F306F4090FD50E238070D",
		"0xde709f2102306220921060314715629080e2fb77",
		"0x27b1fdb04752bbc536007a920d24acb045561c26",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
		"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
		"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
	} {
		t.Run(want, func(t *testing.T) {
			if got := checksumAddress(mustHex(t, strings.ToLower(want))); got != want {
				t.Errorf("checksumAddress = %s, want %s", got, want)
			}
		})
	}
}

// base58Vectors is bitcoin/bitcoin src/test/data/base58_encode_decode.json
// (hex input, base58 output), complete.
var base58Vectors = [][2]string{
	{"", ""},
	{"61", "2g"},
	{"626262", "a3gV"},
	{"636363", "aPEr"},
	{"73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
	{"00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
	{"516b6fcd0f", "ABnLTmg"},
	{"bf4f89001e670274dd", "3SEo3LWLoPntC"},
	{"572e4794", "3EFU7m"},
	{"ecac89cad93923c02321", "EJDM8drfXA6uyA"},
	{"10c8511e", "Rt5zm"},
	{"00000000000000000000", "1111111111"},
	{"00000000000000000000000000000000000000000000000000000000000000000000000000000000", "1111111111111111111111111111111111111111"},
	{"00000000000000000000000000000000000000000000000000000000000000000000000000000001", "1111111111111111111111111111111111111112"},
	{"0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000ec39d04c37e71e5d591881f6", "111111111111111111111111111111111111111111111111111111111111111111111111111111111111115TYzLYH1udmLdzCLM"},
	{"000111d38e5fc9071ffcd20b4a763cc9ae4f252bb4e48fd66a835e252ada93ff480d6dd43dc62a641155a5", "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"},
	{"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", "1cWB5HCBdLjAuqGGReWE3R3CguuwSjw6RHn39s2yuDRTS5NsBgNiFpWgAnEx6VQi8csexkgYw3mdYrMHr8x9i7aEwP8kZ7vccXWqKDvGv3u1GxFKPuAkn8JCPPGDMf3vMMnbzm6Nh9zh1gcNsMvH3ZNLmP5fSG6DGbbi2tuwMWPthr4boWwCxf7ewSgNQeacyozhKDDQQ1qL5fQFUW52QKUZDZ5fw3KXNQJMcNTcaB723LchjeKun7MuGW5qyCBZYzA1KjofN1gYBV3NqyhQJ3Ns746GNuf9N2pQPmHz4xpnSrrfCvy6TVVz5d4PdrjeshsWQwpZsZGzvbdAdN8MKV5QsBDY"},
	{"271F359E", "zzzzy"},
	{"271F359F", "zzzzz"},
	{"271F35A0", "211111"},
	{"271F35A1", "211112"},
}

func TestBase58(t *testing.T) {
	for _, v := range base58Vectors {
		t.Run(v[1], func(t *testing.T) {
			in := mustHex(t, v[0])
			if got := Base58(in); got != v[1] {
				t.Errorf("Base58(%s) = %q, want %q", v[0], got, v[1])
			}
			n, ok := base58Len(v[1])
			if !ok || n != len(in) {
				t.Errorf("base58Len(%q) = %d, %v; want %d, true", v[1], n, ok, len(in))
			}
		})
	}
}

// solanaVectors are ed25519 public keys with their documented Solana
// addresses.
var solanaVectors = []struct {
	name, key, addr, source string
}{
	{
		name:   "system program",
		key:    strings.Repeat("00", 32),
		addr:   "11111111111111111111111111111111",
		source: "Solana docs: the System Program id 11111111111111111111111111111111 is 32 zero bytes",
	},
	{
		name:   "keypair test",
		key:    "1b2f49096e3e5dbd0fcfa9c0c0cd92d9ab3b21544b34d5dd4a65d98b878b9922",
		addr:   "2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF",
		source: "solana-foundation/solana-web3.js test/keypair.test.ts 'create keypair from secret key'",
	},
}

func TestSolanaAddress(t *testing.T) {
	for _, v := range solanaVectors {
		t.Run(v.name, func(t *testing.T) {
			if got := Base58(mustHex(t, v.key)); got != v.addr {
				t.Errorf("Base58(key) = %s, want %s (from %s)", got, v.addr, v.source)
			}
			if !isSolanaAddress(v.addr) {
				t.Errorf("isSolanaAddress(%s) = false, want true", v.addr)
			}
		})
	}
}

// TestSolanaKeypair checks that the public key in solanaVectors is really
// the ed25519 key of the secret key published in solana-web3.js
// test/keypair.test.ts (64 bytes: seed, then public key).
func TestSolanaKeypair(t *testing.T) {
	secret, err := base64.StdEncoding.DecodeString("mdqVWeFekT7pqy5T49+tV12jO0m+ESW7ki4zSU9JiCgbL0kJbj5dvQ/PqcDAzZLZqzshVEs01d1KZdmLh4uZIg==")
	if err != nil {
		t.Fatal(err)
	}
	pub := ed25519.NewKeyFromSeed(secret[:32]).Public().(ed25519.PublicKey)
	if got, want := hex.EncodeToString(pub), solanaVectors[1].key; got != want {
		t.Errorf("ed25519 public key = %s, want %s", got, want)
	}
	if got, want := hex.EncodeToString(secret[32:]), solanaVectors[1].key; got != want {
		t.Errorf("published public half = %s, want %s", got, want)
	}
}

func TestIsSolanaAddress(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF", true},
		{"11111111111111111111111111111111", true},
		{"1111111111111111111111111111111", false},               // 31 bytes
		{"111111111111111111111111111111111", false},             // 33 bytes
		{"2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxh0", false},  // '0' not in the alphabet
		{"2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhFF", false}, // 45 characters
		{"JEKNVnkbo3jma5nREBBJCDoXFVeKkD56V3xKrvRmWxFG", true},   // 32 bytes of 0xff
		{"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", false},  // 44 chars, 33 bytes
		{"0x70997970C51812dc3A010C7d01b50e0d17dc79C8", false},    // EVM
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if got := isSolanaAddress(tt.addr); got != tt.want {
				t.Errorf("isSolanaAddress(%q) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}

func TestBase58Digit(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := strings.IndexByte(base58Alphabet, byte(c))
		if got := base58Digit(byte(c)); got != want {
			t.Errorf("base58Digit(%q) = %d, want %d", byte(c), got, want)
		}
	}
}
