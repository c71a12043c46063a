package tokengate

import (
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeLargeBalances: in a claim set larger than the decoder's buffer
// (about 15 KB here, with the buffer's refills at every offset),
// every tokenBalances entry keeps its own name and value.
func TestDecodeLargeBalances(t *testing.T) {
	name := func(i int) string { return fmt.Sprintf("n%03d%s", i, strings.Repeat("abcdefghij", 1+i%7)) }
	for pad := range 200 {
		var b strings.Builder
		fmt.Fprintf(&b, `{"exp":2000000000,"pad":%q,"tokenBalances":{"collection":{`, strings.Repeat("p", pad))
		for i := range 300 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s":"%d"`, name(i), i)
		}
		b.WriteString(`}}}`)
		c, err := decodeClaims([]byte(b.String()))
		require.NoError(t, err)
		entries := c.TokenBalances.Collection
		require.Len(t, entries, 300, "pad %d", pad)
		for i := range 300 {
			v, ok := entries[name(i)]
			require.True(t, ok, "pad %d: entry %d missing", pad, i)
			assert.Equal(t, fmt.Sprint(i), v.RatString())
		}
	}
}

func TestDecodeTokenIDNumbers(t *testing.T) {
	for in, ok := range map[string]bool{`[1,2]`: true, `[1e3]`: false, `[-0]`: false, `[1.5]`: false, `["x",7]`: true} {
		_, err := decodeClaims([]byte(`{"exp":2000000000,"tokenIds":` + in + `}`))
		assert.Equal(t, ok, err == nil, "%s: %v", in, err)
	}
}

// TestParseDecimal: every decimal reads as math/big reads it, in lowest
// terms (RatString shows the stored numerator and denominator).
func TestParseDecimal(t *testing.T) {
	ins := []string{"0", "0.0", "0.1337", "1", "10", "1.50", "0.000000000000000001", "123456789012345678",
		"12345678901234567.8", "1234567890123456789", "0.1234567890123456789", "999999999999999999", "2.5", "0.75",
		"100.000", "0.0625", "3.2", "7.0000000000000000001"}
	for i := range 2000 {
		ins = append(ins, fmt.Sprintf("%d.%0*d", i*7919%1000, 1+i%18, i*104729))
	}
	for _, in := range ins {
		t.Run(in, func(t *testing.T) {
			want, ok := new(big.Rat).SetString(in)
			require.True(t, ok)
			got, err := parseDecimal("x", in, new(big.Rat), nil)
			require.NoError(t, err)
			assert.Equal(t, want.RatString(), got.RatString())
			assert.Zero(t, want.Cmp(got))
		})
	}
}
