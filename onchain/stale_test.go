package onchain_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/onchain"
)

// TestSoldAfterLogin: a holder logs in, sells on chain, and the same token
// is refused once MaxAge has passed since the read that saw the holding.
// The transfers are real; the clock of the cache is a fake one, so the test
// does not depend on timing.
func TestSoldAfterLogin(t *testing.T) {
	w := newWorld(t)
	clock := onchain.NewFakeClock()
	const maxAge = 30 * time.Second
	oc := newClient(t, w.anvil.URL(), onchain.MaxAge(maxAge))
	onchain.SetClock(oc, clock)
	ctx := context.Background()

	tests := []struct {
		name string
		req  func() *gate
		sell func(t *testing.T)
	}{
		{"erc20", func() *gate { return newGate(t, oc.ERC20(chainID, w.erc20, "10")) }, func(t *testing.T) {
			if err := w.node.Send(ctx, w.holder, w.erc20, "transfer(address,uint256)", w.other, 1); err != nil {
				t.Fatal(err)
			}
		}},
		{"erc721", func() *gate { return newGate(t, oc.ERC721(chainID, w.erc721, "1")) }, func(t *testing.T) {
			if err := w.node.Send(ctx, w.holder, w.erc721, "transferFrom(address,address,uint256)", w.holder, w.other, 1); err != nil {
				t.Fatal(err)
			}
		}},
		{"erc1155", func() *gate { return newGate(t, oc.ERC1155(chainID, w.erc1155, "7", "5")) }, func(t *testing.T) {
			if err := w.node.Send(ctx, w.holder, w.erc1155, "safeTransferFrom(address,address,uint256,uint256,bytes)", w.holder, w.other, 7, 1, []byte{}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.req()
			tok := g.token(w.holder)
			expect := func(when string, want int) {
				t.Helper()
				if resp, body := g.get(t, tok); resp.StatusCode != want {
					t.Fatalf("%s: got %d (%s), want %d", when, resp.StatusCode, body, want)
				}
			}
			expect("before selling", http.StatusOK)
			tt.sell(t)
			clock.Advance(maxAge - time.Nanosecond)
			expect("sold, within MaxAge (the read is reused)", http.StatusOK)
			clock.Advance(time.Nanosecond)
			expect("sold, MaxAge passed", http.StatusForbidden)
		})
	}
}

// TestSoldAfterLoginRealClock is TestSoldAfterLogin with the real clock
// (time.AfterFunc) and a MaxAge of 100 ms: a read is reused within MaxAge,
// and after a real transfer on anvil the same token is refused once MaxAge
// has passed since the read began. The check comes half a MaxAge after
// that, so a cache entry that outlives MaxAge twice fails the test, and
// timer jitter of up to 50 ms does not.
func TestSoldAfterLoginRealClock(t *testing.T) {
	w := newWorld(t)
	const maxAge = 100 * time.Millisecond
	ctx := context.Background()
	tests := []struct {
		name string
		req  func(oc *onchain.Client) tokengate.Requirement
		sell func(t *testing.T)
	}{
		{"erc20", func(oc *onchain.Client) tokengate.Requirement { return oc.ERC20(chainID, w.erc20, "10") }, func(t *testing.T) {
			if err := w.node.Send(ctx, w.holder, w.erc20, "transfer(address,uint256)", w.other, 1); err != nil {
				t.Fatal(err)
			}
		}},
		{"erc721", func(oc *onchain.Client) tokengate.Requirement { return oc.ERC721(chainID, w.erc721, "1") }, func(t *testing.T) {
			if err := w.node.Send(ctx, w.holder, w.erc721, "transferFrom(address,address,uint256)", w.holder, w.other, 1); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oc := newClient(t, w.anvil.URL(), onchain.MaxAge(maxAge))
			g := newGate(t, tt.req(oc))
			tok := g.token(w.holder)
			expect := func(when string, want int) {
				t.Helper()
				if resp, body := g.get(t, tok); resp.StatusCode != want {
					t.Fatalf("%s: got %d (%s), want %d", when, resp.StatusCode, body, want)
				}
			}
			before := time.Now()
			expect("before selling", http.StatusOK)
			read := time.Now() // the read began between before and read
			tt.sell(t)
			if time.Since(before) < maxAge/2 {
				expect("sold, within MaxAge (the read is reused)", http.StatusOK)
			} else {
				t.Logf("selling took %v: reuse within MaxAge not checked", time.Since(before))
			}
			time.Sleep(time.Until(read.Add(maxAge * 3 / 2)))
			expect("sold, MaxAge passed", http.StatusForbidden)
		})
	}
}
