// Command nethttp is a runnable example of tokengate with plain net/http: a
// public route and an API route that answers only requests with a valid
// Bearer token, echoing the token's verified claims.
//
// Run it with no flags to try it on your machine:
//
//	go run ./examples/nethttp
//
// It then starts an embedded test issuer (tokengatetest, ES256, with its own
// JWKS endpoint on a random local port), mints one Picket-style access token
// valid for an hour, serves on http://127.0.0.1:8080 and prints curl commands
// to paste into another terminal:
//
//	GET /healthz  public: 200 "ok"
//	GET /api/me   200 with the token's claims as JSON; 401 without a token
//
// Stop it with Ctrl-C; it shuts down gracefully.
//
// To check the tokens of a real provider instead, point it at the provider's
// keys. Then no issuer is embedded and no token is printed:
//
//	# Picket-style: ES256/RS256 access tokens, keys from a JWKS URL
//	go run ./examples/nethttp -jwks-url https://login.example/.well-known/jwks.json \
//		-issuer https://login.example -audience my-client-id
//
//	# Refold-style: HS256 session tokens signed with the app secret, no "iss"
//	TOKENGATE_HMAC_SECRET=... go run ./examples/nethttp
//
// Flags (each may instead be set by the environment variable in brackets;
// a flag wins over its variable):
//
//	-addr         address to listen on [ADDR]; default 127.0.0.1:8080, and
//	              127.0.0.1:0 picks a free port
//	-jwks-url     JWKS URL of the token issuer [TOKENGATE_JWKS_URL];
//	              needs -issuer
//	-issuer       the exact "iss" of accepted tokens [TOKENGATE_ISSUER]
//	-audience     accepted "aud" values, comma-separated [TOKENGATE_AUDIENCE];
//	              default "demo-app" with the embedded issuer. With it, a
//	              token without "aud" is refused; without it, a token that
//	              carries any "aud" is.
//	-hmac-secret  shared secret of HS256 tokens, at least 32 bytes
//	              [TOKENGATE_HMAC_SECRET]; prefer the variable, since command
//	              lines are visible to other users. With -issuer, only tokens
//	              of that issuer are accepted; without, any token it verifies
//	              (including tokens without "iss", as Refold's).
//
// -jwks-url and -hmac-secret exclude each other. An invalid configuration is
// reported on stderr with exit status 2. The token is never logged: refused
// requests are logged to stderr with their cause only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
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
	"github.com/tokengate/tokengate/tokengatetest"
)

// demoAudience is the audience of the embedded issuer's token.
const demoAudience = "demo-app"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the parsed command line and environment.
type config struct {
	addr       string
	jwksURL    string
	issuer     string
	audience   []string
	hmacSecret string
}

// embedded reports whether the example runs its own issuer.
func (c *config) embedded() bool { return c.jwksURL == "" && c.hmacSecret == "" }

// errUsage marks an invalid configuration (exit status 2).
var errUsage = errors.New("invalid configuration")

// run is the whole program: it serves until ctx is cancelled and returns the
// exit status: 0 after a clean shutdown, 2 for an invalid configuration, 1
// for any other failure.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "tokengate example: %v\n", err)
		return 2
	}

	var issuer *tokengatetest.Issuer
	if cfg.embedded() {
		issuer = tokengatetest.NewIssuer() // ES256 with a JWKS endpoint
		defer issuer.Close()
	}

	m, err := newMiddleware(cfg, issuer, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "tokengate example: %v\n", err)
		return 2
	}
	defer m.Close()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintf(stderr, "tokengate example: %v\n", err)
		return 1
	}
	base := "http://" + displayAddr(ln.Addr())

	srv := &http.Server{
		Handler:           routes(m),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          log.New(stderr, "http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	fmt.Fprintf(stdout, "tokengate example listening on %s\n", base)
	if issuer != nil {
		token := issuer.Token(demoClaims(cfg.audience))
		fmt.Fprintf(stdout, "# a valid token: 200 with the claims as JSON\n")
		fmt.Fprintf(stdout, "curl -i -H 'Authorization: Bearer %s' %s/api/me\n", token, base)
	}
	fmt.Fprintf(stdout, "# no token: 401 with WWW-Authenticate: Bearer realm=\"api\"\n")
	fmt.Fprintf(stdout, "curl -i %s/api/me\n", base)
	if issuer != nil {
		fmt.Fprintf(stdout, "# public route, no token needed\n")
		fmt.Fprintf(stdout, "curl -i %s/healthz\n", base)
	}

	select {
	case err := <-served: // Serve failed on its own
		fmt.Fprintf(stderr, "tokengate example: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintf(stderr, "tokengate example: shutdown: %v\n", err)
		return 1
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "tokengate example: %v\n", err)
		return 1
	}
	return 0
}

// parseConfig reads the flags, with defaults from the environment, and
// checks that they fit together.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("nethttp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	envOr := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := &config{}
	var audience string
	fs.StringVar(&cfg.addr, "addr", envOr("ADDR", "127.0.0.1:8080"), "address to listen on [ADDR]")
	fs.StringVar(&cfg.jwksURL, "jwks-url", getenv("TOKENGATE_JWKS_URL"), "JWKS URL of the token issuer; needs -issuer [TOKENGATE_JWKS_URL]")
	fs.StringVar(&cfg.issuer, "issuer", getenv("TOKENGATE_ISSUER"), `exact "iss" of accepted tokens [TOKENGATE_ISSUER]`)
	fs.StringVar(&audience, "audience", getenv("TOKENGATE_AUDIENCE"), `accepted "aud" values, comma-separated (default "demo-app" with the embedded issuer) [TOKENGATE_AUDIENCE]`)
	// The secret's default is not shown in -h: it comes from the environment.
	fs.Var(secretFlag{&cfg.hmacSecret}, "hmac-secret", "HS256 shared secret, at least 32 bytes; prefer the variable [TOKENGATE_HMAC_SECRET]")
	cfg.hmacSecret = getenv("TOKENGATE_HMAC_SECRET")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err) // flag has printed the usage
	}

	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case cfg.addr == "":
		return nil, fmt.Errorf("%w: -addr is empty", errUsage)
	case cfg.jwksURL != "" && cfg.hmacSecret != "":
		return nil, fmt.Errorf("%w: -jwks-url and -hmac-secret exclude each other", errUsage)
	case cfg.jwksURL != "" && cfg.issuer == "":
		return nil, fmt.Errorf("%w: -jwks-url needs -issuer (TOKENGATE_ISSUER): the exact \"iss\" of the tokens its keys sign", errUsage)
	case cfg.issuer != "" && cfg.embedded():
		return nil, fmt.Errorf("%w: -issuer needs -jwks-url or -hmac-secret", errUsage)
	}
	if audience != "" {
		for a := range strings.SplitSeq(audience, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				return nil, fmt.Errorf("%w: -audience %q has an empty value", errUsage, audience)
			}
			cfg.audience = append(cfg.audience, a)
		}
	} else if cfg.embedded() {
		cfg.audience = []string{demoAudience}
	}
	return cfg, nil
}

