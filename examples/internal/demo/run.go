// Package demo is what the runnable examples under examples/ share: the
// flags and environment variables, the *tokengate.Middleware they configure,
// the embedded test issuer with its Picket-shaped demo tokens, the serve and
// graceful-shutdown loop, the curl lines printed at start, and the JSON the
// routes answer. An example only brings its router: a [Routes] function that
// mounts GET /healthz, GET /api/me and GET /api/holders with its framework's
// tokengate adapter.
package demo

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// Routes builds an example's HTTP handler around m. It must serve
//
//	GET /healthz       public: 200 "ok\n"
//	GET /api/me        behind m: 200 with [Me] as JSON
//	GET /api/holders   behind m and the requirements Chain("ethereum") and
//	                   TokenID("42"): 200 with [Holder] as JSON
//
// which are the routes the printed curl lines call.
type Routes func(m *tokengate.Middleware) http.Handler

// Main runs the example called name as a command, with the process's
// arguments, environment and standard streams, until SIGINT or SIGTERM, and
// exits with [Run]'s status.
func Main(name string, routes Routes) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Run(ctx, name, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, routes)
	stop()
	os.Exit(code)
}

// Run is the whole example called name: it parses args (with defaults from
// getenv), builds the middleware, starts the embedded issuer unless keys of a
// real issuer are given, serves routes(m) and prints the listening URL and
// curl lines to stdout. It serves until ctx is cancelled, then shuts down
// gracefully, and returns the exit status: 0 after a clean shutdown (or -h),
// 2 for an invalid configuration, 1 for any other failure. Errors, and the
// cause of each refused request, go to stderr; tokens never do.
func Run(ctx context.Context, name string, args []string, getenv func(string) string, stdout, stderr io.Writer, routes Routes) int {
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(stderr, "tokengate %s example: %s\n", name, fmt.Sprintf(format, args...))
		return code
	}
	cfg, err := parseConfig(name, args, getenv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		return fail(2, "%v", err)
	}

	var issuer *tokengatetest.Issuer
	if cfg.embedded() {
		issuer = tokengatetest.NewIssuer() // ES256 with a JWKS endpoint
		defer issuer.Close()
	}

	m, err := newMiddleware(cfg, issuer, stderr)
	if err != nil {
		return fail(2, "%v", err)
	}
	defer m.Close()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fail(1, "%v", err)
	}
	srv := &http.Server{
		Handler:           routes(m),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          log.New(stderr, "http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	base := "http://" + displayAddr(ln.Addr())
	fmt.Fprintf(stdout, "tokengate %s example listening on %s\n", name, base)
	printCurls(stdout, base, issuer, cfg.audience)

	select {
	case err := <-served: // Serve failed on its own
		return fail(1, "%v", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fail(1, "shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fail(1, "%v", err)
	}
	return 0
}

// printCurls prints, for each request worth trying, a "# " line saying what
// it shows and the curl line to paste. With the embedded issuer (not nil) it
// mints a holder's and a non-holder's token for audience; these lines are the
// only place a token appears. Without it there is no token to print.
func printCurls(w io.Writer, base string, issuer *tokengatetest.Issuer, audience []string) {
	type try struct{ what, token, path string }
	var tries []try
	if issuer != nil {
		holder := issuer.Token(HolderClaims(audience))
		other := issuer.Token(NonHolderClaims(audience))
		tries = append(tries,
			try{"a holder's token (tokenIds 1 and 42 on ethereum): 200 with its claims as JSON", holder, "/api/me"},
			try{"the holder's token on the holders-only route: 200", holder, "/api/holders"},
			try{"a non-holder's token (tokenId 7) is valid too: 200", other, "/api/me"},
			try{`but not for the holders-only route: 403 with WWW-Authenticate: Bearer realm="api", error="insufficient_scope"`, other, "/api/holders"},
		)
	}
	tries = append(tries, try{`no token: 401 with WWW-Authenticate: Bearer realm="api"`, "", "/api/me"})
	if issuer != nil {
		tries = append(tries, try{`public route, no token needed: 200 "ok"`, "", "/healthz"})
	}
	for _, t := range tries {
		fmt.Fprintf(w, "# %s\n", t.what)
		if t.token != "" {
			fmt.Fprintf(w, "curl -i -H 'Authorization: Bearer %s' %s%s\n", t.token, base, t.path)
		} else {
			fmt.Fprintf(w, "curl -i %s%s\n", base, t.path)
		}
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
