package onchain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/onchain"
)

// rpcCall is one call of a batch that a fake node received.
type rpcCall struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

// data is the "data" of an eth_call.
func (c rpcCall) data() string {
	if len(c.Params) == 0 {
		return ""
	}
	var p struct{ Data string }
	_ = json.Unmarshal(c.Params[0], &p)
	return p.Data
}

const (
	fakeHolder = "0x00000000000000000000000000000000000000aa"
	fakeChain  = "0x7a69" // 31337
)

// goodAnswer is a correct answer of a node where fakeHolder holds 10
// tokens of 6 decimals, token id 1 and 5 units of every ERC-1155 id.
func goodAnswer(c rpcCall) map[string]any {
	m := map[string]any{"jsonrpc": "2.0", "id": c.ID}
	d := c.data()
	switch {
	case c.Method == "eth_chainId":
		m["result"] = fakeChain
	case strings.HasPrefix(d, "0x313ce567"):
		m["result"] = fmt.Sprintf("0x%064x", 6)
	case strings.HasPrefix(d, "0x70a08231"):
		m["result"] = fmt.Sprintf("0x%064x", 10_000000)
	case strings.HasPrefix(d, "0x6352211e"):
		m["result"] = "0x" + strings.Repeat("0", 24) + fakeHolder[2:]
	default:
		m["result"] = fmt.Sprintf("0x%064x", 5)
	}
	return m
}

// fakeNode answers JSON-RPC batches: with bad(calls) while broken is set
// (it writes the whole answer), else correctly.
type fakeNode struct {
	*httptest.Server
	broken   atomic.Bool
	requests atomic.Int64
}

func newFakeNode(t testing.TB, bad func(w http.ResponseWriter, r *http.Request, calls []rpcCall)) *fakeNode {
	t.Helper()
	f := &fakeNode{}
	f.broken.Store(true)
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		var calls []rpcCall
		if err := json.NewDecoder(r.Body).Decode(&calls); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if f.broken.Load() {
			bad(w, r, calls)
			return
		}
		out := make([]any, len(calls))
		for i, c := range calls {
			out[i] = goodAnswer(c)
		}
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(f.Close)
	return f
}

// answerWith answers each call with goodAnswer changed by edit.
func answerWith(edit func(c rpcCall, m map[string]any)) func(http.ResponseWriter, *http.Request, []rpcCall) {
	return func(w http.ResponseWriter, _ *http.Request, calls []rpcCall) {
		out := make([]any, len(calls))
		for i, c := range calls {
			m := goodAnswer(c)
			edit(c, m)
			out[i] = m
		}
		_ = json.NewEncoder(w).Encode(out)
	}
}

func writeRaw(body string) func(http.ResponseWriter, *http.Request, []rpcCall) {
	return func(w http.ResponseWriter, _ *http.Request, _ []rpcCall) { _, _ = io.WriteString(w, body) }
}

// onCalls edits the answer of the calls whose data starts with prefix.
func onCalls(prefix string, edit func(m map[string]any)) func(http.ResponseWriter, *http.Request, []rpcCall) {
	return answerWith(func(c rpcCall, m map[string]any) {
		if c.Method == "eth_call" && strings.HasPrefix(c.data(), prefix) {
			edit(m)
		}
	})
}

// editJSON answers each call correctly, but passes the JSON text of the
// answers to the calls that match (eth_chainId, or an eth_call whose data
// starts with the selector) through edit. The text is encoding/json's, of
// a map: {"id":…,"jsonrpc":"2.0","result":…}.
func editJSON(match string, edit func(js string) string) func(http.ResponseWriter, *http.Request, []rpcCall) {
	return func(w http.ResponseWriter, _ *http.Request, calls []rpcCall) {
		out := make([]string, len(calls))
		for i, c := range calls {
			b, _ := json.Marshal(goodAnswer(c))
			out[i] = string(b)
			if c.Method == match || (c.Method == "eth_call" && strings.HasPrefix(c.data(), match)) {
				out[i] = edit(out[i])
			}
		}
		_, _ = io.WriteString(w, "["+strings.Join(out, ",")+"]")
	}
}

func setResult(v any) func(map[string]any) { return func(m map[string]any) { m["result"] = v } }

func setError(code int, msg string) func(map[string]any) {
	return func(m map[string]any) {
		delete(m, "result")
		m["error"] = map[string]any{"code": code, "message": msg}
	}
}

