package onchain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokengate/tokengate"
)

// TestMaxInFlight: when an endpoint's requests in flight are at the cap, a
// read waits for a slot, and fails (503) when none frees within Timeout,
// without sending anything.
func TestMaxInFlight(t *testing.T) {
	var requests atomic.Int64
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		// eth_chainId 1, then decimals() 0 (id 1) and balanceOf 1.
		n := strings.Count(string(body), `"id":`)
		out := []string{`{"jsonrpc":"2.0","id":0,"result":"0x1"}`}
		for i := 1; i < n; i++ {
			v := 1
			if i == 1 {
				v = 0
			}
			out = append(out, fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"result":"0x%064x"}`, i, v))
		}
		_, _ = io.WriteString(w, "["+strings.Join(out, ",")+"]")
	}))
	defer node.Close()
	c, err := New(RPC("eip155:1", node.URL), MaxInFlight(2), Timeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := c.ERC20("eip155:1", "0x00000000000000000000000000000000000000c0", "0")
	claims := &tokengate.Claims{WalletAddress: "0x00000000000000000000000000000000000000aa"}

	ep := c.eps[1]
	ep.slots <- struct{}{} // two reads in flight elsewhere
	ep.slots <- struct{}{}
	err = req.Check(context.Background(), claims)
	if !errors.Is(err, tokengate.ErrUnavailable) || !strings.Contains(err.Error(), "in-flight") {
		t.Fatalf("Check at the cap: got %v, want ErrUnavailable waiting for a slot", err)
	}
	if got := requests.Load(); got != 0 {
		t.Fatalf("requests sent at the cap: got %d, want 0", got)
	}
	<-ep.slots // one finishes
	if err := req.Check(context.Background(), claims); err != nil {
		t.Fatalf("Check with a free slot: %v", err)
	}
	if got := requests.Load(); got != 1 {
		t.Fatalf("requests: got %d, want 1", got)
	}
}
