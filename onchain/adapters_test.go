package onchain_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/labstack/echo/v4"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/echogate"
	"github.com/tokengate/tokengate/adapters/gingate"
)

// answer is what a client sees of a response.
type answer struct {
	status                               int
	www, retryAfter, cacheControl, ctype string
	body                                 string
}

func answerOf(t *testing.T, url, tok string) answer {
	t.Helper()
	resp, body := get(t, url, tok)
	return answer{resp.StatusCode, resp.Header.Get("WWW-Authenticate"), resp.Header.Get("Retry-After"),
		resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"), body}
}

// TestAdapters: Echo and Gin answer as net/http does when an on-chain
// requirement is met (200), unmet (403) and undecided (503): the same
// status, WWW-Authenticate, Retry-After, Cache-Control, Content-Type and
// body.
func TestAdapters(t *testing.T) {
	gin.SetMode(gin.TestMode)
	w := newWorld(t)
	down := newClient(t, freeURL(t))
	up := newClient(t, w.anvil.URL())

	tests := []struct {
		name   string
		req    tokengate.Requirement
		wallet string
		want   int
	}{
		{"met", up.ERC20(chainID, w.erc20, "10"), w.holder, http.StatusOK},
		{"unmet", up.ERC20(chainID, w.erc20, "10"), w.near, http.StatusForbidden},
		{"unmet erc721", up.ERC721(chainID, w.erc721, "3"), w.holder, http.StatusForbidden},
		{"node down", down.ERC20(chainID, w.erc20, "10"), w.holder, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate(t, tt.req) // net/http
			m := g.m
			ok := func(c echo.Context) error { return c.String(http.StatusOK, "ok") }
			e := echo.New()
			e.GET("/gated", ok, echogate.Middleware(m), echogate.Require(m, tt.req))
			es := httptest.NewServer(e)
			defer es.Close()

			r := gin.New()
			r.GET("/gated", gingate.Middleware(m), gingate.Require(m, tt.req), func(c *gin.Context) { c.String(http.StatusOK, "ok") })
			gs := httptest.NewServer(r)
			defer gs.Close()

			tok := g.token(tt.wallet)
			want := answerOf(t, g.srv.URL+"/gated", tok)
			if want.status != tt.want {
				t.Fatalf("net/http: got %d (%s), want %d", want.status, want.body, tt.want)
			}
			if tt.want == http.StatusServiceUnavailable && want.retryAfter == "" {
				t.Fatalf("net/http: 503 without Retry-After")
			}
			for name, url := range map[string]string{"echo": es.URL, "gin": gs.URL} {
				got := answerOf(t, url+"/gated", tok)
				if tt.want == http.StatusOK { // the handlers' own answers differ in charset case
					got.ctype, want.ctype = "", ""
				}
				if got != want {
					t.Errorf("%s: got %+v, want (as net/http) %+v", name, got, want)
				}
			}
		})
	}
}
