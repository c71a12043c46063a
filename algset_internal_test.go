package tokengate

import (
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// TestAlgSet: every supported algorithm has a bit of its own, and a set
// holds exactly what was added: never "none", a case variant or an
// algorithm tokengate does not verify.
func TestAlgSet(t *testing.T) {
	var all algSet
	for _, a := range supportedAlgs {
		t.Run(a.String(), func(t *testing.T) {
			b := algBit(a)
			if b == 0 || b&(b-1) != 0 || all&b != 0 {
				t.Fatalf("algBit(%s) = %#x: not a bit of its own", a, b)
			}
			one := algSet(0).with(a)
			for _, o := range supportedAlgs {
				if one.has(o) != (o == a) {
					t.Errorf("{%s}.has(%s) = %v", a, o, one.has(o))
				}
			}
		})
		all = all.with(a)
	}
	for _, a := range []jwa.SignatureAlgorithm{jwa.NoSignature, "None", "hs256", "RS256 ", "ES256K", "HS1", ""} {
		t.Run("refused "+a.String(), func(t *testing.T) {
			if all.with(a).has(a) {
				t.Errorf("a set holds %q", a)
			}
		})
	}
}
