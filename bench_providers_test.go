package tokengate_test

import (
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
)

// BenchmarkProviders: what each provider's token costs through
// Middleware.Handler, uncached, next to the signature check alone ("floor",
// on the Picket-shaped token) and the Picket-shaped token itself, in one
// Middleware that holds every preset. Provider tokens are laid out as in
// providers_test.go: Privy's identity token with five linked accounts,
// Dynamic's full token with three credentials, Web3Auth's social login with
// two public keys to derive addresses from, and its external-wallet token.
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench Providers .; done | tee providers.txt
//	go run ./internal/benchratio < providers.txt
func BenchmarkProviders(b *testing.B) {
	es := newSpeedFixture(b, jwa.ES256)
	rs := newSpeedFixture(b, jwa.RS256)
	m := newMiddleware(b,
		tokengate.WithIssuer(es.iss.URL(), es.keys), tokengate.WithIssuer(rs.iss.URL(), rs.keys), tokengate.WithAudience("my-app-id"),
		tokengate.Privy(privyApp, tokengate.ProviderJWKSURL(es.iss.JWKSURL())),
		tokengate.Dynamic(dynamicEnv, tokengate.ProviderJWKSURL(rs.iss.JWKSURL()), tokengate.ProviderAudience(dynamicOrigin)),
		tokengate.Web3Auth(web3authID, tokengate.ProviderJWKSURL(es.iss.JWKSURL())),
	)
	h := m.Handler(okHandler)
	groups := []struct {
		f      speedFixture
		tokens []struct{ name, tok string }
	}{
		{es, []struct{ name, tok string }{
			{"picket", es.token},
			{"privy", docToken(es.iss, privyIdentity(privyApp))},
			{"web3auth-external", docToken(es.iss, web3authExternal(web3authID))},
			{"web3auth-social", docToken(es.iss, web3authSocial(web3authID))},
		}},
		{rs, []struct{ name, tok string }{
			{"picket", rs.token},
			{"dynamic", docToken(rs.iss, dynamicJWT("app.dynamic.xyz/"+dynamicEnv, dynamicOrigin, "user:basic"))},
		}},
	}
	for _, g := range groups {
		alg := g.f.iss.Algorithm().String()
		floor := g.f.floor(b)
		b.Run(alg+"/floor", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !floor() {
					b.Fatal("floor failed")
				}
			}
		})
		for _, t := range g.tokens {
			runHandler(b, alg+"/"+t.name, h, bearer(t.tok))
		}
	}
}