// TestNodeFailures: whatever goes wrong with the node, the requirement
// answers 503 with Retry-After (never 200, never 403), and 200 again as
// soon as the node answers correctly.
func TestNodeFailures(t *testing.T) {
	const (
		balanceOf = "0x70a08231"
		ownerOf   = "0x6352211e"
		decimals  = "0x313ce567"
	)
	tests := []struct {
		name   string
		erc721 bool // the requirement is ERC721(id 1), else ERC20(10)
		bad    func(http.ResponseWriter, *http.Request, []rpcCall)
	}{
		{"status 502", false, func(w http.ResponseWriter, _ *http.Request, _ []rpcCall) {
			http.Error(w, "bad gateway", http.StatusBadGateway)
		}},
		{"status 429", false, func(w http.ResponseWriter, _ *http.Request, _ []rpcCall) {
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}},
		{"redirect", false, func(w http.ResponseWriter, r *http.Request, _ []rpcCall) {
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		}},
		{"garbage", false, writeRaw("<html>hello</html>")},
		{"empty body", false, writeRaw("")},
		{"truncated JSON", false, writeRaw(`[{"jsonrpc":"2.0","id":0,"result":"0x7a69"},`)},
		{"one JSON-RPC error for the batch", false, writeRaw(`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch not supported"}}`)},
		{"JSON-RPC error on eth_call", false, onCalls(balanceOf, setError(-32000, "header not found"))},
		{"revert on balanceOf", false, onCalls(balanceOf, setError(3, "execution reverted"))},
		{"revert on decimals", false, onCalls(decimals, setError(3, "execution reverted"))},
		{"JSON-RPC error on ownerOf", true, onCalls(ownerOf, setError(-32005, "limit exceeded"))},
		{"JSON-RPC error on eth_chainId", false, answerWith(func(c rpcCall, m map[string]any) {
			if c.Method == "eth_chainId" {
				setError(-32601, "method not found")(m)
			}
		})},
		{"another chain id", false, answerWith(func(c rpcCall, m map[string]any) {
			if c.Method == "eth_chainId" {
				m["result"] = "0x1"
			}
		})},
		{"chain id not a quantity", false, answerWith(func(c rpcCall, m map[string]any) {
			if c.Method == "eth_chainId" {
				m["result"] = 31337
			}
		})},
		{"result empty (no code at the address)", false, onCalls(balanceOf, setResult("0x"))},
		{"result one digit short", false, onCalls(balanceOf, setResult("0x"+strings.Repeat("0", 63)))},
		{"result two words", false, onCalls(balanceOf, setResult("0x"+strings.Repeat("0", 128)))},
		{"result not hex", false, onCalls(balanceOf, setResult("0x"+strings.Repeat("g", 64)))},
		{"result without 0x", false, onCalls(balanceOf, setResult(strings.Repeat("0", 66)))},
		{"result null", false, onCalls(balanceOf, setResult(nil))},
		{"result a number", false, onCalls(balanceOf, setResult(10))},
		{"decimals 78", false, onCalls(decimals, setResult(fmt.Sprintf("0x%064x", 78)))},
		{"decimals 256", false, onCalls(decimals, setResult(fmt.Sprintf("0x%064x", 256)))},
		{"owner word with high bytes", true, onCalls(ownerOf, setResult("0x"+strings.Repeat("0", 23)+"1"+fakeHolder[2:]))},
		{"result and error both", false, onCalls(balanceOf, func(m map[string]any) {
			m["error"] = map[string]any{"code": 1, "message": "x"}
		})},
		{"neither result nor error", false, onCalls(balanceOf, func(m map[string]any) { delete(m, "result") })},
		{"jsonrpc 1.0", false, onCalls(balanceOf, func(m map[string]any) { m["jsonrpc"] = "1.0" })},
		{"member names in upper case", false, editJSON("eth_chainId", strings.NewReplacer(`"id"`, `"ID"`, `"jsonrpc"`, `"JSONRPC"`, `"result"`, `"RESULT"`).Replace)},
		{"member name in another case", false, editJSON(balanceOf, strings.NewReplacer(`"result"`, `"Result"`).Replace)},
		{"result twice", false, editJSON(balanceOf, strings.NewReplacer(`"result":`, `"result":"0x`+strings.Repeat("0", 64)+`","result":`).Replace)},
		{"error twice", false, editJSON(balanceOf, strings.NewReplacer(`"result":`, `"error":{"code":-32000,"message":"x"},"error":null,"result":`).Replace)},
		{"id twice", false, editJSON(balanceOf, strings.NewReplacer(`"result":`, `"id":7,"result":`).Replace)},
		{"unknown member", false, editJSON(balanceOf, strings.NewReplacer(`{`, `{"extra":1,`).Replace)},
		{"unknown member in error", true, editJSON(ownerOf, strings.NewReplacer(`"result":"0x`+strings.Repeat("0", 24)+fakeHolder[2:]+`"`, `"error":{"code":3,"message":"execution reverted","data":"0x","x":1}`).Replace)},
		{"ids shifted", false, answerWith(func(c rpcCall, m map[string]any) {
			var id int
			_ = json.Unmarshal(c.ID, &id)
			m["id"] = id + 1
		})},
		{"ids repeated", false, answerWith(func(_ rpcCall, m map[string]any) { m["id"] = 0 })},
		{"id a string", false, answerWith(func(c rpcCall, m map[string]any) { m["id"] = string(c.ID) })},
		{"an answer missing", false, func(w http.ResponseWriter, _ *http.Request, calls []rpcCall) {
			out := []any{}
			for _, c := range calls[:len(calls)-1] {
				out = append(out, goodAnswer(c))
			}
			_ = json.NewEncoder(w).Encode(out)
		}},
		{"an answer too many", false, func(w http.ResponseWriter, _ *http.Request, calls []rpcCall) {
			out := []any{}
			for _, c := range calls {
				out = append(out, goodAnswer(c))
			}
			out = append(out, map[string]any{"jsonrpc": "2.0", "id": 99, "result": "0x"})
			_ = json.NewEncoder(w).Encode(out)
		}},
		{"answer over 1 MiB", false, func(w http.ResponseWriter, _ *http.Request, calls []rpcCall) {
			out := []any{}
			for _, c := range calls {
				m := goodAnswer(c)
				m["padding"] = strings.Repeat("x", 1<<20)
				out = append(out, m)
			}
			_ = json.NewEncoder(w).Encode(out)
		}},
		{"hanging", false, func(_ http.ResponseWriter, r *http.Request, _ []rpcCall) { <-r.Context().Done() }},
		{"headers over 64 KiB", false, func(w http.ResponseWriter, _ *http.Request, calls []rpcCall) {
			w.Header().Set("X-Padding", strings.Repeat("x", 65<<10))
			out := make([]any, len(calls))
			for i, c := range calls {
				out[i] = goodAnswer(c)
			}
			_ = json.NewEncoder(w).Encode(out)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, tt.bad)
			oc := newClient(t, node.URL, onchain.Timeout(200*time.Millisecond))
			req := oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "10")
			if tt.erc721 {
				req = oc.ERC721(chainID, "0x00000000000000000000000000000000000000c0", "1")
			}
			g := newGate(t, req)
			tok := g.token(fakeHolder)
			expect503(t, g, tok)
			expect503(t, g, tok) // the failure was not cached as an answer
			node.broken.Store(false)
			if resp, body := g.get(t, tok); resp.StatusCode != http.StatusOK {
				t.Fatalf("node fixed: got %d (%s), want 200", resp.StatusCode, body)
			}
		})
	}
}

