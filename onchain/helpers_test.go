package onchain_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/onchain"
	"github.com/tokengate/tokengate/onchain/onchaintest"
	"github.com/tokengate/tokengate/tokengatetest"
)

const chainID = onchaintest.AnvilChain

// world is an anvil with the three test contracts deployed and tokens
// minted:
//
//	ERC-20 (6 decimals): holder 10.000000, near 9.999999, other none
//	ERC-721: id 1 → holder, id 2 → other, id 3 does not exist
//	ERC-1155: id 7 → holder 5 units, near 4 units
type world struct {
	anvil                  *onchaintest.Anvil
	node                   onchaintest.Node
	deployer               string
	holder, near, other    string
	spare                  string // holds nothing
	erc20, erc721, erc1155 string
}

func newWorld(t testing.TB) *world {
	t.Helper()
	a := onchaintest.StartAnvil(t)
	w := &world{anvil: a, node: a.Node()}
	w.deploy(t)
	return w
}

// deploy deploys and mints; after a restart of anvil it gives the same
// addresses.
func (w *world) deploy(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	acc, err := w.node.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.deployer, w.holder, w.near, w.other, w.spare = acc[0], acc[1], acc[2], acc[3], acc[4]
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	w.erc20, err = w.node.DeployERC20(ctx, w.deployer, 6)
	must(err)
	w.erc721, err = w.node.DeployERC721(ctx, w.deployer)
	must(err)
	w.erc1155, err = w.node.DeployERC1155(ctx, w.deployer)
	must(err)
	must(w.node.Send(ctx, w.deployer, w.erc20, "mint(address,uint256)", w.holder, 10_000000))
	must(w.node.Send(ctx, w.deployer, w.erc20, "mint(address,uint256)", w.near, 9_999999))
	must(w.node.Send(ctx, w.deployer, w.erc721, "mint(address,uint256)", w.holder, 1))
	must(w.node.Send(ctx, w.deployer, w.erc721, "mint(address,uint256)", w.other, 2))
	must(w.node.Send(ctx, w.deployer, w.erc1155, "mint(address,uint256,uint256)", w.holder, 7, 5))
	must(w.node.Send(ctx, w.deployer, w.erc1155, "mint(address,uint256,uint256)", w.near, 7, 4))
}

// mode is what a proxy does with a request.
type mode int32

const (
	pass    mode = iota // to the node
	refuse              // closes the connection
	garbage             // 200 with a body that is not JSON
	rpcErr              // 200 with a JSON-RPC error
	status              // 502
	hang                // answers nothing until the client gives up
)

// proxy stands in front of a node, counting the requests and doing what
// its mode says.
type proxy struct {
	*httptest.Server
	mode     atomic.Int32
	requests atomic.Int64
	mu       sync.Mutex
	bodies   []string
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &proxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		p.mu.Lock()
		p.bodies = append(p.bodies, string(body))
		p.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		switch mode(p.mode.Load()) {
		case pass:
			rp.ServeHTTP(w, r)
		case refuse:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		case garbage:
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
		case rpcErr:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"rate limited"}}`)
		case status:
			http.Error(w, "bad gateway", http.StatusBadGateway)
		case hang:
			<-r.Context().Done()
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) set(m mode) { p.mode.Store(int32(m)) }

func (p *proxy) count() int64 { return p.requests.Load() }

// lastBody is the body of the last request.
func (p *proxy) lastBody() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.bodies) == 0 {
		return ""
	}
	return p.bodies[len(p.bodies)-1]
}

// newClient is an onchain.Client for chainID at url, closed at the end.
func newClient(t testing.TB, url string, opts ...onchain.Option) *onchain.Client {
	t.Helper()
	c, err := onchain.New(append([]onchain.Option{onchain.RPC(chainID, url)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// gate serves GET /gated behind tokengate and reqs, answering "ok".
type gate struct {
	issuer *tokengatetest.Issuer
	m      *tokengate.Middleware
	srv    *httptest.Server
}

func newGate(t testing.TB, reqs ...tokengate.Requirement) *gate {
	t.Helper()
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	srv := httptest.NewServer(m.Handler(m.Require(reqs...)(ok)))
	t.Cleanup(srv.Close)
	return &gate{issuer: iss, m: m, srv: srv}
}

// token mints a token for wallet on chainID.
func (g *gate) token(wallet string) string {
	return g.issuer.Token(tokengate.Claims{Subject: "user", WalletAddress: wallet, Chain: chainID})
}

// get sends GET /gated with tok and returns the answer, body read.
func (g *gate) get(t testing.TB, tok string) (*http.Response, string) {
	t.Helper()
	return get(t, g.srv.URL+"/gated", tok)
}

func get(t testing.TB, url, tok string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// freeURL is an http URL where nothing listens.
func freeURL(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}
