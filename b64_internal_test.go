package tokengate

import (
	"bytes"
	"encoding/base64"
	"testing"
)

var decodeB64Cases = []struct {
	name, in string
	ok       bool
}{
	{"header", "eyJhbGciOiJIUzI1NiJ9", true},
	{"empty", "", true},
	{"one byte", "QQ", true},
	{"two bytes", "QUI", true},
	{"three bytes", "QUJD", true},
	{"eight values", "QUJDREVG", true},
	{"url alphabet", "-_-_", true},
	{"padding", "eyJhbGciOiJIUzI1NiJ9=", false},
	{"padding in a group", "QQ==", false},
	{"plus", "ey+hbGciOiJIUzI1NiJ9", false},
	{"slash", "ey/hbGciOiJIUzI1NiJ9", false},
	{"line feed", "eyJhbGci\nOiJIUzI1NiJ9", false},
	{"carriage return", "eyJhbGciOiJI\rUzI1NiJ9", false},
	{"space", "eyJhbGci OiJIUzI1NiJ9", false},
	{"high byte", "eyJhbGci\xffOiJIUzI1NiJ9", false},
	{"nul", "QUJD\x00UJD", false},
	{"stray bits after one byte", "QR", false},
	{"stray bits after two bytes", "QUJ", false},
	{"impossible length", "Q", false},
	{"impossible length, longer", "QUJDR", false},
}

// TestDecodeB64: decodeB64 decodes canonical unpadded base64url and refuses
// everything else, as encoding/base64's strict decoder does.
func TestDecodeB64(t *testing.T) {
	for _, tt := range decodeB64Cases {
		t.Run(tt.name, func(t *testing.T) {
			checkDecodeB64(t, tt.in)
			if n := b64DecodedLen(len(tt.in)); n >= 0 {
				if got := decodeB64(make([]byte, n), tt.in); got != tt.ok {
					t.Fatalf("decodeB64(%q) = %v, want %v", tt.in, got, tt.ok)
				}
			} else if tt.ok {
				t.Fatalf("b64DecodedLen(%d) = %d", len(tt.in), n)
			}
		})
	}
}

// FuzzDecodeB64: decodeB64 and decodeSegmentTo accept exactly what
// base64.RawURLEncoding.Strict() with decodeSegment's line-break rule
// accepts, with the same bytes, and decodeSegmentTo fails with
// decodeSegment's error.
func FuzzDecodeB64(f *testing.F) {
	for _, tt := range decodeB64Cases {
		f.Add(tt.in)
	}
	f.Fuzz(checkDecodeB64)
}

// checkDecodeB64 compares decodeB64 and decodeSegmentTo on s with
// encoding/base64 and decodeSegment.
func checkDecodeB64(t *testing.T, s string) {
	want, refErr := base64.RawURLEncoding.Strict().DecodeString(s)
	if bytes.ContainsAny([]byte(s), "\r\n") {
		refErr = base64.CorruptInputError(0) // skipped by encoding/base64, refused by decodeSegment
	}
	n := b64DecodedLen(len(s))
	if refErr == nil && n != len(want) {
		t.Fatalf("b64DecodedLen(%d) = %d, want %d", len(s), n, len(want))
	}
	if n >= 0 {
		dst := make([]byte, n)
		ok := decodeB64(dst, s)
		if ok != (refErr == nil) {
			t.Fatalf("decodeB64(%q) = %v, encoding/base64 says %v", s, ok, refErr)
		}
		if ok && !bytes.Equal(dst, want) {
			t.Fatalf("decodeB64(%q) = %x, want %x", s, dst, want)
		}
	}
	_, _, segErr := decodeSegment(nil, []byte(s))
	got, err := decodeSegmentTo(make([]byte, max(n, 0)), s)
	switch {
	case (err == nil) != (segErr == nil):
		t.Fatalf("decodeSegmentTo(%q): %v, decodeSegment: %v", s, err, segErr)
	case err != nil && err.Error() != segErr.Error():
		t.Fatalf("decodeSegmentTo(%q): %v, decodeSegment: %v", s, err, segErr)
	case err == nil && (s == "" || !bytes.Equal(got, want)):
		t.Fatalf("decodeSegmentTo(%q) = %x, want %x", s, got, want)
	}
}