func expect503(t *testing.T, g *gate, tok string) {
	t.Helper()
	resp, body := g.get(t, tok)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("got %d (%s), want 503", resp.StatusCode, body)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Fatalf("503 without Retry-After")
	}
}

// TestRedirectNotFollowed: a node that redirects is a failed read (503),
// with the Client's own HTTP client and with one given by HTTPClient, and
// the redirect's target never hears of the endpoint (its URL may hold an
// API key, which following would send there as the Referer).
func TestRedirectNotFollowed(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts []onchain.Option
	}{
		{"own client", nil},
		{"client given", []onchain.Option{onchain.HTTPClient(&http.Client{})}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var elsewhere atomic.Int64
			target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
			defer target.Close()
			node := newFakeNode(t, func(w http.ResponseWriter, r *http.Request, _ []rpcCall) {
				http.Redirect(w, r, target.URL+"/rpc", http.StatusTemporaryRedirect)
			})
			oc := newClient(t, node.URL+"/v3/SECRETKEY", tt.opts...)
			err := oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "1").Check(context.Background(), &tokengate.Claims{WalletAddress: fakeHolder})
			if !errors.Is(err, tokengate.ErrUnavailable) {
				t.Fatalf("Check: got %v, want ErrUnavailable", err)
			}
			if n := elsewhere.Load(); n != 0 {
				t.Fatalf("the redirect's target got %d requests, want 0", n)
			}
		})
	}
}

