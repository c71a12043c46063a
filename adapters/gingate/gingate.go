// Package gingate gives tokengate's pipeline to Gin: the same extraction,
// verification, requirements and answers as [tokengate.Middleware.Handler],
// as Gin middleware.
//
// On failure it aborts the chain with the same status, headers and JSON body
// as net/http (or calls [tokengate.WithErrorHandler]'s handler), and records
// the error with c.Error, so Gin's error middleware sees it.
//
// Verified claims go into c.Request's context.Context, so
// [tokengate.ClaimsFromContext] works in handlers and in the code they call;
// [Claims] reads them from a *gin.Context.
package gingate

import (
	"github.com/gin-gonic/gin"

	"github.com/tokengate/tokengate"
)

// Middleware authenticates every request with m, as m.Handler does: a
// request with a valid token continues with its claims in the request
// context; any other is refused and the chain aborted.
func Middleware(m *tokengate.Middleware) gin.HandlerFunc {
	return func(c *gin.Context) {
		claims, err := m.Admit(c.Request)
		if err != nil {
			refuse(m, c, err)
			return
		}
		if claims != nil {
			withClaims(c, claims)
		}
		c.Next()
	}
}

// Require lets a request continue only when its claims meet every one of
// reqs, as m.Require does: behind [Middleware] it uses the claims already
// verified, on its own it authenticates first. A request that fails a
// requirement is refused with 403 insufficient_scope. Require panics when a
// requirement is invalid, when the route is built.
func Require(m *tokengate.Middleware, reqs ...tokengate.Requirement) gin.HandlerFunc {
	gate := m.Gate(reqs...)
	return func(c *gin.Context) {
		claims, err := gate(c.Request)
		if err != nil {
			refuse(m, c, err)
			return
		}
		if _, ok := Claims(c); !ok {
			withClaims(c, claims)
		}
		c.Next()
	}
}

// Claims returns the verified claims of c's request, and false when there
// are none (a route without the middleware, or optional credentials that
// were not given).
func Claims(c *gin.Context) (*tokengate.Claims, bool) {
	return tokengate.ClaimsFromContext(c.Request.Context())
}

func withClaims(c *gin.Context, claims *tokengate.Claims) {
	c.Request = c.Request.WithContext(tokengate.ContextWithClaims(c.Request.Context(), claims))
}

// refuse records err, writes the answer and aborts the chain.
func refuse(m *tokengate.Middleware, c *gin.Context, err error) {
	_ = c.Error(err)
	m.WriteError(c.Writer, c.Request, err)
	c.Abort()
}
