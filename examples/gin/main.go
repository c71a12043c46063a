// Command gin is a runnable example of tokengate with Gin and its adapter
// gingate: a public route, an API group that answers only requests with a
// valid Bearer token, and a token-gated route for holders of token 42 on
// Ethereum.
//
// Run it with no flags to try it on your machine:
//
//	go run ./examples/gin
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
//	GET /api/me        group /api with gingate.Middleware(m): 200 with the
//	                   token's claims as JSON; 401 without a token
//	GET /api/holders   plus gingate.Require(m, Chain("ethereum"), TokenID("42")):
//	                   200 for a holder, 403 insufficient_scope for any other
//	                   valid token
//
// A refused request never reaches a handler: gingate aborts the chain with
// the same status, WWW-Authenticate header and JSON body as net/http.
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
// The flags, the issuer, the serve loop (the *gin.Engine is served as an
// http.Handler) and the JSON answers live in examples/internal/demo, shared
// with examples/nethttp and examples/echo; this file is the Gin part.
package main

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/gingate"
	"github.com/tokengate/tokengate/examples/internal/demo"
)

func main() { demo.Main("gin", routes) }

// routes is the example's API on a Gin engine.
func routes(m *tokengate.Middleware) http.Handler {
	gin.SetMode(gin.ReleaseMode) // no debug output; a process-wide setting
	r := gin.New()
	r.Use(gin.Recovery())

	r.GET("/healthz", func(c *gin.Context) {
		c.String(http.StatusOK, "ok\n")
	})
	api := r.Group("/api", gingate.Middleware(m))
	api.GET("/me", me)
	api.GET("/holders", gingate.Require(m, tokengate.Chain("ethereum"), tokengate.TokenID("42")), holder)
	return r
}

// me answers with the verified claims gingate put in the request context.
func me(c *gin.Context) {
	claims, ok := gingate.Claims(c)
	if !ok { // cannot happen behind gingate.Middleware
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Header("Cache-Control", "no-store") // the answer is about one user
	c.JSON(http.StatusOK, demo.Me(claims))
}

// holder welcomes a wallet whose claims met the route's requirements.
func holder(c *gin.Context) {
	claims, _ := gingate.Claims(c) // always there behind gingate.Require
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, demo.Holder(claims))
}
