package tokengate

import (
	"strings"
	"testing"
)

// BenchmarkCacheFingerprint prices the cache's fingerprint of a 762-byte
// token (see fingerprinter) next to SHA-256 over the same bytes, the
// fallback, and the floor of copying the token into the scratch buffer.
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench CacheFingerprint .; done | go run ./internal/benchratio
func BenchmarkCacheFingerprint(b *testing.B) {
	token := strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 762/21+1)[:762]
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		buf := make([]byte, 0, 4096)
		for b.Loop() {
			buf = append(buf[:0], token...)
			clear(buf)
		}
	})
	b.Run("ghash-aes", func(b *testing.B) {
		p := newFingerprinter()
		b.ReportAllocs()
		for b.Loop() {
			p.of(token)
		}
	})
	b.Run("sha256", func(b *testing.B) {
		p := fingerprinter{}
		b.ReportAllocs()
		for b.Loop() {
			p.of(token)
		}
	})
}
