package tokengate

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestWriteError checks every row of the response table at the writer,
// including the rows whose causes (requirements, replay) other parts of the
// package produce.
func TestWriteError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		www        string
		retryAfter string
		body       string
	}{
		{"no token", ErrNoToken, 401, `Bearer realm="api"`, "",
			`{"error":"unauthorized","error_description":"authentication required"}`},
		{"malformed header", fmt.Errorf("%w: two headers", ErrInvalidRequest), 400, `Bearer realm="api", error="invalid_request"`, "",
			`{"error":"invalid_request","error_description":"malformed credentials"}`},
		{"bad signature", fmt.Errorf("%w: x", ErrSignature), 401, `Bearer realm="api", error="invalid_token"`, "",
			`{"error":"invalid_token","error_description":"the access token signature is invalid"}`},
		{"expired", ErrExpired, 401, `Bearer realm="api", error="invalid_token"`, "",
			`{"error":"invalid_token","error_description":"the access token expired"}`},
		{"wrong issuer", ErrIssuer, 401, `Bearer realm="api", error="invalid_token"`, "",
			`{"error":"invalid_token","error_description":"the access token issuer is not accepted"}`},
		{"wrong audience", ErrAudience, 401, `Bearer realm="api", error="invalid_token"`, "",
			`{"error":"invalid_token","error_description":"the access token audience is not accepted"}`},
		{"replayed", ErrReplayed, 401, `Bearer realm="api", error="invalid_token"`, "",
			`{"error":"invalid_token","error_description":"the access token was already used"}`},
		{"unknown key", ErrUnknownKey, 401, `Bearer realm="api", error="invalid_token"`, "",
			`{"error":"invalid_token","error_description":"the access token was signed by an unknown key"}`},
		{"requirement fails", fmt.Errorf("%w: chain", ErrForbidden), 403, `Bearer realm="api", error="insufficient_scope"`, "",
			`{"error":"insufficient_scope","error_description":"the access token does not meet the requirements"}`},
		{"keys unavailable", ErrKeysUnavailable, 503, "", "5",
			`{"error":"temporarily_unavailable","error_description":"the token keys are temporarily unavailable"}`},
		{"unclassified error", errors.New("secret internal detail"), 401, `Bearer realm="api", error="invalid_token"`, "",
			`{"error":"invalid_token","error_description":"the access token is invalid"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			writeError(rec, "api", tt.err)
			assert.Equal(t, tt.status, rec.Code)
			assert.Equal(t, tt.www, rec.Header().Get("WWW-Authenticate"))
			assert.Equal(t, tt.retryAfter, rec.Header().Get("Retry-After"))
			assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			assert.JSONEq(t, tt.body, rec.Body.String())
			e := classify(tt.err)
			assert.Equal(t, tt.status, e.Status)
			assert.ErrorIs(t, e, tt.err)
		})
	}
}

func TestRefreshInterval(t *testing.T) {
	min, max := time.Minute, 24*time.Hour
	tests := []struct {
		cc   string
		want time.Duration
	}{
		{"", 15 * time.Minute},
		{"max-age=300", 5 * time.Minute},
		{"public, max-age=3600, must-revalidate", time.Hour},
		{"MAX-AGE=600", 10 * time.Minute},
		{"max-age=1", min},
		{"max-age=0", min},
		{"max-age=99999999999999", max},
		{"max-age=-5", 15 * time.Minute},
		{"max-age=abc", 15 * time.Minute},
		{"no-store", min},
		{"no-cache, max-age=600", min},
	}
	for _, tt := range tests {
		t.Run(tt.cc, func(t *testing.T) {
			assert.Equal(t, tt.want, refreshInterval(tt.cc, min, max))
		})
	}
}

func TestDecodeSegment(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"eyJhbGciOiJIUzI1NiJ9", true},
		{"", false},
		{"eyJhbGciOiJIUzI1NiJ9=", false},  // padding
		{"ey+hbGciOiJIUzI1NiJ9", false},   // standard alphabet
		{"ey/hbGciOiJIUzI1NiJ9", false},   // standard alphabet
		{"eyJhbGci\nOiJIUzI1NiJ9", false}, // line break
		{"eyJhbGci OiJIUzI1NiJ9", false},  // space
		{"QR", false},                     // non-canonical trailing bits ("QQ" is canonical)
		{"QQ", true},
		{"Q", false}, // impossible length
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, _, err := decodeSegment(nil, []byte(tt.in))
			assert.Equal(t, tt.ok, err == nil, "err %v", err)
		})
	}
}

func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 20: time.Minute, 100: time.Minute} {
		got := backoff(n, time.Minute)
		assert.LessOrEqual(t, got, want, "n=%d", n)
		assert.GreaterOrEqual(t, got, want*4/5, "n=%d", n)
	}
}

func TestReplayKey(t *testing.T) {
	long := strings.Repeat("x", 500)
	tests := []struct {
		name    string
		a, b    [2]string // issuer, id
		sameKey bool
	}{
		{"same", [2]string{"https://a", "1"}, [2]string{"https://a", "1"}, true},
		{"issuer differs", [2]string{"https://a", "1"}, [2]string{"https://b", "1"}, false},
		{"split moves", [2]string{"a:b", "c"}, [2]string{"a", "b:c"}, false},
		{"long ids differ", [2]string{"i", long + "1"}, [2]string{"i", long + "2"}, false},
		{"long ids same", [2]string{"i", long}, [2]string{"i", long}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ka, kb := replayKey(tt.a[0], tt.a[1]), replayKey(tt.b[0], tt.b[1])
			assert.Equal(t, tt.sameKey, ka == kb)
			assert.LessOrEqual(t, len(ka), maxReplayKey)
			assert.Contains(t, replayKey("https://issuer", "id"), "https://issuer", "short keys stay readable")
		})
	}
}