// panicky is a RoundTripper that panics while panics is set.
type panicky struct{ panics atomic.Bool }

func (p *panicky) RoundTrip(r *http.Request) (*http.Response, error) {
	if p.panics.Load() {
		panic("round trip")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestReadPanics: a read that panics (here in a RoundTripper given with
// HTTPClient) lets the panic go on, and leaves nothing in flight: the next
// request reads again, at once, rather than waiting on a read that never
// ends.
func TestReadPanics(t *testing.T) {
	node := newFakeNode(t, nil)
	node.broken.Store(false)
	rt := &panicky{}
	rt.panics.Store(true)
	oc := newClient(t, node.URL, onchain.HTTPClient(&http.Client{Transport: rt}))
	req := oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "1")
	claims := &tokengate.Claims{WalletAddress: fakeHolder}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the RoundTripper's panic did not reach the caller")
			}
		}()
		_ = req.Check(context.Background(), claims)
	}()
	if n := onchain.CacheLen(oc); n != 0 {
		t.Fatalf("after the panic: %d reads cached or in flight, want 0", n)
	}
	rt.panics.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := req.Check(ctx, claims); err != nil {
		t.Fatalf("Check after the panic: %v", err)
	}
}

// TestNodeDown: nothing listens at the endpoint.
func TestNodeDown(t *testing.T) {
	oc := newClient(t, freeURL(t))
	g := newGate(t, oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "1"))
	expect503(t, g, g.token(fakeHolder))
}

// TestRecoveryAnvil: a real anvil behind a proxy that fails in several ways,
// then passes again; and anvil itself stopped and started again.
func TestRecoveryAnvil(t *testing.T) {
	w := newWorld(t)
	p := newProxy(t, w.anvil.URL())
	oc := newClient(t, p.URL, onchain.MaxAge(0), onchain.Timeout(300*time.Millisecond))
	g := newGate(t, oc.ERC20(chainID, w.erc20, "10"), oc.ERC721(chainID, w.erc721, "1"))
	tok := g.token(w.holder)
	ok := func(when string) {
		t.Helper()
		if resp, body := g.get(t, tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: got %d (%s), want 200", when, resp.StatusCode, body)
		}
	}
	ok("at first")
	for _, m := range []struct {
		name string
		mode mode
	}{{"refuse", refuse}, {"garbage", garbage}, {"rpcErr", rpcErr}, {"status", status}, {"hang", hang}} {
		t.Run(m.name, func(t *testing.T) {
			p.set(m.mode)
			expect503(t, g, tok)
			p.set(pass)
			ok("proxy passing again")
		})
	}
	t.Run("anvil restarted", func(t *testing.T) {
		w.anvil.Stop()
		expect503(t, g, tok)
		w.anvil.Start()
		w.deploy(t) // a new chain: the same contracts at the same addresses
		ok("anvil back")
	})
}

// TestOtherChain: a real node on chain 31337 configured as chain 1 is not
// believed.
func TestOtherChain(t *testing.T) {
	w := newWorld(t)
	oc, err := onchain.New(onchain.RPC("eip155:1", w.anvil.URL()))
	if err != nil {
		t.Fatal(err)
	}
	defer oc.Close()
	g := newGate(t, oc.ERC20("eip155:1", w.erc20, "1"))
	tok := g.issuer.Token(tokengate.Claims{WalletAddress: w.holder, Chain: "eip155:1"})
	expect503(t, g, tok)
}

// TestClosed: after Close, requirements answer 503, even for reads that
// were cached.
func TestClosed(t *testing.T) {
	node := newFakeNode(t, nil)
	node.broken.Store(false)
	oc := newClient(t, node.URL)
	req := oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "1")
	claims := &tokengate.Claims{WalletAddress: fakeHolder}
	if err := req.Check(context.Background(), claims); err != nil {
		t.Fatalf("Check before Close: %v", err)
	}
	_ = oc.Close()
	err := req.Check(context.Background(), claims)
	if !errors.Is(err, tokengate.ErrUnavailable) {
		t.Fatalf("Check after Close: got %v, want ErrUnavailable", err)
	}
	if n := onchain.CacheLen(oc); n != 0 {
		t.Fatalf("cache after Close: %d reads, want 0", n)
	}
}

