package gingate_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/gingate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// One line protects a group of Gin routes; Require gates one of them.
func Example() {
	issuer := tokengatetest.NewIssuer()
	defer issuer.Close()
	m, err := tokengate.New(tokengate.WithIssuer(issuer.URL(), tokengate.JWKS(issuer.JWKSURL())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	api := r.Group("/api", gingate.Middleware(m))
	api.GET("/me", func(c *gin.Context) {
		claims, _ := gingate.Claims(c)
		c.String(http.StatusOK, "hello "+claims.Subject)
	})
	api.GET("/holders", gingate.Require(m, tokengate.TokenID("42")), func(c *gin.Context) {
		c.String(http.StatusOK, "welcome, holder")
	})

	get := func(path, token string) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	}
	alice := issuer.Token(tokengate.Claims{Subject: "alice", TokenIDs: []string{"42"}})
	get("/api/me", alice)
	get("/api/holders", alice)
	get("/api/me", "")
	// Output:
	// 200 hello alice
	// 200 welcome, holder
	// 401 {"error":"unauthorized","error_description":"authentication required"}
}
