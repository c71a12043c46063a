package echogate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/echogate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// One line protects a group of Echo routes; Require gates one of them.
func Example() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	m, err := tokengate.New(tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	e := echo.New()
	api := e.Group("/api", echogate.Middleware(m))
	api.GET("/me", func(c echo.Context) error {
		claims, _ := echogate.Claims(c)
		return c.String(http.StatusOK, "hello "+claims.Subject)
	})
	api.GET("/holders", func(c echo.Context) error {
		return c.String(http.StatusOK, "welcome, holder")
	}, echogate.Require(m, tokengate.TokenID("42")))

	get := func(path, token string) {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	alice := issuer.Token(tokengate.Claims{Subject: "alice", TokenIDs: []string{"7"}})
	get("/api/me", alice)
	get("/api/holders", alice)
	get("/api/me", "")
	// Output:
	// 200 hello alice
	// 403 {"error":"insufficient_scope","error_description":"the access token does not meet the token id requirement"}
	// 401 {"error":"unauthorized","error_description":"authentication required"}
}