// TestLogNoSecrets: a failed read is logged at Warn with the endpoint's
// scheme and host, never the URL's path (an API key) nor a wallet; the
// error says no more.
func TestLogNoSecrets(t *testing.T) {
	node := newFakeNode(t, writeRaw("garbage"))
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	oc := newClient(t, node.URL+"/v3/SECRETKEY?key=SECRET2", onchain.Logger(log))
	err := oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "1").Check(context.Background(), &tokengate.Claims{WalletAddress: fakeHolder})
	if !errors.Is(err, tokengate.ErrUnavailable) {
		t.Fatalf("Check: got %v, want ErrUnavailable", err)
	}
	out := buf.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, node.URL) {
		t.Errorf("log: got %q, want a Warn naming %s", out, node.URL)
	}
	for _, s := range []string{out, err.Error()} {
		for _, secret := range []string{"SECRET", fakeHolder[2:]} {
			if strings.Contains(s, secret) {
				t.Errorf("%q holds %q", s, secret)
			}
		}
	}
	if !strings.HasPrefix(err.Error(), "tokengate: ") {
		t.Errorf("error %q lacks the tokengate: prefix", err)
	}
}

// TestOwnerOfErrors: only a revert answers ownerOf with "not held" (403):
// code 3 (geth, anvil: "execution reverted", with or without data), or
// -32000 with a message starting "execution reverted" (older geth). Any
// other JSON-RPC error is the node failing (503), whatever its message.
func TestOwnerOfErrors(t *testing.T) {
	const ownerOf = "0x6352211e"
	tests := []struct {
		code int
		msg  string
		want int
	}{
		{3, "execution reverted", http.StatusForbidden},
		{3, "execution reverted: ERC721: nonexistent token", http.StatusForbidden},
		{3, "", http.StatusForbidden},
		{-32000, "execution reverted", http.StatusForbidden},
		{-32000, "execution reverted: nope", http.StatusForbidden},
		{-32603, "upstream: execution reverted (timeout)", http.StatusServiceUnavailable},
		{-32603, "execution reverted", http.StatusServiceUnavailable},
		{-32000, "upstream: execution reverted", http.StatusServiceUnavailable},
		{-32000, "Execution Reverted", http.StatusServiceUnavailable},
		{-32000, "header not found", http.StatusServiceUnavailable},
		{-32603, "EVM error InvalidFEOpcode", http.StatusServiceUnavailable},
		{-32005, "limit exceeded", http.StatusServiceUnavailable},
		{0, "execution reverted", http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.code, tt.msg), func(t *testing.T) {
			node := newFakeNode(t, onCalls(ownerOf, setError(tt.code, tt.msg)))
			oc := newClient(t, node.URL)
			err := oc.ERC721(chainID, "0x00000000000000000000000000000000000000c0", "1").Check(context.Background(), &tokengate.Claims{WalletAddress: fakeHolder})
			var unmet *tokengate.UnmetError
			switch {
			case tt.want == http.StatusForbidden && !errors.As(err, &unmet):
				t.Fatalf("got %v, want an UnmetError (403)", err)
			case tt.want == http.StatusServiceUnavailable && !errors.Is(err, tokengate.ErrUnavailable):
				t.Fatalf("got %v, want ErrUnavailable (503)", err)
			}
		})
	}
}

// TestTimeoutCoversBatches: Timeout bounds the whole read of a request, not
// each of its batches: 350 token ids (four batches) from a node that takes
// 0.6 × Timeout per batch fail with 503 within about Timeout, rather than
// passing after four round trips. The bound asserted is loose (2 × Timeout).
func TestTimeoutCoversBatches(t *testing.T) {
	const timeout = 500 * time.Millisecond
	good := answerWith(func(rpcCall, map[string]any) {})
	node := newFakeNode(t, func(w http.ResponseWriter, r *http.Request, calls []rpcCall) {
		select {
		case <-time.After(timeout * 6 / 10):
			good(w, r, calls)
		case <-r.Context().Done():
		}
	})
	oc := newClient(t, node.URL, onchain.Timeout(timeout))
	ids := make([]string, 350)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	req := oc.ERC721(chainID, "0x00000000000000000000000000000000000000c0", ids...)
	start := time.Now()
	err := req.Check(context.Background(), &tokengate.Claims{WalletAddress: fakeHolder})
	elapsed := time.Since(start)
	if !errors.Is(err, tokengate.ErrUnavailable) {
		t.Fatalf("Check: got %v after %v, want ErrUnavailable", err, elapsed)
	}
	if elapsed >= 2*timeout {
		t.Fatalf("Check took %v, want about Timeout (%v)", elapsed, timeout)
	}
	if n := node.requests.Load(); n > 2 {
		t.Fatalf("node asked %d times, want at most 2 (the deadline passes during the second batch)", n)
	}
}

