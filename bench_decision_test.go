package tokengate_test

import (
	"sync/atomic"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
)

// BenchmarkDecisionHook: a verified-token cache hit (the cheapest path, so
// the one where a per-request cost would show most) with no decision hook
// ("floor") and with one that counts decisions ("hook"). Unset, the hook
// costs a nil check; set, a clock reading, the Decision and the call.
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench DecisionHook .; done | tee hook.txt
//	go run ./internal/benchratio < hook.txt
func BenchmarkDecisionHook(b *testing.B) {
	f := newSpeedFixture(b, jwa.ES256)
	var n atomic.Int64
	base := []tokengate.Option{tokengate.WithIssuer(f.iss.URL(), f.keys), tokengate.WithAudience("my-app-id"), tokengate.WithCache(1024)}
	unset := newMiddleware(b, base...).Handler(okHandler)
	set := newMiddleware(b, append(base, tokengate.WithDecisionHook(func(tokengate.Decision) { n.Add(1) }))...).Handler(okHandler)
	req := bearer(f.token)
	runHandler(b, "cached/floor", unset, req)
	runHandler(b, "cached/hook", set, req)
	if n.Load() == 0 {
		b.Fatal("the hook was never called")
	}
}
