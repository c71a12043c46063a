package onchain_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tokengate/tokengate"
)

// TestHoldings checks each requirement against anvil through tokengate's
// Handler and Require: 200 for a holder, 403 insufficient_scope otherwise.
func TestHoldings(t *testing.T) {
	w := newWorld(t)
	oc := newClient(t, w.anvil.URL())

	tests := []struct {
		name   string
		req    tokengate.Requirement
		wallet string
		want   int
	}{
		// ERC-20, 6 decimals: holder has 10.000000, near 9.999999.
		{"erc20 exactly min", oc.ERC20(chainID, w.erc20, "10"), w.holder, 200},
		{"erc20 one unit short", oc.ERC20(chainID, w.erc20, "10"), w.near, 403},
		{"erc20 min at the last decimal", oc.ERC20(chainID, w.erc20, "9.999999"), w.near, 200},
		{"erc20 min past the decimals rounds up", oc.ERC20(chainID, w.erc20, "9.9999991"), w.near, 403},
		{"erc20 just above", oc.ERC20(chainID, w.erc20, "10.000001"), w.holder, 403},
		{"erc20 zero means more than zero", oc.ERC20(chainID, w.erc20, "0"), w.near, 200},
		{"erc20 zero and nothing held", oc.ERC20(chainID, w.erc20, "0"), w.other, 403},
		{"erc20 tiny min needs one unit", oc.ERC20(chainID, w.erc20, "0.0000000001"), w.near, 200},
		{"erc20 chain as a number", oc.ERC20("31337", w.erc20, "10"), w.holder, 200},
		{"erc20 checksum-case contract", oc.ERC20(chainID, strings.ToUpper(w.erc20[:2])+strings.ToUpper(w.erc20[2:]), "1"), w.holder, 200},
		// ERC-721: id 1 → holder, id 2 → other, id 3 does not exist.
		{"erc721 owned", oc.ERC721(chainID, w.erc721, "1"), w.holder, 200},
		{"erc721 owned by another", oc.ERC721(chainID, w.erc721, "2"), w.holder, 403},
		{"erc721 nonexistent", oc.ERC721(chainID, w.erc721, "3"), w.holder, 403},
		{"erc721 any of, one owned", oc.ERC721(chainID, w.erc721, "3", "2", "1"), w.holder, 200},
		{"erc721 any of, none owned", oc.ERC721(chainID, w.erc721, "1", "3"), w.other, 403},
		{"erc721 collection, holds one", oc.ERC721(chainID, w.erc721), w.other, 200},
		{"erc721 collection, holds none", oc.ERC721(chainID, w.erc721), w.near, 403},
		// ERC-1155: id 7 → holder 5, near 4.
		{"erc1155 exactly min", oc.ERC1155(chainID, w.erc1155, "7", "5"), w.holder, 200},
		{"erc1155 one short", oc.ERC1155(chainID, w.erc1155, "7", "5"), w.near, 403},
		{"erc1155 zero means more than zero", oc.ERC1155(chainID, w.erc1155, "7", "0"), w.near, 200},
		{"erc1155 other id", oc.ERC1155(chainID, w.erc1155, "8", "0"), w.holder, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate(t, tt.req)
			resp, body := g.get(t, g.token(tt.wallet))
			if resp.StatusCode != tt.want {
				t.Fatalf("status: got %d (%s), want %d", resp.StatusCode, body, tt.want)
			}
			if tt.want == http.StatusForbidden {
				if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, `error="insufficient_scope"`) {
					t.Errorf("WWW-Authenticate: got %q, want insufficient_scope", got)
				}
			}
		})
	}
}

