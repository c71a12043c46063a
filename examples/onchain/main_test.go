package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokengate/tokengate/onchain/onchaintest"
)

func get(t *testing.T, url, tok string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestDemo: against anvil, the holder gets 200, the other wallet 403, and
// after the printed sale (MaxAge 0 here) the holder 403 too.
func TestDemo(t *testing.T) {
	a := onchaintest.StartAnvil(t)
	d, err := newDemo(t.Context(), a.URL(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	srv := httptest.NewServer(d.handler)
	defer srv.Close()
	url := srv.URL + "/api/holders"

	if got := get(t, url, d.holderToken); got != http.StatusOK {
		t.Fatalf("holder: got %d, want 200", got)
	}
	if got := get(t, url, d.otherToken); got != http.StatusForbidden {
		t.Fatalf("other: got %d, want 403", got)
	}
	// The sale, as the printed curl line sends it.
	resp, err := http.Post(a.URL(), "application/json", strings.NewReader(d.sellBody()))
	if err != nil {
		t.Fatal(err)
	}
	var sent struct{ Result string }
	if err := json.NewDecoder(resp.Body).Decode(&sent); err != nil || sent.Result == "" {
		t.Fatalf("sale: %v %+v", err, sent)
	}
	_ = resp.Body.Close()
	// anvil answers with the hash before the block is mined: wait for it.
	node := a.Node()
	for {
		r, err := node.Call(t.Context(), "eth_getTransactionReceipt", sent.Result)
		if err != nil {
			t.Fatal(err)
		}
		if string(r) != "null" {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := get(t, url, d.holderToken); got != http.StatusForbidden {
		t.Fatalf("holder after selling: got %d, want 403", got)
	}
	if got := get(t, url, d.otherToken); got != http.StatusOK {
		t.Fatalf("other after buying: got %d, want 200", got)
	}
}

// TestRun: the program starts on a free port, prints curl lines that work,
// and stops when its context ends.
func TestRun(t *testing.T) {
	a := onchaintest.StartAnvil(t)
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-rpc", a.URL(), "-addr", "127.0.0.1:0", "-max-age", "1m"}, pw, &stderr)
		_ = pw.Close()
	}()
	curl := regexp.MustCompile(`^curl -i -H 'Authorization: Bearer ([^']+)' (\S+)$`)
	var lines [][]string
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for sc.Scan() {
		if m := curl.FindStringSubmatch(sc.Text()); m != nil {
			lines = append(lines, m)
		}
		if strings.HasPrefix(sc.Text(), "curl -s") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	if len(lines) != 2 {
		cancel()
		t.Fatalf("curl lines: got %d, want 2; stderr: %s", len(lines), stderr.String())
	}
	for i, want := range []int{http.StatusOK, http.StatusForbidden} {
		if got := get(t, lines[i][2], lines[i][1]); got != want {
			t.Errorf("curl line %d: got %d, want %d", i, got, want)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit status %d; stderr: %s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
}

// TestRunErrors: a bad flag exits 2, a node that is not there 1.
func TestRunErrors(t *testing.T) {
	var out bytes.Buffer
	if got := run(t.Context(), []string{"-nope"}, &out, &out); got != 2 {
		t.Errorf("bad flag: got %d, want 2", got)
	}
	if got := run(t.Context(), []string{"-rpc", "http://127.0.0.1:1"}, &out, &out); got != 1 {
		t.Errorf("no node: got %d, want 1", got)
	}
}
