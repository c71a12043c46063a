// Command echo is a runnable example of tokengate with Echo v4 and its
// adapter echogate: a public route, an API group that answers only requests
// with a valid Bearer token, and a token-gated route for holders of token 42
// on Ethereum.
//
// Run it with no flags to try it on your machine:
//
//	go run ./examples/echo
//
// It starts an embedded test issuer (tokengatetest, ES256, with its own JWKS
// endpoint on a random local port), mints two Picket-style access tokens
// valid for an hour (a holder of tokens 1 and 42, a holder of token 7 only),
// serves on http://127.0.0.1:8080 and prints curl lines to paste into
// another terminal, each after a "#" line saying what it shows. Stop it with
// Ctrl-C; it shuts down gracefully.
//
// Routes:
//
//	GET /healthz       public: 200 "ok"
//	GET /api/me        group /api with echogate.Middleware(m): 200 with the
//	                   token's claims as JSON; 401 without a token
//	GET /api/holders   plus echogate.Require(m, Chain("ethereum"), TokenID("42")):
//	                   200 for a holder, 403 insufficient_scope for any other
//	                   valid token
//
// A refused request never reaches a handler: echogate returns an
// *echo.HTTPError, and Echo's default HTTPErrorHandler answers it with the
// same status, WWW-Authenticate header and JSON body as net/http.
//
// Flags (each may instead be set by the variable in brackets; a flag wins):
//
//	-addr         address to listen on [ADDR]; default 127.0.0.1:8080,
//	              127.0.0.1:0 picks a free port
//	-jwks-url     JWKS URL of a real issuer, needs -issuer [TOKENGATE_JWKS_URL]
//	-issuer       the exact "iss" of accepted tokens [TOKENGATE_ISSUER]
//	-audience     accepted "aud" values, comma-separated [TOKENGATE_AUDIENCE];
//	              default "demo-app" with the embedded issuer
//	-hmac-secret  HS256 secret of at least 32 bytes [TOKENGATE_HMAC_SECRET];
//	              prefer the variable, command lines are visible to others
//
// With -jwks-url or -hmac-secret (they exclude each other) no issuer is
// embedded and no token printed: bring the provider's tokens. An invalid
// configuration exits with status 2. Tokens are never logged: refused
// requests are logged to stderr with their cause only.
//
// The flags, the issuer, the serve loop (the *echo.Echo is served as an
// http.Handler) and the JSON answers live in examples/internal/demo, shared
// with examples/nethttp and examples/gin; this file is the Echo part.
package main

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/echogate"
	"github.com/tokengate/tokengate/examples/internal/demo"
)

func main() { demo.Main("echo", routes) }

// routes is the example's API on an Echo instance.
func routes(m *tokengate.Middleware) http.Handler {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true

	e.GET("/healthz", func(c echo.Context) error {
		return c.String(http.StatusOK, "ok\n")
	})
	api := e.Group("/api", echogate.Middleware(m))
	api.GET("/me", me)
	api.GET("/holders", holder, echogate.Require(m, tokengate.Chain("ethereum"), tokengate.TokenID("42")))
	return e
}

// me answers with the verified claims echogate put in the request context.
func me(c echo.Context) error {
	claims, ok := echogate.Claims(c)
	if !ok { // cannot happen behind echogate.Middleware
		return echo.NewHTTPError(http.StatusInternalServerError)
	}
	c.Response().Header().Set("Cache-Control", "no-store") // the answer is about one user
	return c.JSON(http.StatusOK, demo.Me(claims))
}

// holder welcomes a wallet whose claims met the route's requirements.
func holder(c echo.Context) error {
	claims, _ := echogate.Claims(c) // always there behind echogate.Require
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, demo.Holder(claims))
}