// TestWallets checks which of a token's wallets are read: every EVM wallet
// on the chain or the bare namespace, and walletAddress, any one holding.
func TestWallets(t *testing.T) {
	w := newWorld(t)
	p := newProxy(t, w.anvil.URL())
	oc := newClient(t, p.URL)
	req := oc.ERC20(chainID, w.erc20, "10")

	tests := []struct {
		name   string
		claims tokengate.Claims
		want   error // nil, or ErrForbidden
	}{
		{"walletAddress, chain CAIP-2", tokengate.Claims{WalletAddress: w.holder, Chain: chainID}, nil},
		{"walletAddress, no chain", tokengate.Claims{WalletAddress: w.holder}, nil},
		{"walletAddress, namespace", tokengate.Claims{WalletAddress: w.holder, Chain: "eip155"}, nil},
		{"walletAddress, chain number", tokengate.Claims{WalletAddress: w.holder, Chain: "31337"}, nil},
		{"walletAddress, upper case", tokengate.Claims{WalletAddress: "0x" + strings.ToUpper(w.holder[2:])}, nil},
		{"walletAddress on another chain", tokengate.Claims{WalletAddress: w.holder, Chain: "ethereum"}, tokengate.ErrForbidden},
		{"walletAddress not EVM", tokengate.Claims{WalletAddress: "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV", Chain: "solana"}, tokengate.ErrForbidden},
		{"no wallet", tokengate.Claims{Subject: "x"}, tokengate.ErrForbidden},
		{"Wallets, holder second", tokengate.Claims{Wallets: []tokengate.WalletAccount{
			{Chain: chainID, Address: w.near}, {Chain: "eip155", Address: w.holder}}}, nil},
		{"Wallets, holder on another chain", tokengate.Claims{Wallets: []tokengate.WalletAccount{
			{Chain: "eip155:1", Address: w.holder}, {Chain: chainID, Address: w.near}}}, tokengate.ErrForbidden},
		{"Wallets, holder on solana", tokengate.Claims{Wallets: []tokengate.WalletAccount{
			{Chain: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", Address: w.holder}}}, tokengate.ErrForbidden},
		{"Wallets and walletAddress", tokengate.Claims{WalletAddress: w.holder, Chain: chainID,
			Wallets: []tokengate.WalletAccount{{Chain: chainID, Address: w.near}}}, nil},
		{"zero address", tokengate.Claims{WalletAddress: "0x0000000000000000000000000000000000000000"}, tokengate.ErrForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := req.Check(context.Background(), &tt.claims)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Check: got %v, want %v", err, tt.want)
			}
			if err != nil && errors.Is(err, tokengate.ErrUnavailable) {
				t.Fatalf("Check: got %v, a 503", err)
			}
		})
	}
}

// TestWalletsOneBatch checks that a token's several wallets are read in one
// JSON-RPC batch (one HTTP request), with eth_chainId and decimals, and
// that the same wallet twice (in two cases) is read once.
func TestWalletsOneBatch(t *testing.T) {
	w := newWorld(t)
	p := newProxy(t, w.anvil.URL())
	oc := newClient(t, p.URL)
	c := &tokengate.Claims{WalletAddress: strings.ToUpper("0x" + w.spare[2:]), Chain: chainID, Wallets: []tokengate.WalletAccount{
		{Chain: chainID, Address: w.near},
		{Chain: "eip155", Address: w.other},
		{Chain: chainID, Address: w.holder},
		{Chain: "eip155", Address: w.spare},
	}}
	if err := oc.ERC20(chainID, w.erc20, "10").Check(context.Background(), c); err != nil {
		t.Fatalf("Check: %v", err)
	}
	if got := p.count(); got != 1 {
		t.Fatalf("HTTP requests: got %d, want 1", got)
	}
	body := p.lastBody()
	for name, want := range map[string]int{`"eth_chainId"`: 1, `"eth_call"`: 5, `"data":"0x313ce567"`: 1, `"data":"0x70a08231`: 4} {
		if got := strings.Count(body, name); got != want {
			t.Errorf("%s in the batch: got %d, want %d", name, got, want)
		}
	}
	if !strings.HasPrefix(body, "[") {
		t.Errorf("body is not a batch: %.80s", body)
	}
}

// TestManyWallets: a token with more wallets than one batch holds is read
// in batches of at most 100 calls.
func TestManyWallets(t *testing.T) {
	node := newFakeNode(t, nil)
	node.broken.Store(false)
	oc := newClient(t, node.URL)
	c := &tokengate.Claims{}
	for i := range 150 {
		c.Wallets = append(c.Wallets, tokengate.WalletAccount{Chain: "eip155", Address: fmt.Sprintf("0x%040x", 0x1000+i)})
	}
	c.Wallets = append(c.Wallets, tokengate.WalletAccount{Chain: chainID, Address: fakeHolder})
	// The fake node gives every wallet 10 tokens; ask for 10.
	if err := oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "10").Check(context.Background(), c); err != nil {
		t.Fatalf("Check: %v", err)
	}
	// 151 balanceOf + decimals = 152 calls: 2 batches.
	if got := node.requests.Load(); got != 2 {
		t.Fatalf("HTTP requests: got %d, want 2", got)
	}
}
