package onchain

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
)

// TestSelectors checks the selectors against solc's method identifiers for
// the test contracts (onchain/testdata/*.json, written by gen.sh).
func TestSelectors(t *testing.T) {
	ids := map[string]string{}
	for _, f := range []string{"ERC20", "ERC721", "ERC1155"} {
		raw, err := os.ReadFile("testdata/" + f + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ MethodIdentifiers map[string]string }
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		for k, s := range v.MethodIdentifiers {
			ids[k] = s
		}
	}
	for sig, sel := range map[string][4]byte{
		"balanceOf(address)":         selBalanceOf,
		"ownerOf(uint256)":           selOwnerOf,
		"balanceOf(address,uint256)": selBalanceOfID,
		"decimals()":                 selDecimals,
	} {
		if got, want := hex.EncodeToString(sel[:]), ids[sig]; got != want {
			t.Errorf("%s: got %s, want %s (solc)", sig, got, want)
		}
	}
}

func TestCalldata(t *testing.T) {
	a, _ := parseAddress("0x00000000000000000000000000000000000000Aa")
	var id word
	big.NewInt(7).FillBytes(id[:])
	tests := []struct {
		name string
		k    key
		want string
	}{
		{"decimals", key{call: callDecimals}, "0x313ce567"},
		{"balanceOf", key{call: callBalance, wallet: a}, "0x70a08231" + strings.Repeat("0", 62) + "aa"},
		{"ownerOf", key{call: callOwner, id: id}, "0x6352211e" + strings.Repeat("0", 63) + "7"},
		{"balanceOf id", key{call: callBalanceID, wallet: a, id: id}, "0x00fdd58e" + strings.Repeat("0", 62) + "aa" + strings.Repeat("0", 63) + "7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.k.calldata(); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDecoders(t *testing.T) {
	z := strings.Repeat("0", 64)
	word := func(tail string) string { return "0x" + z[:64-len(tail)] + tail }
	tests := []struct {
		name  string
		in    string
		uint  string // "" when decodeUint must fail
		owner string // "" when decodeAddress must fail
		dec   int    // -1 when decodeDecimals must fail
	}{
		{"zero", word("0"), "0", "0x0000000000000000000000000000000000000000", 0},
		{"six", word("6"), "6", "0x0000000000000000000000000000000000000006", 6},
		{"77", word("4d"), "77", "0x000000000000000000000000000000000000004d", 77},
		{"78", word("4e"), "78", "0x000000000000000000000000000000000000004e", -1},
		{"address", word("ab" + strings.Repeat("cd", 19)), new(big.Int).SetBytes(must(hex.DecodeString("ab" + strings.Repeat("cd", 19)))).String(), "0xab" + strings.Repeat("cd", 19), -1},
		{"address high byte", word("1" + strings.Repeat("0", 40)), new(big.Int).Lsh(big.NewInt(1), 160).String(), "", -1},
		{"max", "0x" + strings.Repeat("f", 64), new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)).String(), "", -1},
		{"upper case hex", "0x" + strings.Repeat("0", 62) + "FF", "255", "0x00000000000000000000000000000000000000ff", -1},
		{"empty", "", "", "", -1},
		{"0x only", "0x", "", "", -1},
		{"63 digits", "0x" + z[1:], "", "", -1},
		{"65 digits", "0x" + z + "0", "", "", -1},
		{"two words", "0x" + z + z, "", "", -1},
		{"no 0x", "00" + z, "", "", -1},
		{"0X", "0X" + z, "", "", -1},
		{"not hex", "0x" + z[2:] + "zz", "", "", -1},
		{"space", "0x" + z[1:] + " ", "", "", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := decodeUint(tt.in)
			if got := fmt.Sprint(n); (err == nil) != (tt.uint != "") || err == nil && got != tt.uint {
				t.Errorf("decodeUint: got %v, %v; want %q", n, err, tt.uint)
			}
			a, err := decodeAddress(tt.in)
			if (err == nil) != (tt.owner != "") || err == nil && a.hexString() != tt.owner {
				t.Errorf("decodeAddress: got %s, %v; want %q", a.hexString(), err, tt.owner)
			}
			d, err := decodeDecimals(tt.in)
			if (err == nil) != (tt.dec >= 0) || err == nil && int(d) != tt.dec {
				t.Errorf("decodeDecimals: got %d, %v; want %d", d, err, tt.dec)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestParseAmounts(t *testing.T) {
	for _, tt := range []struct {
		in      string
		decimal bool
		integer bool
	}{
		{"0", true, true}, {"10", true, true}, {"007", true, true}, {"0.5", true, false},
		{"1.000001", true, false}, {"", false, false}, {".5", false, false}, {"5.", false, false},
		{"1.2.3", false, false}, {"-1", false, false}, {"+1", false, false}, {"1e6", false, false},
		{"1_000", false, false}, {" 1", false, false}, {"١", false, false}, {strings.Repeat("9", 101), false, false},
		{strings.Repeat("9", 78), true, false}, // above 2^256-1
		{"115792089237316195423570985008687907853269984665640564039457584007913129639935", true, true},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if _, ok := parseDecimal(tt.in); ok != tt.decimal {
				t.Errorf("parseDecimal: got %v, want %v", ok, tt.decimal)
			}
			if _, ok := parseUint256(tt.in); ok != tt.integer {
				t.Errorf("parseUint256: got %v, want %v", ok, tt.integer)
			}
		})
	}
}

func TestThreshold(t *testing.T) {
	for _, tt := range []struct {
		min      string
		decimals uint8
		want     string
	}{
		{"10", 6, "10000000"}, {"0", 6, "1"}, {"0", 0, "1"}, {"9.999999", 6, "9999999"},
		{"9.9999991", 6, "10000000"}, {"0.0000001", 6, "1"}, {"1.5", 0, "2"}, {"2", 0, "2"},
		{"1", 77, "1" + strings.Repeat("0", 77)}, {"123.456", 18, "123456000000000000000"},
	} {
		t.Run(fmt.Sprintf("%s@%d", tt.min, tt.decimals), func(t *testing.T) {
			r, _ := parseDecimal(tt.min)
			h := &holding{min: r}
			if got := h.units(tt.decimals).String(); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
			if got := h.units(tt.decimals).String(); got != tt.want { // the cached one
				t.Fatalf("again: got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestChainOf(t *testing.T) {
	for _, tt := range []struct {
		in     string
		id     uint64
		ns, ok bool
	}{
		{"eip155:1", 1, false, true}, {"1", 1, false, true}, {"ethereum", 1, false, true},
		{"Ethereum", 1, false, true}, {"polygon", 137, false, true}, {"eip155:31337", 31337, false, true},
		{"eip155", 0, true, true}, {"EIP155", 0, true, true}, {"solana", 0, false, false},
		{"eip155:", 0, false, false}, {"eip155:0", 0, false, false}, {"eip155:abc", 0, false, false},
		{"", 0, false, false}, {"cosmos:1", 0, false, false},
	} {
		t.Run(tt.in, func(t *testing.T) {
			id, ns, ok := chainOf(tt.in)
			if id != tt.id || ns != tt.ns || ok != tt.ok {
				t.Fatalf("got %d %v %v, want %d %v %v", id, ns, ok, tt.id, tt.ns, tt.ok)
			}
		})
	}
}

// FuzzDecodeBatch: whatever a node answers, decodeBatch never panics, and
// it accepts an answer only when it carries the right chain id and one
// message per call.
func FuzzDecodeBatch(f *testing.F) {
	keys := []key{{call: callDecimals}, {call: callBalance}, {call: callOwner}}
	w := `"0x` + strings.Repeat("0", 64) + `"`
	f.Add([]byte(`[{"jsonrpc":"2.0","id":0,"result":"0x7a69"},{"jsonrpc":"2.0","id":1,"result":` + w + `},{"jsonrpc":"2.0","id":2,"result":` + w + `},{"jsonrpc":"2.0","id":3,"error":{"code":3,"message":"execution reverted"}}]`))
	f.Add([]byte(`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"x"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		vals, err := decodeBatch(raw, 31337, keys)
		if err != nil {
			return
		}
		if len(vals) != len(keys) {
			t.Fatalf("%d values for %d keys", len(vals), len(keys))
		}
		var msgs []map[string]json.RawMessage
		if json.Unmarshal(raw, &msgs) != nil || len(msgs) != len(keys)+1 {
			t.Fatalf("accepted %q", raw)
		}
		for _, m := range msgs {
			if string(m["id"]) == "0" {
				var s string
				if json.Unmarshal(m["result"], &s) != nil || !strings.EqualFold(strings.TrimLeft(strings.TrimPrefix(s, "0x"), "0"), "7a69") {
					t.Fatalf("accepted chain id %s", m["result"])
				}
			}
		}
		if vals[1].n == nil {
			t.Fatal("balance without a value")
		}
	})
}
