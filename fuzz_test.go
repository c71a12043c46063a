package tokengate_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// FuzzVerify: Verify never panics, and accepts no token but the ones the
// test key signed (the seeds).
func FuzzVerify(f *testing.F) {
	iss := tokengatetest.NewIssuer(tokengatetest.WithAlgorithm(jwa.HS256))
	defer iss.Close()
	now := time.Now()
	m, err := tokengate.New(tokengate.WithKeys(tokengate.HMACSecret(iss.Secret())),
		tokengate.WithClock(func() time.Time { return now }))
	if err != nil {
		f.Fatal(err)
	}
	defer m.Close()
	signed := map[string]bool{}
	for _, tok := range []string{
		iss.Token(tokengate.Claims{Subject: "a"}),
		iss.Token(tokengate.Claims{Audience: []string{"x", "y"}, TokenIDs: []string{"1"}}),
		iss.Token(tokengate.Claims{}, tokengatetest.WithoutClaim("iss", "iat"), tokengatetest.WithClaim("tokenBalance", "0.1337")),
		iss.Token(tokengate.Claims{}, tokengatetest.WithHeader("kid", nil)),
	} {
		signed[tok] = true
		f.Add(tok)
	}
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	// Refused shapes near valid ones, signed with the right secret: starting
	// points for mutations (see TestAttacks).
	exp := fmt.Sprintf(`"exp":%d`, now.Add(time.Hour).Unix())
	for _, h := range []string{`{"alg":"HS256","crit":["b64"],"b64":false}`, `{"alg":"HS256","ALG":"none"}`,
		`{"alg":"HS256","alg":"none"}`, `{"alg":"HS256","cty":"JWT"}`, `{"alg":"none"}`} {
		f.Add(forge(h, "{"+exp+"}", hs256(iss.Secret())))
	}
	for _, p := range []string{"{" + exp + `,"EXP":1}`, "{" + exp + `,"exp":1}`, `{"exp":"2999-01-01T00:00:00Z"}`,
		"{" + exp + `,"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "}"} {
		f.Add(forge(`{"alg":"HS256"}`, p, hs256(iss.Secret())))
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := m.Verify(context.Background(), tok)
		if err == nil {
			if !signed[tok] {
				t.Fatalf("accepted a token the key did not sign: %q", tok)
			}
			if c == nil || c.ExpiresAt.IsZero() {
				t.Fatal("accepted token without claims or exp")
			}
		}
	})
}

// FuzzFromAuthHeader: extraction never panics; a token it returns is a
// non-empty RFC 6750 b64token, and it never returns a token and an error.
func FuzzFromAuthHeader(f *testing.F) {
	for _, v := range []string{"Bearer a.b.c", "bearer x", "Basic y", "Bearer", "Bearer  a=", "", "Bearer a b"} {
		f.Add(v)
	}
	e := tokengate.FromAuthHeader()
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["Authorization"] = []string{v}
		tok, err := e(r)
		if tok != "" && err != nil {
			t.Fatalf("token and error together: %q, %v", tok, err)
		}
		if tok != "" && strings.ContainsAny(tok, " \t\r\n,\"") {
			t.Fatalf("token with separators: %q", tok)
		}
	})
}
