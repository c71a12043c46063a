package tokengate_test

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// picketClaims is a Picket-shaped claim set: a token of about 700 bytes.
func picketClaims() tokengate.Claims {
	return tokengate.Claims{
		Subject:         "0x71C7656EC7ab88b098defB751B7401B5f6d8976F",
		Audience:        []string{"my-app-id"},
		Chain:           "ethereum",
		WalletAddress:   "0x71C7656EC7ab88b098defB751B7401B5f6d8976F",
		DisplayAddress:  "vitalik.eth",
		ContractAddress: "0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d",
		TokenBalance:    big.NewRat(1337, 10000),
		TokenIDs:        []string{"1", "2", "3"},
		Email:           "holder@example.com",
	}
}

// BenchmarkVerify measures the whole pipeline on a valid token, to price
// changes to the hot path (for example the case-folding name check).
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []jwa.SignatureAlgorithm{jwa.HS256, jwa.ES256} {
		b.Run(alg.String(), func(b *testing.B) {
			iss := newIssuer(b, alg)
			src := tokengate.PublicKey(alg, iss.PublicKey())
			if s := iss.Secret(); s != nil {
				src = tokengate.HMACKey(alg, s)
			}
			m := newMiddleware(b, tokengate.WithIssuer(iss.URL(), src), tokengate.WithAudience("my-app-id"))
			tok := iss.Token(picketClaims(), tokengatetest.WithClaim("version", 2), tokengatetest.WithClaim("tenant", "t-123"))
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(tok)))
			for b.Loop() {
				if _, err := m.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRefuseOversize: a token far over the size caps is refused before
// anything is scanned or decoded.
func BenchmarkRefuseOversize(b *testing.B) {
	iss := newIssuer(b, jwa.HS256)
	m := newMiddleware(b, tokengate.WithKeys(tokengate.HMACSecret(iss.Secret())))
	for name, tok := range map[string]string{
		"1MB of dots":   strings.Repeat(".", 1<<20),
		"8KiB header":   encode(`{"alg":"HS256","x":"`+strings.Repeat("a", 8<<10)+`"}`) + ".e30.c2ln",
		"15KiB payload": "eyJhbGciOiJIUzI1NiJ9." + encode(`{"x":"`+strings.Repeat("a", 11<<10)+`"}`) + ".c2ln",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Verify(context.Background(), tok); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
