package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestDemo runs the program: every step gets the answer it should, and
// neither the token nor a proof is printed.
func TestDemo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errOut.String(), out.String())
	}
	for _, want := range []string{
		`1. no nonce yet: 401 {"error":"use_dpop_nonce"`,
		`2. retry with the nonce: 200 hello 0x71C7656EC7ab88b098defB751B7401B5f6d8976F on ethereum`,
		`3. the same request replayed: 401 {"error":"invalid_dpop_proof"`,
		`4. the token with a thief's key: 401 {"error":"invalid_token"`,
		`WWW-Authenticate: DPoP realm="api", error="invalid_token", algs="ES256 EdDSA"`,
		`5. the token as Bearer: 401 {"error":"invalid_token"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "eyJ") {
		t.Errorf("a token or proof was printed:\n%s", out.String())
	}
	if code := run([]string{"-nope"}, &out, &errOut); code != 2 {
		t.Errorf("bad flag: exit %d, want 2", code)
	}
}
