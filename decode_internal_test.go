package tokengate

import (
	"fmt"
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
		fmt.Fprintf(&b, `{"exp":2000000000,"pad":%q,"tokenBalances":{"0xabc":{`, strings.Repeat("p", pad))
		for i := range 300 {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s":"%d"`, name(i), i)
		}
		b.WriteString(`}}}`)
		c, err := decodeClaims(b.String())
		require.NoError(t, err)
		entries := c.TokenBalances["0xabc"]
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
		_, err := decodeClaims(`{"exp":2000000000,"tokenIds":` + in + `}`)
		assert.Equal(t, ok, err == nil, "%s: %v", in, err)
	}
}
