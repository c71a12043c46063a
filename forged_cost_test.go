package tokengate_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// TestForgedTokenCostIsLinear: a token's payload is read before its
// signature is checked, so anyone can make the middleware read one. What
// that costs must grow in proportion to the payload, whatever it holds:
// here, a forged token whose tokenBalances names n distinct addresses in
// upper case (each made canonical, which allocates) costs at 4n less than
// six times what it costs at n (a reading that compared every key with
// every other one costs 16 times as much, and did).
func TestForgedTokenCostIsLinear(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), tokengate.PublicKey(jwa.ES256, iss.PublicKey())))
	forged := func(group string, n int) string {
		var b strings.Builder
		fmt.Fprintf(&b, `{"iss":%q,"exp":4102444800,"tokenBalances":{`, iss.URL())
		if group != "flat" {
			fmt.Fprintf(&b, `%q:{`, group)
		}
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"0xAB%038X":"1"`, i)
		}
		if group != "flat" {
			b.WriteByte('}')
		}
		b.WriteString(`}}`)
		enc := base64.RawURLEncoding.EncodeToString
		return enc([]byte(`{"alg":"ES256","typ":"JWT"}`)) + "." + enc([]byte(b.String())) + "." + enc(make([]byte, 64))
	}
	for _, group := range []string{"contractAddress", "collection", "creatorAddress", "flat"} {
		t.Run(group, func(t *testing.T) {
			allocs := func(n int) float64 {
				tok := forged(group, n)
				_, err := m.Verify(context.Background(), tok)
				require.ErrorIs(t, err, tokengate.ErrSignature, "read whole, refused at the signature")
				return testing.AllocsPerRun(5, func() { _, _ = m.Verify(context.Background(), tok) })
			}
			small, large := allocs(50), allocs(200)
			t.Logf("allocations: %v for 50 keys, %v for 200", small, large)
			assert.Less(t, large, 6*small, "allocations: %v for 50 keys, %v for 200", small, large)
		})
	}
}
