package tokengate_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// Failures (acceptance 3): an issuer that cannot be asked is 503 with
// Retry-After, never 401 and never acceptance; an issuer that refuses the
// token is 401.

// slow never answers: it waits for hang or for the caller to hang up.
func slow(hang <-chan struct{}) func(http.ResponseWriter, *http.Request, string) {
	return func(_ http.ResponseWriter, r *http.Request, _ string) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}
}

func answerWith(code int, body string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func TestRemoteFailures(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the token reached another host: %s %s", r.Method, r.URL)
	}))
	t.Cleanup(other.Close)
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })

	type failure struct {
		name    string
		respond func(http.ResponseWriter, *http.Request, string) // nil: the issuer is down
		want    error
	}
	common := []failure{
		{"down", nil, tokengate.ErrKeysUnavailable},
		{"slow", slow(hang), tokengate.ErrKeysUnavailable},
		{"500", answerWith(500, `{"msg":"internal"}`), tokengate.ErrKeysUnavailable},
		{"502", answerWith(502, "<html>bad gateway</html>"), tokengate.ErrKeysUnavailable},
		{"503", answerWith(503, ""), tokengate.ErrKeysUnavailable},
		{"429", answerWith(429, `{"msg":"slow down","code":"RATE_LIMITED"}`), tokengate.ErrKeysUnavailable},
		{"404", answerWith(404, "not found"), tokengate.ErrKeysUnavailable},
		{"200, HTML", answerWith(200, "<html>login</html>"), tokengate.ErrKeysUnavailable},
		{"200, truncated JSON", answerWith(200, `{"active":true,"sub":"al`), tokengate.ErrKeysUnavailable},
		{"200, over 1 MiB", answerWith(200, `{"x":"`+strings.Repeat("a", 1<<20)+`"}`), tokengate.ErrKeysUnavailable},
		{"redirect to another host", func(w http.ResponseWriter, r *http.Request, _ string) {
			http.Redirect(w, r, other.URL+"/validate", http.StatusTemporaryRedirect)
		}, tokengate.ErrKeysUnavailable},
		{"claim of the wrong type", answerWith(200, `{"active":true,"aud":"project-1","exp":"tomorrow"}`), tokengate.ErrMalformed},
		{"duplicate claim", answerWith(200, `{"active":true,"aud":"project-1","exp":4102444800,"exp":4102444800}`), tokengate.ErrMalformed},
		{"case-variant claim", answerWith(200, `{"active":true,"aud":"project-1","exp":4102444800,"AUD":"x"}`), tokengate.ErrMalformed},
		{"another issuer", answerWith(200, `{"active":true,"iss":"https://evil.example","aud":"project-1","exp":4102444800}`), tokengate.ErrIssuer},
	}
	byKind := map[bool][]failure{
		true: {
			{"401 invalid token", answerWith(401, `{"msg":"invalid access token","code":"INVALID_TOKEN"}`), tokengate.ErrSignature},
			{"400", answerWith(400, `{"msg":"bad token","code":"BAD_REQUEST"}`), tokengate.ErrSignature},
			{"403", answerWith(403, `{"msg":"forbidden"}`), tokengate.ErrSignature},
		},
		false: {
			{"inactive", answerWith(200, `{"active":false}`), tokengate.ErrSignature},
			{"no active member", answerWith(200, `{"sub":"alice","exp":4102444800}`), tokengate.ErrKeysUnavailable},
			{"active as a string", answerWith(200, `{"active":"true","exp":4102444800}`), tokengate.ErrKeysUnavailable},
			{"401: our client credentials refused", answerWith(401, `{"error":"invalid_client"}`), tokengate.ErrKeysUnavailable},
			{"403", answerWith(403, ``), tokengate.ErrKeysUnavailable},
		},
	}

	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			for _, tt := range append(common, byKind[k.picket]...) {
				t.Run(tt.name, func(t *testing.T) {
					f := newFakeIssuer(t, k.picket)
					m := newMiddleware(t, tokengate.WithIssuer(k.iss, f.source(tokengate.RemoteTimeout(200*time.Millisecond))),
						tokengate.WithAudience(remoteAudience))
					tok := f.issue(nil)
					if tt.respond == nil {
						f.srv.Close()
					} else {
						f.setRespond(tt.respond)
					}
					h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
						t.Error("a request reached the handler")
					}))
					began := time.Now()
					rec := get(h, "/", tok)
					assert.Less(t, time.Since(began), 2*time.Second, "bounded by RemoteTimeout")

					_, err := m.Verify(t.Context(), tok)
					require.ErrorIs(t, err, tt.want)
					if errors.Is(tt.want, tokengate.ErrKeysUnavailable) {
						assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
						assert.Equal(t, "5", rec.Header().Get("Retry-After"))
						assert.Empty(t, rec.Header().Get("WWW-Authenticate"))
						assert.Contains(t, rec.Body.String(), `"temporarily_unavailable"`)
					} else {
						assert.Equal(t, http.StatusUnauthorized, rec.Code)
						assert.Equal(t, `Bearer realm="api", error="invalid_token"`, rec.Header().Get("WWW-Authenticate"))
						assert.Empty(t, rec.Header().Get("Retry-After"))
					}
					assert.NotContains(t, err.Error(), tok, "the token is in no error")
				})
			}
		})
	}
}

