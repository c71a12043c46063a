package tokengate

import (
	"encoding/base64"
	"testing"
)

// BenchmarkDecodeB64 compares decodeB64 with encoding/base64's strict
// decoder (and the line-break scans decodeSegment adds) on the speed
// benchmarks' payload segment.
func BenchmarkDecodeB64(b *testing.B) {
	seg := base64.RawURLEncoding.EncodeToString([]byte(speedPayload))
	dst := make([]byte, b64DecodedLen(len(seg)))
	b.Run("decodeB64", func(b *testing.B) {
		b.SetBytes(int64(len(seg)))
		for b.Loop() {
			if !decodeB64(dst, seg) {
				b.Fatal("refused")
			}
		}
	})
	b.Run("decodeSegment", func(b *testing.B) {
		b.SetBytes(int64(len(seg)))
		bs := []byte(seg)
		for b.Loop() {
			if _, _, err := decodeSegment(dst[:0], bs); err != nil {
				b.Fatal(err)
			}
		}
	})
}