// TestNoSlotLeak: every way a read can fail gives its in-flight slot back.
// With MaxInFlight(1), a slot kept by a failed read would make every later
// read wait for it and fail (503) even once the node answers again.
func TestNoSlotLeak(t *testing.T) {
	tests := []struct {
		name string
		bad  func(http.ResponseWriter, *http.Request, []rpcCall)
	}{
		{"connection closed", func(w http.ResponseWriter, _ *http.Request, _ []rpcCall) {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				_ = conn.Close()
			}
		}},
		{"body cut short", func(w http.ResponseWriter, _ *http.Request, _ []rpcCall) {
			w.Header().Set("Content-Length", "1000")
			_, _ = io.WriteString(w, `[{"jsonrpc":"2.0",`)
		}},
		{"status 500", func(w http.ResponseWriter, _ *http.Request, _ []rpcCall) {
			http.Error(w, "oops", http.StatusInternalServerError)
		}},
		{"answer over 1 MiB", writeRaw(`["` + strings.Repeat("x", 1<<20) + `"]`)},
		{"garbage", writeRaw("garbage")},
		{"JSON-RPC error", onCalls("0x70a08231", setError(-32000, "header not found"))},
		{"another chain", answerWith(func(c rpcCall, m map[string]any) {
			if c.Method == "eth_chainId" {
				m["result"] = "0x1"
			}
		})},
		{"hanging", func(_ http.ResponseWriter, r *http.Request, _ []rpcCall) { <-r.Context().Done() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t, tt.bad)
			oc := newClient(t, node.URL, onchain.MaxInFlight(1), onchain.Timeout(200*time.Millisecond))
			req := oc.ERC20(chainID, "0x00000000000000000000000000000000000000c0", "10")
			claims := &tokengate.Claims{WalletAddress: fakeHolder}
			for i := range 3 {
				if err := req.Check(context.Background(), claims); !errors.Is(err, tokengate.ErrUnavailable) {
					t.Fatalf("Check %d, node failing: got %v, want ErrUnavailable", i, err)
				}
			}
			node.broken.Store(false)
			if err := req.Check(context.Background(), claims); err != nil {
				t.Fatalf("Check, node fixed: got %v, want nil (a slot was not given back?)", err)
			}
			if n := node.requests.Load(); n != 4 {
				t.Fatalf("node asked %d times, want 4", n)
			}
		})
	}
}

// TestCacheFullFailsFast: with the cache full of reads in flight (a node
// that has not answered yet), a Check that needs another read answers 503
// at once instead of growing the cache; once the reads finish, it passes.
func TestCacheFullFailsFast(t *testing.T) {
	release := make(chan struct{})
	good := answerWith(func(rpcCall, map[string]any) {})
	node := newFakeNode(t, func(w http.ResponseWriter, r *http.Request, calls []rpcCall) {
		select {
		case <-release:
			good(w, r, calls)
		case <-r.Context().Done():
		}
	})
	oc := newClient(t, node.URL, onchain.CacheSize(1))
	contract := "0x00000000000000000000000000000000000000c0"
	claims := &tokengate.Claims{WalletAddress: fakeHolder}
	first := make(chan error, 1)
	go func() { first <- oc.ERC721(chainID, contract, "1").Check(context.Background(), claims) }()
	for node.requests.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	err := oc.ERC721(chainID, contract, "2").Check(context.Background(), claims)
	if !errors.Is(err, tokengate.ErrUnavailable) || !strings.Contains(err.Error(), "cache full") {
		t.Fatalf("Check with the cache full of reads in flight: got %v, want ErrUnavailable (cache full)", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Check took %v, want it to fail at once", d)
	}
	close(release)
	node.broken.Store(false)
	if err := <-first; err != nil {
		t.Fatalf("first Check: %v", err)
	}
	if err := oc.ERC721(chainID, contract, "2").Check(context.Background(), claims); err != nil {
		t.Fatalf("Check once the read finished: %v", err)
	}
}