// TestRemoteRecovers: failures to ask are not cached; the next request after
// the issuer recovers is accepted.
func TestRemoteRecovers(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			f, m := remoteSetup(t, k, nil)
			tok := f.issue(nil)
			f.setRespond(answerWith(500, ""))
			_, err := m.Verify(t.Context(), tok)
			require.ErrorIs(t, err, tokengate.ErrKeysUnavailable)
			f.setRespond(nil)
			_, err = m.Verify(t.Context(), tok)
			require.NoError(t, err)
			assert.Equal(t, int64(2), f.calls.Load())
		})
	}
}

// TestRemoteRequestCanceled: a request that gives up while waiting gets an
// error, and the call it shared still serves the others.
func TestRemoteRequestCanceled(t *testing.T) {
	k := remoteKinds[0]
	f, m := remoteSetup(t, k, nil)
	tok := f.issue(nil)
	release := make(chan struct{})
	f.holdUntil(release)
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() { _, err := m.Verify(ctx, tok); errc <- err }()
	require.Eventually(t, func() bool { return tokengate.RemoteWaiters(m, k.iss, tok) == 1 }, 10*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-errc, tokengate.ErrKeysUnavailable)
	close(release)
	_, err := m.Verify(t.Context(), tok)
	require.NoError(t, err)
	assert.Equal(t, int64(1), f.calls.Load(), "the first call completed and its answer was cached")
}

// TestRemoteClose: Close ends calls in flight (503) and waits for them;
// afterwards cached answers still serve and other tokens get 503.
func TestRemoteClose(t *testing.T) {
	k := remoteKinds[1]
	f := newFakeIssuer(t, k.picket)
	m, err := tokengate.New(tokengate.WithIssuer(k.iss, f.source()), tokengate.WithAudience(remoteAudience))
	require.NoError(t, err)
	cached := f.issue(nil)
	_, err = m.Verify(t.Context(), cached)
	require.NoError(t, err)

	hang := make(chan struct{})
	defer close(hang)
	f.setRespond(slow(hang))
	pending := f.issue(nil)
	errc := make(chan error, 1)
	go func() { _, err := m.Verify(t.Context(), pending); errc <- err }()
	require.Eventually(t, func() bool { return tokengate.RemoteWaiters(m, k.iss, pending) == 1 }, 10*time.Second, time.Millisecond)
	require.NoError(t, m.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, tokengate.ErrKeysUnavailable)
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the call in flight")
	}
	_, err = m.Verify(t.Context(), cached)
	assert.NoError(t, err, "cached answers still serve")
	_, err = m.Verify(t.Context(), f.issue(nil))
	assert.ErrorIs(t, err, tokengate.ErrKeysUnavailable)
}

// TestRemoteNeverLogsTheToken: neither logs nor answers carry the token, a
// segment of it, the secret key or the client secret, whatever the outcome.
func TestRemoteNeverLogsTheToken(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			var logs syncBuffer
			f, m := remoteSetup(t, k, []tokengate.RemoteOption{tokengate.RemoteTimeout(200 * time.Millisecond)},
				tokengate.WithLogger(newTextLogger(&logs)))
			hang := make(chan struct{})
			defer close(hang)
			outcomes := []struct {
				name    string
				respond func(http.ResponseWriter, *http.Request, string)
				status  int
			}{
				{"valid", nil, 200},
				{"refused", answerWith(401, `{"msg":"bad","code":"INVALID_TOKEN","active":false}`), 0},
				{"500", answerWith(500, `{"msg":"oops"}`), 503},
				{"slow", slow(hang), 503},
				{"echoes the token", func(w http.ResponseWriter, _ *http.Request, tok string) {
					w.WriteHeader(500)
					_, _ = io.WriteString(w, `{"msg":"`+tok+`","code":"`+tok+`"}`)
				}, 503},
			}
			h := m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			for _, o := range outcomes {
				t.Run(o.name, func(t *testing.T) {
					f.setRespond(o.respond)
					tok := f.issue(map[string]any{"email": "secret-holder@example.com"})
					rec := get(h, "/", tok)
					if o.status != 0 {
						assert.Equal(t, o.status, rec.Code)
					}
					for _, part := range append(strings.Split(tok, "."), tok) {
						assert.NotContains(t, logs.String(), part)
						assert.NotContains(t, rec.Body.String(), part)
					}
				})
			}
			assert.NotContains(t, logs.String(), picketSecret)
			assert.NotContains(t, logs.String(), "s3cr")
			assert.NotContains(t, logs.String(), "secret-holder@example.com")
			assert.Contains(t, logs.String(), "tokengate: remote validation failed")
			assert.Contains(t, logs.String(), "tokengate: remote validation: token valid")
		})
	}
}

// TestRemoteRedirectSameHost: a redirect within the configured host is
// followed, with the credentials.
func TestRemoteRedirectSameHost(t *testing.T) {
	f := newFakeIssuer(t, true)
	var moved atomic.Bool
	f.setRespond(func(w http.ResponseWriter, r *http.Request, token string) {
		if r.URL.Path == "/old" {
			moved.Store(true)
			http.Redirect(w, r, "/new", http.StatusPermanentRedirect)
			return
		}
		f.answer(w, r, token)
	})
	m := newMiddleware(t, tokengate.WithIssuer(picketIssuer, tokengate.PicketValidate(picketSecret, tokengate.RemoteURL(f.srv.URL+"/old"))),
		tokengate.WithAudience(remoteAudience))
	_, err := m.Verify(t.Context(), f.issue(nil))
	require.NoError(t, err)
	assert.True(t, moved.Load())
}
