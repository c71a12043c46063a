package onchaintest

import (
	"encoding/hex"
	"math/big"
	"strings"
	"testing"
)

func TestEncodeArgs(t *testing.T) {
	word := func(hexTail string) string { return strings.Repeat("0", 64-len(hexTail)) + hexTail }
	addr := "0x00000000000000000000000000000000000000Aa"
	tests := []struct {
		name string
		args []any
		want string
	}{
		{"none", nil, ""},
		{"address and amount", []any{addr, big.NewInt(255)}, word("aa") + word("ff")},
		{"int and int64", []any{6, int64(7)}, word("6") + word("7")},
		{"empty bytes", []any{addr, []byte{}}, word("aa") + word("40") + word("0")},
		{"bytes padded", []any{[]byte{1, 2}}, word("20") + word("2") + "0102" + strings.Repeat("0", 60)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := encodeArgs(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tt.want {
				t.Fatalf("got %x, want %s", got, tt.want)
			}
		})
	}
	for _, bad := range []any{"0x12", "not hex", 1.5} {
		if _, err := encodeArgs([]any{bad}); err == nil {
			t.Errorf("encodeArgs(%v): got no error", bad)
		}
	}
}
