package tokengate

import (
	"strings"
	"testing"
)

// TestIsB64Token compares isB64Token, which reads eight bytes at a time, with
// the grammar read byte by byte: every byte value at every position of
// tokens of 0 to 19 bytes, with and without "=" padding.
func TestIsB64Token(t *testing.T) {
	reference := func(s string) bool {
		body := strings.TrimRight(s, "=")
		if body == "" {
			return false
		}
		for i := 0; i < len(body); i++ {
			if strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/", body[i]) < 0 {
				return false
			}
		}
		return true
	}
	for n := range 20 {
		for _, pad := range []string{"", "=", "=="} {
			for pos := range n {
				for c := range 256 {
					b := []byte(strings.Repeat("a", n) + pad)
					b[pos] = byte(c)
					if got, want := isB64Token(string(b)), reference(string(b)); got != want {
						t.Fatalf("isB64Token(%q) = %v, want %v", b, got, want)
					}
				}
			}
			s := strings.Repeat("a", n) + pad
			if got, want := isB64Token(s), reference(s); got != want {
				t.Fatalf("isB64Token(%q) = %v, want %v", s, got, want)
			}
		}
	}
}
