package tokengate_test

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/tokengate/tokengate"
)

// Picket publishes no keys for its access tokens: PicketValidate asks
// Picket's validate endpoint (here a local stand-in, via RemoteURL) and the
// answer's claims gate the route like a verified token's.
func ExamplePicketValidate() {
	exp := time.Now().Add(time.Hour).Unix()
	claims := fmt.Sprintf(`{"iss":"picketapi.com","sub":"0xAbC1","aud":"my-project-id","exp":%d,`+
		`"chain":"ethereum","walletAddress":"0xAbC1","tokenIds":["42"]}`, exp)
	picket := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, _, _ := r.BasicAuth(); user != "sk_live_secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, claims) // a real Picket checks the token; this one says yes
	}))
	defer picket.Close()

	m, err := tokengate.New(
		tokengate.WithIssuer("picketapi.com", tokengate.PicketValidate("sk_live_secret",
			tokengate.RemoteURL(picket.URL))), // omit RemoteURL for https://picketapi.com/api/v1/auth/validate
		tokengate.WithAudience("my-project-id"),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()

	holders := m.Handler(m.Require(tokengate.TokenID("42"))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := tokengate.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "welcome %s on %s", c.WalletAddress, c.Chain)
	})))

	enc := base64.RawURLEncoding.EncodeToString
	token := enc([]byte(`{"alg":"ES256"}`)) + "." + enc([]byte(claims)) + "." + enc([]byte("signature Picket checks"))
	r := httptest.NewRequest(http.MethodGet, "/holders", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	holders.ServeHTTP(w, r)
	fmt.Println(w.Code, strings.TrimSpace(w.Body.String()))
	// Output:
	// 200 welcome 0xAbC1 on ethereum
}
