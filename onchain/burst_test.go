package onchain_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/tokengate/tokengate"
)

// TestBurst: 50 concurrent requests of one holder, none cached yet, make
// one RPC call (one HTTP request to the node); later ones none.
func TestBurst(t *testing.T) {
	w := newWorld(t)
	p := newProxy(t, w.anvil.URL())
	oc := newClient(t, p.URL)
	g := newGate(t, oc.ERC20(chainID, w.erc20, "10"))
	tok := g.token(w.holder)

	const n = 50
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resp, _ := g.get(t, tok)
			codes[i] = resp.StatusCode
		})
	}
	close(start)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("request %d: got %d, want 200", i, c)
		}
	}
	if got := p.count(); got != 1 {
		t.Fatalf("RPC calls for %d concurrent requests: got %d, want 1", n, got)
	}
	for range 10 {
		if resp, _ := g.get(t, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("cached: got %d, want 200", resp.StatusCode)
		}
	}
	if got := p.count(); got != 1 {
		t.Fatalf("RPC calls after 10 more requests: got %d, want 1", got)
	}
}

// TestLocalFirst: local requirements run before the on-chain ones, inside
// AllOf and AnyOf too, whatever their order: a request that a local check
// decides costs no RPC call.
func TestLocalFirst(t *testing.T) {
	w := newWorld(t)
	p := newProxy(t, w.anvil.URL())

	tests := []struct {
		name  string
		req   func(erc tokengate.Requirement) tokengate.Requirement
		want  int
		calls int64
	}{
		{"AllOf, local fails", func(erc tokengate.Requirement) tokengate.Requirement {
			return tokengate.AllOf(erc, tokengate.Chain("polygon"))
		}, 403, 0},
		{"AllOf, local passes", func(erc tokengate.Requirement) tokengate.Requirement {
			return tokengate.AllOf(erc, tokengate.Chain(chainID))
		}, 200, 1},
		{"AnyOf, local passes", func(erc tokengate.Requirement) tokengate.Requirement {
			return tokengate.AnyOf(erc, tokengate.Wallet(w.holder))
		}, 200, 0},
		{"AnyOf, local fails", func(erc tokengate.Requirement) tokengate.Requirement {
			return tokengate.AnyOf(erc, tokengate.Wallet(w.other))
		}, 200, 1},
		{"Require list, local fails", func(erc tokengate.Requirement) tokengate.Requirement {
			return tokengate.AllOf(erc, tokengate.TokenID("42"))
		}, 403, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oc := newClient(t, p.URL) // a cold cache for each case
			g := newGate(t, tt.req(oc.ERC20(chainID, w.erc20, "10")))
			before := p.count()
			if resp, body := g.get(t, g.token(w.holder)); resp.StatusCode != tt.want {
				t.Fatalf("status: got %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
			if got := p.count() - before; got != tt.calls {
				t.Fatalf("RPC calls: got %d, want %d", got, tt.calls)
			}
		})
	}
}
