// Command onchain is a runnable example of live token gating with package
// onchain: a route that only holders of at least 10 tokens of an ERC-20
// may use, checked on the chain at request time, so that a holder who sells
// loses access within MaxAge.
//
// It needs a local anvil node (npm package @foundry-rs/anvil-linux-amd64,
// or Foundry's own install):
//
//	anvil &                      # http://127.0.0.1:8545, chain 31337
//	go run ./examples/onchain
//
// At start it deploys the test ERC-20 of onchain/testdata (6 decimals) from
// anvil's first account, mints 100 tokens to the second (the holder) and
// none to the third, starts an embedded test issuer (tokengatetest) that
// mints a token for each of the two wallets, serves on
// http://127.0.0.1:8080 and prints curl lines: the holder's request (200),
// the other's (403), and a JSON-RPC call that sells the holder's tokens,
// after which the holder's request is refused once MaxAge has passed.
//
// Routes:
//
//	GET /healthz       public: 200 "ok"
//	GET /api/holders   ERC20("eip155:31337", token, "10"): 200 for a holder,
//	                   403 insufficient_scope for any other valid token, 503
//	                   with Retry-After when the node cannot answer
//
// Flags:
//
//	-rpc      the node's JSON-RPC URL; default http://127.0.0.1:8545. It must
//	          be a dev node on chain 31337 with unlocked accounts (anvil)
//	-addr     address to listen on; default 127.0.0.1:8080 (127.0.0.1:0
//	          picks a free port)
//	-max-age  how old a holding read may be when used; default 10s
//
// It exits with status 2 on a bad flag and 1 when the node cannot be used.
// Tokens are never logged; refused requests are logged to stderr with
// their cause only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/onchain"
	"github.com/tokengate/tokengate/onchain/onchaintest"
	"github.com/tokengate/tokengate/tokengatetest"
)

// chain is anvil's chain.
const chain = onchaintest.AnvilChain

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run parses args, sets up the demo and serves until ctx is done. It
// returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("onchain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rpc := fs.String("rpc", "http://127.0.0.1:8545", "the node's JSON-RPC URL (anvil, chain 31337)")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	maxAge := fs.Duration("max-age", 10*time.Second, "how old a holding read may be when used")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))

	d, err := newDemo(ctx, *rpc, *maxAge, log)
	if err != nil {
		fmt.Fprintf(stderr, "onchain: %v\n", err)
		return 1
	}
	defer d.Close()

	l, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "onchain: %v\n", err)
		return 1
	}
	srv := &http.Server{Handler: d.handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	d.printCurls(stdout, "http://"+l.Addr().String(), *rpc)
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "onchain: %v\n", err)
		return 1
	}
	return 0
}

// demo is the example's server and the facts its curl lines need.
type demo struct {
	handler       http.Handler
	holderToken   string
	otherToken    string
	holder, other string
	token         string // the ERC-20 contract
	issuer        *tokengatetest.Issuer
	m             *tokengate.Middleware
	oc            *onchain.Client
}

// newDemo deploys the test ERC-20 on the node at rpc, mints 100 tokens to
// the holder, and builds the gated handler; log may be nil.
func newDemo(ctx context.Context, rpc string, maxAge time.Duration, log *slog.Logger) (*demo, error) {
	node := onchaintest.Node{URL: rpc}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	accounts, err := node.Accounts(cctx)
	if err != nil {
		return nil, fmt.Errorf("node at %s: %w (is anvil running?)", rpc, err)
	}
	if len(accounts) < 3 {
		return nil, errors.New("the node has fewer than 3 unlocked accounts")
	}
	d := &demo{holder: accounts[1], other: accounts[2]}
	if d.token, err = node.DeployERC20(cctx, accounts[0], 6); err != nil {
		return nil, fmt.Errorf("deploy the ERC-20: %w", err)
	}
	hundred := new(big.Int).Mul(big.NewInt(100), big.NewInt(1_000_000)) // 100 tokens, 6 decimals
	if err := node.Send(cctx, accounts[0], d.token, "mint(address,uint256)", d.holder, hundred); err != nil {
		return nil, fmt.Errorf("mint: %w", err)
	}

	ocOpts := []onchain.Option{onchain.RPC(chain, rpc), onchain.MaxAge(maxAge)}
	var tgOpts []tokengate.Option
	if log != nil {
		ocOpts = append(ocOpts, onchain.Logger(log))
		tgOpts = append(tgOpts, tokengate.WithLogger(log))
	}
	d.oc, err = onchain.New(ocOpts...)
	if err != nil {
		return nil, err
	}
	d.issuer = tokengatetest.NewIssuer()
	d.m, err = tokengate.New(append(tgOpts, tokengate.WithIssuer(d.issuer.URL(), tokengate.JWKS(d.issuer.JWKSURL())))...)
	if err != nil {
		d.Close()
		return nil, err
	}
	d.holderToken = d.issuer.Token(tokengate.Claims{Subject: "holder", WalletAddress: d.holder, Chain: chain})
	d.otherToken = d.issuer.Token(tokengate.Claims{Subject: "other", WalletAddress: d.other, Chain: chain})

	holders := d.m.Require(d.oc.ERC20(chain, d.token, "10"))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	mux.Handle("GET /api/holders", d.m.Handler(holders(http.HandlerFunc(welcome))))
	d.handler = mux
	return d, nil
}

// Close stops the middleware, the on-chain client and the issuer.
func (d *demo) Close() {
	if d.m != nil {
		_ = d.m.Close()
	}
	if d.oc != nil {
		_ = d.oc.Close()
	}
	if d.issuer != nil {
		d.issuer.Close()
	}
}

// welcome answers a holder.
func welcome(w http.ResponseWriter, r *http.Request) {
	c, _ := tokengate.ClaimsFromContext(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]string{"welcome": c.WalletAddress})
}

// sellData is the calldata of transfer(to, 100 tokens).
func sellData(to string) string {
	return "0xa9059cbb" + strings.Repeat("0", 24) + strings.ToLower(strings.TrimPrefix(to, "0x")) +
		fmt.Sprintf("%064x", 100_000_000)
}

// sellBody is the JSON-RPC request that sells the holder's tokens to the
// other wallet (anvil signs it: its accounts are unlocked).
func (d *demo) sellBody() string {
	return fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"eth_sendTransaction","params":[{"from":"%s","to":"%s","data":"%s"}]}`,
		d.holder, d.token, sellData(d.other))
}

func (d *demo) printCurls(w io.Writer, base, rpc string) {
	fmt.Fprintf(w, "serving on %s (ERC-20 %s on %s)\n\n", base, d.token, chain)
	fmt.Fprintf(w, "# the holder (100 tokens) may: 200\ncurl -i -H 'Authorization: Bearer %s' %s/api/holders\n\n", d.holderToken, base)
	fmt.Fprintf(w, "# another wallet (no tokens) may not: 403\ncurl -i -H 'Authorization: Bearer %s' %s/api/holders\n\n", d.otherToken, base)
	fmt.Fprintf(w, "# the holder sells all 100 tokens; after -max-age the holder's request is 403 too\ncurl -s -H 'Content-Type: application/json' --data '%s' %s\n", d.sellBody(), rpc)
}
