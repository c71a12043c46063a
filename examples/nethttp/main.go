// Command nethttp is a runnable example of tokengate with plain net/http: a
// public route, an API route that answers only requests with a valid Bearer
// token, and a token-gated route for holders of token 42 on Ethereum.
//
// Run it with no flags to try it on your machine:
//
//	go run ./examples/nethttp
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
//	GET /api/me        200 with the token's claims as JSON; 401 without a token
//	GET /api/holders   m.Require(Chain("ethereum"), TokenID("42")): 200 for a
//	                   holder, 403 insufficient_scope for any other valid token
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
// embedded and no token printed: bring the provider's tokens, for example
//
//	go run ./examples/nethttp -jwks-url https://login.example/.well-known/jwks.json \
//		-issuer https://login.example -audience my-client-id
//	TOKENGATE_HMAC_SECRET=... go run ./examples/nethttp   # Refold-style, no "iss"
//
// An invalid configuration exits with status 2. Tokens are never logged:
// refused requests are logged to stderr with their cause only.
//
// The flags, the issuer, the serve loop and the JSON answers live in
// examples/internal/demo, shared with examples/echo and examples/gin; this
// file is the net/http part.
package main

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/examples/internal/demo"
)

func main() { demo.Main("nethttp", routes) }

// routes is the example's API on a net/http ServeMux.
func routes(m *tokengate.Middleware) http.Handler {
	holders := m.Require(tokengate.Chain("ethereum"), tokengate.TokenID("42"))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /api/me", m.Handler(http.HandlerFunc(me)))
	mux.Handle("GET /api/holders", m.Handler(holders(http.HandlerFunc(holder))))
	return mux
}

// me answers with the verified claims the middleware put in the context.
func me(w http.ResponseWriter, r *http.Request) {
	c, ok := tokengate.ClaimsFromContext(r.Context())
	if !ok { // cannot happen behind m.Handler without WithCredentialsOptional
		http.Error(w, "no claims", http.StatusInternalServerError)
		return
	}
	writeJSON(w, demo.Me(c))
}

// holder welcomes a wallet whose claims met the route's requirements.
func holder(w http.ResponseWriter, r *http.Request) {
	c, _ := tokengate.ClaimsFromContext(r.Context()) // always there behind m.Require
	writeJSON(w, demo.Holder(c))
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store") // the answer is about one user
	_ = json.NewEncoder(w).Encode(v)
}
