package tokengate

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

var quickClaimsCases = []struct {
	name, text string
	quick      bool // quickClaims reads it all
}{
	{"picket", picketPayload, true},
	{"tokenBalances group unknown", `{"exp":1700000000,"tokenBalances":{"0xbc4c":{"1":"1"}}}`, false},
	{"speed", speedPayload, true},
	{"exp only", `{"exp":1700000000}`, true},
	{"no exp", `{"sub":"a"}`, true}, // read; claims then refuses it
	{"empty object", `{}`, true},
	{"white space", " {\t\"exp\" :\r\n1700000000 , \"x\":[ {\"a\":1,\"b\":[null,true,false]} ] }\n", true},
	{"unknown members", `{"exp":1,"org":{"id":"a","ID":"b"},"n":-1.5e-3}`, true},
	{"balances", `{"exp":1,"tokenBalances":{"contractAddress":{"0xa":"1.5"}}}`, true},
	{"not an object", `[{"exp":1}]`, false},
	{"null", `null`, false},
	{"duplicate", `{"exp":1,"exp":2}`, false},
	{"case variant", `{"exp":1,"EXP":2}`, false},
	{"case variant, longer", `{"exp":1,"sub":"a","Sub":"b"}`, false},
	{"nested duplicate", `{"exp":1,"x":{"a":1,"a":2}}`, false},
	{"escape", `{"exp":1,"sub":"a\"b"}`, false},
	{"escaped name", `{"\u0065xp":1}`, false},
	{"not ASCII", `{"exp":1,"sub":"é"}`, false},
	{"long s", `{"exp":1,"ſub":"a","sub":"b"}`, false},
	{"wrong type", `{"exp":"1"}`, false},
	{"wrong type, then invalid", `{"exp":"1",}`, false},
	{"invalid number", `{"exp":01}`, false},
	{"trailing comma", `{"exp":1,}`, false},
	{"trailing data", `{"exp":1}{}`, false},
	{"cut short", `{"exp":1`, false},
	{"too deep", `{"exp":1,"x":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`, false},
	{"deepest", `{"exp":1,"x":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`, true},
	{"empty", ``, false},
}

// TestQuickClaims: the usual claim sets are read in one pass, and
// quickClaims leaves to walkClaims what it cannot vouch for.
func TestQuickClaims(t *testing.T) {
	for _, tt := range quickClaimsCases {
		t.Run(tt.name, func(t *testing.T) {
			r := claimReader{box: &claimsBox{}}
			if got := quickClaims(tt.text, &r); got != tt.quick {
				t.Fatalf("quickClaims(%q) = %v, want %v", tt.text, got, tt.quick)
			}
			checkQuickClaims(t, []byte(tt.text))
		})
	}
}

// FuzzQuickClaims: whatever quickClaims reads, jsontext accepts, tooDeep
// passes and walkClaims reads alike (the same error or the same claims).
func FuzzQuickClaims(f *testing.F) {
	for _, tt := range quickClaimsCases {
		f.Add([]byte(tt.text))
	}
	f.Fuzz(checkQuickClaims)
}

// checkQuickClaims checks what FuzzQuickClaims says of b.
func checkQuickClaims(t *testing.T, b []byte) {
	s := string(b)
	r := claimReader{box: &claimsBox{}}
	if !quickClaims(s, &r) {
		return
	}
	if !jsontext.Value(b).IsValid() || tooDeep(b) {
		t.Fatalf("quickClaims read %q, which jsontext or tooDeep refuses", b)
	}
	got, err := r.claims(s)
	ref, refErr := walkClaims(s, &claimsBox{})
	switch {
	case (err == nil) != (refErr == nil):
		t.Fatalf("quickClaims says %v, walkClaims %v: %q", err, refErr, b)
	case err != nil && err.Error() != refErr.Error():
		t.Fatalf("quickClaims says %v, walkClaims %v: %q", err, refErr, b)
	case err == nil && got.raw != ref.raw:
		t.Fatalf("raw %q, walkClaims's %q", got.raw, ref.raw)
	case err == nil:
		if diff := claimsDiff(got, ref); diff != "" {
			t.Fatalf("quickClaims and walkClaims differ in %s: %q", diff, b)
		}
	}
}

// BenchmarkQuickClaims prices the one-pass reader alone on the speed
// benchmarks' payload, without the allocations of decodePayload, and
// quickValid's validation alone for comparison.
func BenchmarkQuickClaims(b *testing.B) {
	b.Run("quickClaims", func(b *testing.B) {
		box := new(claimsBox)
		for b.Loop() {
			*box = claimsBox{}
			r := claimReader{box: box}
			if !quickClaims(speedPayload, &r) {
				b.Fatal("not read")
			}
		}
	})
	b.Run("quickValid", func(b *testing.B) {
		pb := []byte(speedPayload)
		for b.Loop() {
			if !quickValid(pb) {
				b.Fatal("not valid")
			}
		}
	})
}
