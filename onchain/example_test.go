package onchain_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/onchain"
)

// A route for holders of at least 100 tokens of an ERC-20 on Ethereum,
// read live; a holder who sells loses access within a minute.
func Example() {
	oc, err := onchain.New(
		onchain.RPC("eip155:1", "https://eth.example/v3/YOUR-KEY"),
		onchain.MaxAge(time.Minute),
	)
	if err != nil {
		panic(err)
	}
	defer oc.Close()
	m, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret([]byte("an HS256 secret of 32 bytes or more"))))
	if err != nil {
		panic(err)
	}
	defer m.Close()

	holders := m.Require(oc.ERC20("eip155:1", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "100"))
	mux := http.NewServeMux()
	mux.Handle("GET /members", m.Handler(holders(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "welcome")
	}))))
	fmt.Println("route built")
	// Output: route built
}

// New refuses configuration it cannot use.
func ExampleNew() {
	_, err := onchain.New(onchain.RPC("ethereum", "https://eth.example"))
	fmt.Println(err)
	_, err = onchain.New(onchain.RPC("eip155:1", "wss://eth.example"))
	fmt.Println(err)
	// Output:
	// tokengate: onchain: chain "ethereum" is not a CAIP-2 eip155 id such as "eip155:1"
	// tokengate: onchain: RPC for eip155:1: URL scheme must be http or https
}

// A requirement built with a mistake says so through Validate, which
// tokengate calls when the route is built.
func ExampleClient_ERC20() {
	oc, _ := onchain.New(onchain.RPC("eip155:1", "https://eth.example"))
	defer oc.Close()
	usdc := "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
	for _, r := range []tokengate.Requirement{
		oc.ERC20("eip155:1", usdc, "100.5"),
		oc.ERC20("ethereum", usdc, "0"), // chain names work where an RPC is set; "0" means > 0
		oc.ERC20("eip155:1", usdc, "1e6"),
		oc.ERC20("eip155:137", usdc, "1"),
	} {
		fmt.Println(r.(interface{ Validate() error }).Validate())
	}
	// Output:
	// <nil>
	// <nil>
	// tokengate: onchain: ERC20: min "1e6" is not a plain non-negative decimal such as "10" or "0.5"
	// tokengate: onchain: ERC20: no RPC for chain "eip155:137" (eip155:137): add onchain.RPC
}

// A token without an EVM wallet on the requirement's chain fails without a
// call to the node.
func ExampleClient_ERC721() {
	oc, _ := onchain.New(onchain.RPC("eip155:1", "https://eth.example"))
	defer oc.Close()
	anyPunk := oc.ERC721("eip155:1", "0xb47e3cd837dDF8e4c57F05d70Ab865de6e193BBB")
	err := anyPunk.Check(context.Background(), &tokengate.Claims{
		WalletAddress: "0x00000000000000000000000000000000000000aa",
		Chain:         "polygon",
	})
	fmt.Println(err, errors.Is(err, tokengate.ErrForbidden))
	// Output: tokengate: requirement not met: token id true
}

// ERC1155 takes a token id and a minimum in whole units.
func ExampleClient_ERC1155() {
	oc, _ := onchain.New(onchain.RPC("eip155:137", "https://polygon.example"))
	defer oc.Close()
	pass := oc.ERC1155("eip155:137", "0x2953399124F0cBB46d2CbACD8A89cF0599974963", "42", "1")
	fmt.Println(pass.(interface{ Validate() error }).Validate())
	// Output: <nil>
}
