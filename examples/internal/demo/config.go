package demo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// demoAudience is the audience of the embedded issuer's tokens.
const demoAudience = "demo-app"

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

// parseConfig reads the flags of the example called name, with defaults from
// the environment, and checks that they fit together.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
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
// nil unless cfg.embedded(). Refusals are logged to stderr with their cause,
// never with the token.
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
