package tokengate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// freshStore is a ReplayStore that finds every id fresh, so one proof can
// be checked over and over.
type freshStore struct{}

func (freshStore) Use(context.Context, string, time.Time) (bool, error) { return true, nil }

// BenchmarkDPoP is what a proof adds to a request whose ES256 token the
// cache holds: "bearer" is the token alone, the others add a proof made
// with that key type (the proof's jti store answers at once).
func BenchmarkDPoP(b *testing.B) {
	iss := newIssuer(b, jwa.ES256)
	m := newMiddleware(b, tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())), tokengate.WithCache(16),
		tokengate.WithDPoP(tokengate.DPoPAllowed, tokengate.DPoPReplayStore(freshStore{}), tokengate.DPoPMaxAge(10*time.Minute)))
	run := func(b *testing.B, r *http.Request) {
		if _, err := m.Authenticate(r); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			if _, err := m.Authenticate(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("bearer", func(b *testing.B) {
		r := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
		r.Header.Set("Authorization", "Bearer "+iss.Token(tokengate.Claims{Subject: "alice"}))
		run(b, r)
	})
	for _, alg := range []jwa.SignatureAlgorithm{jwa.ES256, jwa.EdDSA, jwa.RS256} {
		b.Run("dpop "+alg.String(), func(b *testing.B) {
			key := tokengatetest.NewDPoPKey(alg)
			r := httptest.NewRequest("GET", "https://api.example.com/orders", nil)
			key.Authorize(r, iss.Token(tokengate.Claims{Subject: "alice"}, tokengatetest.BoundTo(key)))
			run(b, r)
		})
	}
}
