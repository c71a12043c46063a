package onchain_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/onchain"
)

// TestNewErrors: New refuses bad configuration with an error naming it.
func TestNewErrors(t *testing.T) {
	const u = "http://127.0.0.1:8545"
	tests := []struct {
		name string
		opts []onchain.Option
		want string // in the error
	}{
		{"no RPC", nil, "no RPC endpoint"},
		{"nil option", []onchain.Option{onchain.RPC(chainID, u), nil}, "nil Option"},
		{"chain a name", []onchain.Option{onchain.RPC("ethereum", u)}, "not a CAIP-2"},
		{"chain a number", []onchain.Option{onchain.RPC("1", u)}, "not a CAIP-2"},
		{"chain solana", []onchain.Option{onchain.RPC("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", u)}, "not a CAIP-2"},
		{"chain id zero", []onchain.Option{onchain.RPC("eip155:0", u)}, "decimal number"},
		{"chain id leading zero", []onchain.Option{onchain.RPC("eip155:01", u)}, "decimal number"},
		{"chain id hex", []onchain.Option{onchain.RPC("eip155:0x1", u)}, "decimal number"},
		{"chain id too large", []onchain.Option{onchain.RPC("eip155:99999999999999999999", u)}, "decimal number"},
		{"URL empty", []onchain.Option{onchain.RPC(chainID, "")}, "scheme"},
		{"URL ws", []onchain.Option{onchain.RPC(chainID, "ws://127.0.0.1:8545")}, "http or https"},
		{"URL no host", []onchain.Option{onchain.RPC(chainID, "http:///x")}, "no host"},
		{"URL malformed", []onchain.Option{onchain.RPC(chainID, "http://[::1")}, "malformed"},
		{"chain twice", []onchain.Option{onchain.RPC(chainID, u), onchain.RPC(chainID, u)}, "two RPC endpoints"},
		{"MaxAge negative", []onchain.Option{onchain.RPC(chainID, u), onchain.MaxAge(-time.Second)}, "MaxAge"},
		{"Timeout zero", []onchain.Option{onchain.RPC(chainID, u), onchain.Timeout(0)}, "Timeout"},
		{"MaxInFlight zero", []onchain.Option{onchain.RPC(chainID, u), onchain.MaxInFlight(0)}, "MaxInFlight"},
		{"CacheSize zero", []onchain.Option{onchain.RPC(chainID, u), onchain.CacheSize(0)}, "CacheSize"},
		{"nil HTTPClient", []onchain.Option{onchain.RPC(chainID, u), onchain.HTTPClient(nil)}, "HTTPClient"},
		{"nil Logger", []onchain.Option{onchain.RPC(chainID, u), onchain.Logger(nil)}, "Logger"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := onchain.New(tt.opts...)
			if err == nil {
				_ = c.Close()
				t.Fatalf("New: got no error, want one with %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "tokengate: ") {
				t.Fatalf("New: got %q, want tokengate: … %q", err, tt.want)
			}
		})
	}
	c, err := onchain.New(onchain.RPC(chainID, u), onchain.RPC("eip155:1", "https://eth.example/v3/key"),
		onchain.MaxAge(0), onchain.Timeout(time.Second), onchain.MaxInFlight(1), onchain.CacheSize(1),
		onchain.HTTPClient(&http.Client{}))
	if err != nil {
		t.Fatalf("New with every option: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("Close again: %v", err)
	}
}

// TestValidate: requirements built with bad arguments report it through
// Validate, so tokengate refuses them when the route is built; good ones
// report nil, and all say they do I/O.
func TestValidate(t *testing.T) {
	oc := newClient(t, "http://127.0.0.1:8545")
	const token = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
	tests := []struct {
		name string
		req  tokengate.Requirement
		want string // "" valid, else in the error
	}{
		{"erc20", oc.ERC20(chainID, token, "100"), ""},
		{"erc20 decimal min", oc.ERC20(chainID, token, "0.000001"), ""},
		{"erc20 chain number", oc.ERC20("31337", token, "1"), ""},
		{"erc20 unknown chain", oc.ERC20("eip155:1", token, "1"), "no RPC for chain"},
		{"erc20 chain name without RPC", oc.ERC20("ethereum", token, "1"), "no RPC for chain"},
		{"erc20 namespace only", oc.ERC20("eip155", token, "1"), "chain"},
		{"erc20 empty chain", oc.ERC20("", token, "1"), "chain"},
		{"erc20 empty contract", oc.ERC20(chainID, "", "1"), "contract"},
		{"erc20 short contract", oc.ERC20(chainID, token[:41], "1"), "contract"},
		{"erc20 contract without 0x", oc.ERC20(chainID, token[2:]+"00", "1"), "contract"},
		{"erc20 contract not hex", oc.ERC20(chainID, "0x"+strings.Repeat("z", 40), "1"), "contract"},
		{"erc20 zero contract", oc.ERC20(chainID, "0x"+strings.Repeat("0", 40), "1"), "contract"},
		{"erc20 empty min", oc.ERC20(chainID, token, ""), "min"},
		{"erc20 negative min", oc.ERC20(chainID, token, "-1"), "min"},
		{"erc20 min with exponent", oc.ERC20(chainID, token, "1e3"), "min"},
		{"erc20 min fraction", oc.ERC20(chainID, token, "1/2"), "min"},
		{"erc20 min leading dot", oc.ERC20(chainID, token, ".5"), "min"},
		{"erc20 min trailing dot", oc.ERC20(chainID, token, "5."), "min"},
		{"erc20 min spaces", oc.ERC20(chainID, token, " 5"), "min"},
		{"erc20 min hex", oc.ERC20(chainID, token, "0x10"), "min"},
		{"erc721", oc.ERC721(chainID, token, "1", "115792089237316195423570985008687907853269984665640564039457584007913129639935"), ""},
		{"erc721 collection", oc.ERC721(chainID, token), ""},
		{"erc721 id too large", oc.ERC721(chainID, token, "115792089237316195423570985008687907853269984665640564039457584007913129639936"), "token id"},
		{"erc721 id negative", oc.ERC721(chainID, token, "-1"), "token id"},
		{"erc721 id empty", oc.ERC721(chainID, token, ""), "token id"},
		{"erc721 id hex", oc.ERC721(chainID, token, "0x1"), "token id"},
		{"erc721 unknown chain", oc.ERC721("eip155:5", token, "1"), "no RPC"},
		{"erc1155", oc.ERC1155(chainID, token, "7", "0"), ""},
		{"erc1155 decimal min", oc.ERC1155(chainID, token, "7", "1.5"), "min"},
		{"erc1155 bad id", oc.ERC1155(chainID, token, "x", "1"), "token id"},
		{"erc1155 bad contract", oc.ERC1155(chainID, "0x12", "7", "1"), "contract"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := tt.req.(interface{ Validate() error })
			if !ok {
				t.Fatal("no Validate method")
			}
			if io, ok := tt.req.(interface{ DoesIO() bool }); !ok || !io.DoesIO() {
				t.Fatal("DoesIO: want true")
			}
			err := v.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: got %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "tokengate: onchain: ") {
				t.Fatalf("Validate: got %v, want tokengate: onchain: … %q", err, tt.want)
			}
			// tokengate refuses it when the route is built.
			if _, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret([]byte(strings.Repeat("k", 32)))),
				tokengate.WithRequirements(tt.req)); err == nil {
				t.Fatal("tokengate.New with the requirement: got no error")
			}
			m, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret([]byte(strings.Repeat("k", 32)))))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			func() {
				defer func() {
					if recover() == nil {
						t.Error("Require inside AllOf: no panic")
					}
				}()
				m.Require(tokengate.AllOf(tokengate.Chain(chainID), tt.req))
			}()
			// Check, called without validating, never passes.
			if err := tt.req.Check(t.Context(), &tokengate.Claims{WalletAddress: token}); !errors.Is(err, tokengate.ErrForbidden) {
				t.Fatalf("Check: got %v, want ErrForbidden", err)
			}
		})
	}
}
