package onchaintest

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// AnvilChain is the CAIP-2 id of anvil's default chain (31337).
const AnvilChain = "eip155:31337"

// AnvilPath returns the anvil binary to run: $TOKENGATE_ANVIL when set,
// else node_modules/.bin/anvil in the cache folder
// ${XDG_CACHE_HOME:-$HOME/.cache}/tokengate/anvil (where .ci/run installs
// the npm package @foundry-rs/anvil-linux-amd64), else anvil on PATH. It
// fails when none is there.
func AnvilPath() (string, error) {
	if p := os.Getenv("TOKENGATE_ANVIL"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", errors.New("tokengate: onchaintest: TOKENGATE_ANVIL names no file")
		}
		return p, nil
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache")
		}
	}
	if cache != "" {
		p := filepath.Join(cache, "tokengate", "anvil", "node_modules", ".bin", "anvil")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("anvil")
	if err != nil {
		return "", errors.New("tokengate: onchaintest: anvil not found (TOKENGATE_ANVIL, the tokengate cache folder, PATH)")
	}
	return p, nil
}

// Anvil is an anvil process of a test's own on 127.0.0.1.
type Anvil struct {
	tb   testing.TB
	bin  string
	port int
	args []string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartAnvil starts anvil (found by [AnvilPath]) on a free loopback port,
// with args added to its command line, waits until it answers, and stops it
// when tb's test ends. Without anvil it skips the test, with a message
// saying how to install it, unless the environment variable CI is set: then
// it fails the test. It fails the test when anvil does not answer within
// 30 seconds.
func StartAnvil(tb testing.TB, args ...string) *Anvil {
	tb.Helper()
	bin, err := AnvilPath()
	if err != nil {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%v; .ci/run installs it", err)
		}
		tb.Skipf("%v; to run this test: npm install --prefix \"${XDG_CACHE_HOME:-$HOME/.cache}/tokengate/anvil\" @foundry-rs/anvil-linux-amd64 (or set TOKENGATE_ANVIL)", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	a := &Anvil{tb: tb, bin: bin, port: port, args: args}
	a.Start()
	tb.Cleanup(a.Stop)
	return a
}

// URL is the node's JSON-RPC endpoint, http://127.0.0.1:PORT.
func (a *Anvil) URL() string { return "http://127.0.0.1:" + strconv.Itoa(a.port) }

// Node is a [Node] for the anvil.
func (a *Anvil) Node() Node { return Node{URL: a.URL()} }

// Start starts the node again on the same port after [Anvil.Stop], with a
// new chain: what was deployed before is gone (deploying the same
// contracts in the same order from the same account gives the same
// addresses). It does nothing when the node is running.
func (a *Anvil) Start() {
	a.tb.Helper()
	if a.cmd != nil {
		return
	}
	args := append([]string{"--host", "127.0.0.1", "--port", strconv.Itoa(a.port), "--silent"}, a.args...)
	cmd := exec.Command(a.bin, args...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		a.tb.Fatalf("tokengate: onchaintest: start anvil: %v", err)
	}
	a.cmd, a.done = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(a.done) }()

	n := a.Node()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := n.Call(ctx, "eth_chainId")
		cancel()
		if err == nil {
			return
		}
		select {
		case <-a.done:
			a.cmd = nil
			a.tb.Fatalf("tokengate: onchaintest: anvil exited at start (port %d taken?)", a.port)
		default:
		}
		if time.Now().After(deadline) {
			a.Stop()
			a.tb.Fatalf("tokengate: onchaintest: anvil on port %d did not answer: %v", a.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the node and waits for it to exit. It does nothing when the
// node is not running.
func (a *Anvil) Stop() {
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Kill()
	<-a.done
	a.cmd = nil
}