// secretFlag is a string flag whose value -h never prints.
type secretFlag struct{ p *string }

func (f secretFlag) String() string { return "" }

func (f secretFlag) Set(s string) error { *f.p = s; return nil }

// newMiddleware builds the middleware for cfg; issuer is the embedded issuer,
// nil unless cfg.embedded().
func newMiddleware(cfg *config, issuer *tokengatetest.Issuer, stderr io.Writer) (*tokengate.Middleware, error) {
	opts := []tokengate.Option{
		tokengate.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))),
	}
	switch {
	case issuer != nil:
		opts = append(opts, tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())))
	case cfg.jwksURL != "":
		opts = append(opts, tokengate.WithIssuer(cfg.issuer, tokengate.JWKS(cfg.jwksURL)))
	case cfg.issuer != "":
		opts = append(opts, tokengate.WithIssuer(cfg.issuer, tokengate.HMACSecret([]byte(cfg.hmacSecret))))
	default:
		opts = append(opts, tokengate.WithKeys(tokengate.HMACSecret([]byte(cfg.hmacSecret))))
	}
	if len(cfg.audience) > 0 {
		opts = append(opts, tokengate.WithAudience(cfg.audience...))
	}
	return tokengate.New(opts...)
}

// routes is the example's API: /healthz is public, /api/me needs a token.
func routes(m *tokengate.Middleware) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /api/me", m.Handler(http.HandlerFunc(me)))
	return mux
}

// meResponse is the JSON answer of /api/me.
type meResponse struct {
	Subject         string    `json:"subject"`
	Issuer          string    `json:"issuer,omitempty"`
	Audience        []string  `json:"audience,omitempty"`
	ExpiresAt       time.Time `json:"expiresAt"`
	Chain           string    `json:"chain,omitempty"`
	WalletAddress   string    `json:"walletAddress,omitempty"`
	ContractAddress string    `json:"contractAddress,omitempty"`
	TokenBalance    string    `json:"tokenBalance,omitempty"` // exact decimal, "" when absent
	TokenIDs        []string  `json:"tokenIds,omitempty"`
	ID              string    `json:"id,omitempty"`
}

// me answers with the verified claims the middleware put in the context.
func me(w http.ResponseWriter, r *http.Request) {
	c, ok := tokengate.ClaimsFromContext(r.Context())
	if !ok { // cannot happen behind m.Handler without WithCredentialsOptional
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	resp := meResponse{
		Subject:         c.Subject,
		Issuer:          c.Issuer,
		Audience:        c.Audience,
		ExpiresAt:       c.ExpiresAt.UTC(),
		Chain:           c.Chain,
		WalletAddress:   c.WalletAddress,
		ContractAddress: c.ContractAddress,
		TokenIDs:        c.TokenIDs,
		ID:              c.ID,
	}
	if c.TokenBalance != nil {
		resp.TokenBalance = decimal(c.TokenBalance)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(resp)
}

// decimal formats r exactly when it has a finite decimal expansion (its
// denominator is 2^a·5^b, as for every balance a token carries as a decimal
// string: "0.1337", "42") and rounded to 18 places otherwise.
func decimal(r *big.Rat) string {
	d := new(big.Int).Set(r.Denom())
	twos := d.TrailingZeroBits()
	d.Rsh(d, twos)
	fives := uint(0)
	five, q, rem := big.NewInt(5), new(big.Int), new(big.Int)
	for {
		q.QuoRem(d, five, rem)
		if rem.Sign() != 0 {
			break
		}
		d, q = q, d
		fives++
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.FloatString(18)
	}
	return r.FloatString(int(max(twos, fives)))
}

// demoClaims are the claims of the embedded issuer's token, shaped like a
// Picket access token for a holder of an ERC-721 collection. Token fills in
// iss, iat and a random jti.
func demoClaims(audience []string) tokengate.Claims {
	const wallet = "0x71C7656EC7ab88b098defB751B7401B5f6d8976F"
	return tokengate.Claims{
		Subject:         wallet,
		Audience:        audience,
		ExpiresAt:       time.Now().Add(time.Hour),
		Chain:           "ethereum",
		WalletAddress:   wallet,
		ContractAddress: "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D",
		TokenBalance:    big.NewRat(1337, 10000), // 0.1337
		TokenIDs:        []string{"1", "42"},
	}
}

// displayAddr is addr as a client reaches it: a wildcard listener (":8080")
// is shown as localhost.
func displayAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
