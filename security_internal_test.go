package tokengate

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/stretchr/testify/assert"
)

// picketPayload is a Picket-shaped claim set of 17 members.
const picketPayload = `{"aud":"my-app-id","chain":"ethereum","contractAddress":"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d",` +
	`"displayAddress":"vitalik.eth","email":"holder@example.com","exp":1700003600,"iat":1700000000,` +
	`"iss":"https://picketapi.com","jti":"8f0f2b8c7f0e4f0e9b1c0d4e5f6a7b8c","sub":"0x71C7656EC7ab88b098defB751B7401B5f6d8976F",` +
	`"tenant":"t-123","tokenBalance":"0.1337","tokenBalances":{"contractAddress":{"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d":"1.5"},"tokenIds":{"1":"1","2":"0.5"}},` +
	`"tokenIds":["1","2","3"],"version":2,"walletAddress":"0x71C7656EC7ab88b098defB751B7401B5f6d8976F","nonce":"x"}`

func TestCaseVariantNames(t *testing.T) {
	many := func(n int, extra string) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(`"n` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + `":0`)
		}
		b.WriteString(extra + "}")
		return b.String()
	}
	tests := []struct {
		name string
		obj  string
		want bool
	}{
		{"empty object", `{}`, false},
		{"distinct names", `{"iss":"a","sub":"b","aud":["c"]}`, false},
		{"picket payload", picketPayload, false},
		{"iss and ISS", `{"iss":"a","ISS":"b"}`, true},
		{"exp and Exp, apart", `{"exp":1,"sub":"x","aud":"y","Exp":2}`, true},
		{"escaped name folds too", `{"\u0069ss":"a","ISS":"b"}`, true},
		{"escaped quote in a name", `{"a\"b":1,"A\"B":2}`, true},
		{"escaped backslash before the closing quote", `{"a\\":1,"b":"\\","A\\":2}`, true},
		{"long s folds to s", `{"sub":"a","ſub":"b"}`, true},
		{"Kelvin sign folds to k", `{"kid":"a","Kid":"b"}`, true},
		{"long s inside a name", `{"asb":1,"x":2,"aſb":3}`, true},
		{"Kelvin sign last, escaped", `{"ok":1,"o\u212a":2}`, true},
		{"non-ASCII names that differ", `{"é":1,"ü":2,"aéb":3,"aüb":4}`, false},
		{"non-ASCII name folds to an ASCII one later", `{"ſub":1,"x":2,"SUB":3}`, true},
		{"nested objects are not compared", `{"a":{"x":1,"X":2},"b":[{"y":1},{"Y":2}]}`, false},
		{"names inside string values are not names", `{"a":"{\"iss\":1,\"ISS\":2}","b":"ISS"}`, false},
		{"a value equal to a name is not a name", `{"iss":"ISS"}`, false},
		{"whitespace", "{ \"iss\" :\n1 ,\t\"Iss\" : 2 }", true},
		{"many distinct names", many(2000, ""), false},
		{"many names, one variant at the end", many(2000, `,"NAAA":1`), true},
		{"long names", `{"` + strings.Repeat("a", 600) + `":1,"` + strings.Repeat("A", 600) + `":2}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !jsontextValid(tt.obj) {
				t.Fatalf("test input is not valid JSON")
			}
			assert.False(t, tooDeep([]byte(tt.obj)))
			assert.Equal(t, tt.want, hasCaseVariantNames(t, tt.obj))
			assert.Equal(t, tt.want, caseVariantNamesReference(t, []byte(tt.obj)))
		})
	}
}

func jsontextValid(s string) bool { return jsontext.Value(s).IsValid() }

// hasCaseVariantNames reads obj as the decoders read a header or claim set,
// skipping every value, and reports whether the name check refused it.
func hasCaseVariantNames(t *testing.T, obj string) bool {
	w := getWalker(obj)
	defer putWalker(w)
	err := w.document(func(string) error { w.skip(); return nil })
	if err != nil && !errors.Is(err, errCaseVariant) {
		t.Fatalf("not refused for its names: %v", err)
	}
	return err != nil
}

// caseVariantNamesReference is the slow, obviously right version of
// scanJSON's name check: a real tokenizer and strings.EqualFold on every pair.
func caseVariantNamesReference(t testing.TB, obj []byte) bool {
	dec := jsontext.NewDecoder(bytes.NewReader(obj))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return false // null, which decodes into a struct: no names
	}
	var names []string
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.String())
		if err := dec.SkipValue(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if strings.EqualFold(names[i], names[j]) {
				return true
			}
		}
	}
	return false
}

// BenchmarkPayloadDecode prices the payload decode, with its depth and name
// checks, on a Picket-shaped payload; "depth" is the depth check alone.
func BenchmarkPayloadDecode(b *testing.B) {
	pb := []byte(picketPayload)
	b.Run("decodePayload", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePayload(pb); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("depth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if tooDeep(pb) {
				b.Fatal("refused")
			}
		}
	})
}

func TestTooDeep(t *testing.T) {
	nest := func(d int) string { return strings.Repeat("[", d) + strings.Repeat("]", d) }
	objs := func(d int) string { return strings.Repeat(`{"a":`, d) + "1" + strings.Repeat("}", d) }
	tests := []struct {
		name string
		in   string
		deep bool
	}{
		{"flat object", `{"a":1}`, false},
		{"tokenBalances", `{"tokenBalances":{"0xa":{"1":"2"}}}`, false},
		{"32 levels", `{"a":` + nest(31) + `}`, false},
		{"33 levels", `{"a":` + nest(32) + `}`, true},
		{"33 levels of objects", objs(33), true},
		{"brackets inside strings do not count", `{"a":"` + strings.Repeat("[{", 100) + `"}`, false},
		{"escaped quote does not end a string", `{"a":"\"` + strings.Repeat("[", 100) + `"}`, false},
		{"unclosed arrays", `{"a":` + strings.Repeat("[", 40), true},
		{"unterminated string", `{"a":"` + strings.Repeat("[", 40), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.deep, tooDeep([]byte(tt.in)))
		})
	}
}

// maxDepthReference is the nesting depth of valid JSON, by a tokenizer.
func maxDepthReference(t testing.TB, b []byte) int {
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	depth := 0
	for {
		if _, err := dec.ReadToken(); err != nil {
			return depth
		}
		depth = max(depth, dec.StackDepth())
	}
}
