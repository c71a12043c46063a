// Command dpop is a runnable example of DPoP-bound tokens (RFC 9449) with
// tokengate: an API that accepts only tokens bound to a key the client
// proves it holds, with a fresh proof on every request and server nonces.
//
//	go run ./examples/dpop
//
// It starts an embedded test issuer (tokengatetest), an API on a free
// loopback port behind tokengate.WithDPoP(DPoPRequired, DPoPNonces(...)),
// and plays the client: curl cannot sign proofs, so the program sends the
// requests itself and prints each answer:
//
//  1. a proof without the server's nonce: 401 use_dpop_nonce and a DPoP-Nonce
//  2. the retry with that nonce: 200 and the token's claims
//  3. the same request replayed byte for byte: 401 invalid_dpop_proof
//  4. the token stolen and used with the thief's own key: 401 invalid_token
//  5. the token sent as a Bearer token: 401 invalid_token
//
// Flags:
//
//	-addr  address the API listens on; default 127.0.0.1:0 (a free port)
//
// It exits with status 2 on a bad flag and 1 when a step does not get the
// answer it should. Tokens and proofs are never printed or logged.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run parses args, runs the demo and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dpop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "address the API listens on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := demo(*addr, stdout); err != nil {
		fmt.Fprintln(stderr, "dpop:", err)
		return 1
	}
	return 0
}

// demo serves the API on addr and sends it the five requests.
func demo(addr string, out io.Writer) error {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	secret := []byte("example nonce secret: share it between instances")
	m, err := tokengate.New(
		tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())),
		tokengate.WithDPoP(tokengate.DPoPRequired,
			tokengate.DPoPAlgorithms(jwa.ES256, jwa.EdDSA),
			tokengate.DPoPNonces(secret, 5*time.Minute)),
	)
	if err != nil {
		return err
	}
	defer m.Close()
	mux := http.NewServeMux()
	mux.Handle("GET /api/me", m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tokengate.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "hello %s on %s", c.WalletAddress, c.Chain)
	})))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	url := "http://" + l.Addr().String() + "/api/me"
	fmt.Fprintln(out, "API on", url)

	key := tokengatetest.NewDPoPKey(jwa.ES256) // the client's key; the issuer binds the token to it
	tok := issuer.Token(tokengate.Claims{WalletAddress: "0x71C7656EC7ab88b098defB751B7401B5f6d8976F", Chain: "ethereum"},
		tokengatetest.BoundTo(key))
	send := func(step string, h http.Header, want int) (*http.Response, error) {
		req, err := http.NewRequest(http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header = h
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Fprintf(out, "%s: %d %s\n", step, resp.StatusCode, strings.TrimSpace(string(body)))
		if www := resp.Header.Get("WWW-Authenticate"); www != "" {
			fmt.Fprintf(out, "    WWW-Authenticate: %s\n", www)
		}
		if resp.StatusCode != want {
			return nil, fmt.Errorf("%s: got %d, want %d", step, resp.StatusCode, want)
		}
		return resp, nil
	}
	dpop := func(k *tokengatetest.DPoPKey, opts ...tokengatetest.ProofOption) http.Header {
		return http.Header{"Authorization": {"DPoP " + tok}, "Dpop": {k.Proof("GET", url, tok, opts...)}}
	}

	resp, err := send("1. no nonce yet", dpop(key), http.StatusUnauthorized)
	if err != nil {
		return err
	}
	nonce := resp.Header.Get("DPoP-Nonce")
	if nonce == "" {
		return errors.New("1. no DPoP-Nonce header")
	}
	fmt.Fprintln(out, "    DPoP-Nonce: (a fresh nonce)")
	ok := dpop(key, tokengatetest.ProofNonce(nonce))
	if _, err := send("2. retry with the nonce", ok, http.StatusOK); err != nil {
		return err
	}
	if _, err := send("3. the same request replayed", ok, http.StatusUnauthorized); err != nil {
		return err
	}
	thief := tokengatetest.NewDPoPKey(jwa.ES256)
	if _, err := send("4. the token with a thief's key", dpop(thief, tokengatetest.ProofNonce(nonce)), http.StatusUnauthorized); err != nil {
		return err
	}
	_, err = send("5. the token as Bearer", http.Header{"Authorization": {"Bearer " + tok}}, http.StatusUnauthorized)
	return err
}
