package tokengate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hs256Token signs header and payload (JSON texts) with secret.
func hs256Token(secret []byte, header, payload string) string {
	enc := base64.RawURLEncoding
	in := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(in))
	return in + "." + enc.EncodeToString(mac.Sum(nil))
}

func headerCacheSize(m *Middleware) int {
	n := 0
	m.headers.entries.Range(func(any, any) bool { n++; return true })
	return n
}

// TestHeaderCache: a header that decodes is kept and then read from the
// cache with the same result; one that is refused is never kept and is
// refused every time; the cache never holds more than maxCachedHeaders.
func TestHeaderCache(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	m, err := New(WithKeys(HMACKey(jwa.HS256, secret)))
	require.NoError(t, err)
	defer m.Close()
	payload := fmt.Sprintf(`{"exp":%d}`, time.Now().Add(time.Hour).Unix())
	ctx := context.Background()

	tests := []struct {
		name    string
		header  string
		wantErr error
		kept    bool
	}{
		{"valid", `{"alg":"HS256","typ":"JWT"}`, nil, true},
		{"crit", `{"alg":"HS256","crit":["exp"]}`, ErrMalformed, false},
		{"case variants", `{"alg":"HS256","ALG":"none"}`, ErrMalformed, false},
		{"nested token", `{"alg":"HS256","cty":"JWT"}`, ErrMalformed, false},
		// The allowlist is checked on every request, after the cache.
		{"alg not allowed", `{"alg":"HS384"}`, ErrAlgorithm, true},
		{"alg none", `{"alg":"none"}`, ErrAlgorithm, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m.headers.entries.Clear()
			m.headers.size.Store(0)
			tok := hs256Token(secret, tt.header, payload)
			for range 3 {
				_, err := m.Verify(ctx, tok)
				if tt.wantErr == nil {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, tt.wantErr)
				}
			}
			seg, _, _ := strings.Cut(tok, ".")
			_, kept := m.headers.get(seg)
			assert.Equal(t, tt.kept, kept)
		})
	}

	t.Run("bounded", func(t *testing.T) {
		for i := range 10 * maxCachedHeaders {
			tok := hs256Token(secret, fmt.Sprintf(`{"alg":"HS256","n":%d}`, i), payload)
			_, err := m.Verify(ctx, tok)
			require.NoError(t, err)
			require.LessOrEqual(t, headerCacheSize(m), maxCachedHeaders)
		}
	})
}

// TestHeaderCacheLast: the entry put last answers without the map, every
// other entry from the map, and a segment never put is not found.
func TestHeaderCacheLast(t *testing.T) {
	var c headerCache
	c.put("a", header{Alg: "HS256"})
	c.put("b", header{Alg: "ES256"})
	tests := []struct {
		name, seg, alg string
		found          bool
	}{
		{"put last", "b", "ES256", true},
		{"put before", "a", "HS256", true},
		{"never put", "c", "", false},
		{"a prefix of one put", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := c.get(tt.seg)
			require.Equal(t, tt.found, ok)
			if ok {
				assert.Equal(t, tt.alg, h.Alg)
			}
		})
	}
}
