package tokengate

import (
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

var quickValidCases = []struct {
	text  string
	quick bool // quickValid accepts it; jsontext then must too
}{
	{picketPayload, true},
	{`{"alg":"HS256","kid":"192cd6a2cdeb19f3","typ":"JWT"}`, true},
	{` {"a" : [1, -0.5e+3, 0, 1E9, true, false, null, {}, [], {"a":{"b":1}}] } `, true},
	{`{"a":1,"b":{"a":2}}`, true},
	{`[]`, true},
	{`"s"`, true},
	{`-0`, true},
	{`{"a":1,"a":2}`, false},       // duplicate
	{`{"a":{"x":1,"x":1}}`, false}, // nested duplicate
	{`{"a\u0062":1}`, false},       // an escape: jsontext decides
	{`{"é":1}`, false},             // not ASCII: jsontext decides
	{`{"a":01}`, false},            // leading zero
	{`{"a":1.}`, false},            // no fraction digits
	{`{"a":1e}`, false},            // no exponent digits
	{`{"a":-}`, false},             // a lone sign
	{`{"a":+1}`, false},            // a plus sign
	{`{"a":.5}`, false},            // no integer digits
	{`{"a":tru}`, false},           // a short literal
	{`{"a":truex}`, false},         // a long one
	{`{"a":1,}`, false},            // a trailing comma
	{`[1,]`, false},                // in an array too
	{`{"a" 1}`, false},             // no colon
	{`{a:1}`, false},               // a bare name
	{`{"a":"b`, false},             // cut short
	{"{\"a\":\"b\tc\"}", false},    // a control character
	{`{"a":1}{}`, false},           // two values
	{``, false},                    // nothing
	{strings.Repeat("[", 33) + strings.Repeat("]", 33), false}, // deeper than maxQuickDepth
}

// TestQuickValid: quickValid takes the usual token texts (so the fast path
// is taken), refuses what it cannot vouch for, and never accepts a text
// jsontext refuses.
func TestQuickValid(t *testing.T) {
	for _, tt := range quickValidCases {
		if got := quickValid([]byte(tt.text)); got != tt.quick {
			t.Errorf("quickValid(%q) = %v, want %v", tt.text, got, tt.quick)
		}
		if tt.quick && !jsontext.Value(tt.text).IsValid() {
			t.Errorf("jsontext refuses %q", tt.text)
		}
	}
}

// FuzzQuickValid: whatever quickValid accepts, jsontext accepts.
func FuzzQuickValid(f *testing.F) {
	for _, tt := range quickValidCases {
		f.Add([]byte(tt.text))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if quickValid(b) && !jsontext.Value(b).IsValid() {
			t.Fatalf("quickValid accepts %q, which jsontext refuses", b)
		}
	})
}
