package tokengate_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestNoTokenLeak sends refused tokens with a logger attached and checks that
// neither the log nor the answer carries the token, any of its segments, or
// a claim value.
func TestNoTokenLeak(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	var logs syncBuffer
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithAudience("app"),
		tokengate.WithLogger(newTextLogger(&logs)))
	const secretClaim = "holder-secret-email@example.com"
	claims := tokengate.Claims{Audience: []string{"app"}, Email: secretClaim}
	tests := []struct {
		name string
		tok  string
	}{
		{"expired", iss.Token(tokengate.Claims{Audience: []string{"app"}, Email: secretClaim,
			IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})},
		{"wrong audience", iss.Token(tokengate.Claims{Audience: []string{"other"}, Email: secretClaim})},
		{"bad signature", splice(iss.Token(claims), iss.Token(tokengate.Claims{Subject: "x"}))},
		{"exp of the wrong type", iss.Token(claims, tokengatetest.WithClaim("exp", secretClaim))},
		{"duplicate claim", duplicateExp(iss.Token(claims))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := serve(m.Handler, bearer(tt.tok))
			assert.Equal(t, 401, res.status)
			for _, part := range strings.Split(tt.tok, ".") {
				assert.NotContains(t, logs.String(), part)
				assert.NotContains(t, res.body, part)
				assert.NotContains(t, res.www, part)
			}
			assert.NotContains(t, logs.String(), secretClaim)
			assert.NotContains(t, res.body, secretClaim)
		})
	}
	assert.Contains(t, logs.String(), "request refused", "refusals are logged")

	t.Run("Authorization header is not logged", func(t *testing.T) {
		r := bearer("not-a-jwt-but-secret")
		r.Header.Add("Authorization", "Bearer second-secret")
		res := serve(m.Handler, r)
		assert.Equal(t, http.StatusBadRequest, res.status)
		assert.NotContains(t, logs.String(), "not-a-jwt-but-secret")
		assert.NotContains(t, logs.String(), "second-secret")
	})
}

// duplicateExp rewrites tok's payload with "exp" twice. The signature no
// longer matches, but the payload must be refused either way.
func duplicateExp(tok string) string {
	parts := strings.Split(tok, ".")
	p := mustDecode(parts[1])
	p = strings.Replace(p, "{", `{"exp":1,`, 1)
	return parts[0] + "." + encode(p) + "." + parts[2]
}

// TestLogHoldsNoUnverifiedText: text from a token whose signature was not
// checked (here a member name) does not reach the log.
func TestLogHoldsNoUnverifiedText(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	var logs syncBuffer
	m := newMiddleware(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)), tokengate.WithLogger(newTextLogger(&logs)))
	const marker = "INJECTEDLOGTEXT"
	tok := iss.Token(tokengate.Claims{})
	parts := strings.Split(tok, ".")
	for name, p := range map[string]string{
		"duplicate name":  `{"` + marker + `":1,"` + marker + `":2}`,
		"wrong type":      `{"iss":{"` + marker + `":1}}`,
		"invalid JSON":    `{"` + marker + `":`,
		"header dup name": "",
	} {
		t.Run(name, func(t *testing.T) {
			bad := parts[0] + "." + encode(p) + "." + parts[2]
			if p == "" {
				bad = encode(`{"alg":"ES256","`+marker+`":1,"`+marker+`":1}`) + "." + parts[1] + "." + parts[2]
			}
			res := serve(m.Handler, bearer(bad))
			assert.Equal(t, 401, res.status)
			assert.NotContains(t, logs.String(), marker)
		})
	}
	assert.Contains(t, logs.String(), "duplicate member name")
}
