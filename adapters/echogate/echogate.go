// Package echogate gives tokengate's pipeline to Echo v4: the same
// extraction, verification, requirements and answers as
// [tokengate.Middleware.Handler], as Echo middleware.
//
// On failure the middleware does not call the next handler: it sets the
// answer's headers (WWW-Authenticate or Retry-After, DPoP-Nonce,
// Cache-Control) and returns an *echo.HTTPError whose Message is the JSON
// body, so the app's own HTTPErrorHandler stays in charge; Echo's default
// handler answers with the same status and body as net/http.
// [tokengate.WithErrorHandler] does not apply here; write an Echo
// HTTPErrorHandler instead (errors.As finds the *tokengate.Error in the
// HTTPError's Internal).
//
// Verified claims go into the request's context.Context, so
// [tokengate.ClaimsFromContext] works in handlers and in the code they call;
// [Claims] reads them from an echo.Context.
package echogate

import (
	"github.com/labstack/echo/v4"

	"github.com/tokengate/tokengate"
)

// Middleware authenticates every request with m, as m.Handler does: a
// request with a valid token reaches the next handler with its claims in the
// request context; any other is refused (see the package documentation).
func Middleware(m *tokengate.Middleware) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			claims, err := m.Admit(c.Request())
			if err != nil {
				return refuse(m, c, err)
			}
			if claims != nil {
				withClaims(c, claims)
			}
			return next(c)
		}
	}
}

// Require lets a request through only when its claims meet every one of
// reqs, as m.Require does: behind [Middleware] it uses the claims already
// verified, on its own it authenticates first. A request that fails a
// requirement is refused with 403 insufficient_scope. Require panics when a
// requirement is invalid, when the route is built.
func Require(m *tokengate.Middleware, reqs ...tokengate.Requirement) echo.MiddlewareFunc {
	gate := m.Gate(reqs...)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			claims, err := gate(c.Request())
			if err != nil {
				return refuse(m, c, err)
			}
			if _, ok := Claims(c); !ok {
				withClaims(c, claims)
			}
			return next(c)
		}
	}
}

// Claims returns the verified claims of c's request, and false when there
// are none (a route without the middleware, or optional credentials that
// were not given).
func Claims(c echo.Context) (*tokengate.Claims, bool) {
	return tokengate.ClaimsFromContext(c.Request().Context())
}

func withClaims(c echo.Context, claims *tokengate.Claims) {
	r := c.Request()
	c.SetRequest(r.WithContext(tokengate.ContextWithClaims(r.Context(), claims)))
}

// refuse sets the answer's headers and returns it as an *echo.HTTPError. The
// Content-Type is left to whichever error handler writes the body.
func refuse(m *tokengate.Middleware, c echo.Context, err error) error {
	status, header, body := m.ErrorResponse(c.Request(), err)
	h := c.Response().Header()
	for k, v := range header {
		if k != "Content-Type" {
			h[k] = v
		}
	}
	return &echo.HTTPError{Code: status, Message: answerBody(body), Internal: err}
}

// answerBody is the JSON body of a refusal, as an *echo.HTTPError's
// Message: Echo's error handler writes it as it is (MarshalJSON), and
// HTTPError.Error, which Echo's logger prints, shows it as text (String)
// rather than as a list of bytes. It holds fixed texts only, never a token.
type answerBody []byte

// MarshalJSON returns b, which is JSON already.
func (b answerBody) MarshalJSON() ([]byte, error) { return b, nil }

// String returns b as text.
func (b answerBody) String() string { return string(b) }
