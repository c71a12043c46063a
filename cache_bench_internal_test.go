package tokengate

import (
	"hash/maphash"
	"strings"
	"testing"
)

// BenchmarkCacheFingerprint prices the cache's fingerprint of a 762-byte
// token (see fingerprinter) and its HMAC-SHA256 fallback, next to the floor:
// maphash over the same bytes, the non-cryptographic hash a map keyed by
// the token string pays (the cache was such a map before it kept no token).
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench CacheFingerprint .; done | go run ./internal/benchratio
func BenchmarkCacheFingerprint(b *testing.B) {
	token := strings.Repeat("eyJhbGciOiJFUzI1NiJ9.", 762/21+1)[:762]
	b.Run("floor", func(b *testing.B) {
		seed := maphash.MakeSeed()
		b.ReportAllocs()
		for b.Loop() {
			maphash.String(seed, token)
		}
	})
	b.Run("ghash-aes", func(b *testing.B) {
		p := newFingerprinter()
		b.ReportAllocs()
		for b.Loop() {
			p.of(token)
		}
	})
	b.Run("hmac-sha256", func(b *testing.B) {
		p := newMACFingerprinter()
		b.ReportAllocs()
		for b.Loop() {
			p.of(token)
		}
	})
}
