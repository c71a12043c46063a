package tokengate_test

import (
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

// Cost control (acceptance 2): shared calls, cached answers, refusals
// without a call.

// holdUntil makes f hold every call until release is closed, then answer
// as it would have.
func (f *fakeIssuer) holdUntil(release <-chan struct{}) {
	f.setRespond(func(w http.ResponseWriter, r *http.Request, token string) {
		<-release
		f.answer(w, r, token)
	})
}

// concurrently sends n requests with token through h at once, once every
// one of them waits for the call in flight, releases the issuer, and
// returns the statuses.
func concurrently(t *testing.T, m *tokengate.Middleware, f *fakeIssuer, iss, token string, n int) []int {
	t.Helper()
	release := make(chan struct{})
	f.holdUntil(release)
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { statuses[i] = get(h, "/", token).Code })
	}
	require.Eventually(t, func() bool { return tokengate.RemoteWaiters(m, iss, token) == n },
		10*time.Second, time.Millisecond, "every request waits for the one call")
	close(release)
	wg.Wait()
	return statuses
}

func TestRemoteSharedCall(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			for _, ttl := range []time.Duration{5 * time.Minute, 0} {
				t.Run(fmt.Sprintf("TTL %v", ttl), func(t *testing.T) {
					f, m := remoteSetup(t, k, []tokengate.RemoteOption{tokengate.RemoteCacheTTL(ttl)})
					tok := f.issue(nil)
					statuses := concurrently(t, m, f, k.iss, tok, 100)
					for i, s := range statuses {
						require.Equal(t, http.StatusOK, s, "request %d", i)
					}
					assert.Equal(t, int64(1), f.calls.Load(), "100 concurrent requests, one call")

					_, err := m.Verify(t.Context(), tok)
					require.NoError(t, err)
					want := int64(1) // cached
					if ttl == 0 {
						want = 2 // no cache: the next request asks again
					}
					assert.Equal(t, want, f.calls.Load())
				})
			}
		})
	}
}

func TestRemoteSharedRefusal(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			f, m := remoteSetup(t, k, nil)
			forged := jwtShaped(map[string]any{"iss": k.iss, "aud": remoteAudience, "exp": time.Now().Add(time.Hour).Unix()})
			for _, s := range concurrently(t, m, f, k.iss, forged, 50) {
				require.Equal(t, http.StatusUnauthorized, s)
			}
			assert.Equal(t, int64(1), f.calls.Load())
		})
	}
}

func TestRemoteCache(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			clk := newFakeClock()
			setup := func(t *testing.T) (*fakeIssuer, *tokengate.Middleware) {
				return remoteSetup(t, k, []tokengate.RemoteOption{tokengate.RemoteTestClock(clk.Now)}, tokengate.WithClock(clk.Now))
			}

			t.Run("valid answers are reused within the TTL", func(t *testing.T) {
				f, m := setup(t)
				tok := f.issue(nil) // exp in an hour
				for range 20 {
					_, err := m.Verify(t.Context(), tok)
					require.NoError(t, err)
				}
				assert.Equal(t, int64(1), f.calls.Load())
				clk.Advance(4 * time.Minute)
				_, err := m.Verify(t.Context(), tok)
				require.NoError(t, err)
				assert.Equal(t, int64(1), f.calls.Load(), "within the 5 min TTL")
				clk.Advance(2 * time.Minute)
				_, err = m.Verify(t.Context(), tok)
				require.NoError(t, err)
				assert.Equal(t, int64(2), f.calls.Load(), "past the TTL the issuer is asked again")
			})

			t.Run("refusals are reused briefly", func(t *testing.T) {
				f, m := setup(t)
				forged := jwtShaped(map[string]any{"iss": k.iss, "aud": remoteAudience, "exp": clk.Now().Add(time.Hour).Unix()})
				for range 5 {
					_, err := m.Verify(t.Context(), forged)
					require.ErrorIs(t, err, tokengate.ErrSignature)
				}
				assert.Equal(t, int64(1), f.calls.Load())
				clk.Advance(11 * time.Second)
				_, err := m.Verify(t.Context(), forged)
				require.ErrorIs(t, err, tokengate.ErrSignature)
				assert.Equal(t, int64(2), f.calls.Load(), "past the 10 s negative TTL")
			})

			t.Run("an expired token is refused without a call", func(t *testing.T) {
				f, m := setup(t)
				tok := f.issue(map[string]any{"iat": clk.Now().Add(-2 * time.Hour).Unix(), "exp": clk.Now().Add(-time.Hour).Unix()})
				for range 3 {
					_, err := m.Verify(t.Context(), tok)
					require.ErrorIs(t, err, tokengate.ErrExpired)
				}
				assert.Zero(t, f.calls.Load())
			})

			t.Run("a cached answer lasts until its exp, not longer", func(t *testing.T) {
				f, m := setup(t)
				tok := f.issue(nil)
				exp := clk.Now().Add(time.Minute)
				f.setRespond(func(w http.ResponseWriter, _ *http.Request, _ string) {
					fmt.Fprintf(w, `{"active":true,"iss":%q,"aud":%q,"exp":%d}`, k.iss, remoteAudience, exp.Unix())
				})
				_, err := m.Verify(t.Context(), tok)
				require.NoError(t, err)
				clk.Advance(30 * time.Second)
				_, err = m.Verify(t.Context(), tok)
				require.NoError(t, err)
				assert.Equal(t, int64(1), f.calls.Load())
				clk.Advance(31 * time.Second)
				_, err = m.Verify(t.Context(), tok)
				require.ErrorIs(t, err, tokengate.ErrExpired, "the answer's exp has passed")
				assert.Equal(t, int64(2), f.calls.Load(), "asked again once the answer's exp passed")
				clk.Advance(5 * time.Second)
				_, err = m.Verify(t.Context(), tok)
				require.ErrorIs(t, err, tokengate.ErrExpired)
				assert.Equal(t, int64(2), f.calls.Load(), "an answer past its exp is reused for the negative TTL")
				clk.Advance(6 * time.Second)
				_, err = m.Verify(t.Context(), tok)
				require.ErrorIs(t, err, tokengate.ErrExpired)
				assert.Equal(t, int64(3), f.calls.Load(), "then asked again")
			})

			t.Run("entries are bounded", func(t *testing.T) {
				f, m := remoteSetup(t, k, []tokengate.RemoteOption{tokengate.RemoteTestClock(clk.Now), tokengate.RemoteCacheSize(2)},
					tokengate.WithClock(clk.Now))
				toks := []string{f.issue(nil), f.issue(nil), f.issue(nil)}
				for _, tok := range toks {
					_, err := m.Verify(t.Context(), tok)
					require.NoError(t, err)
				}
				require.Equal(t, int64(3), f.calls.Load())
				for _, tok := range toks {
					_, err := m.Verify(t.Context(), tok)
					require.NoError(t, err)
				}
				assert.Greater(t, f.calls.Load(), int64(3), "a cache of two cannot hold three answers")
			})
		})
	}
}

// TestRemoteClaimsAreCopies: a handler that changes its claims changes
// neither the cache nor the claims of requests that shared its call.
func TestRemoteClaimsAreCopies(t *testing.T) {
	for _, k := range remoteKinds {
		t.Run(k.name, func(t *testing.T) {
			f, m := remoteSetup(t, k, nil)
			tok := f.issue(nil)
			c1, err := m.Verify(t.Context(), tok)
			require.NoError(t, err)
			c1.TokenIDs[0] = "9999"
			c1.Audience[0] = "someone-else"
			c1.TokenBalance.SetInt64(1000)
			c1.Subject = "mallory"
			c2, err := m.Verify(t.Context(), tok)
			require.NoError(t, err)
			assert.Equal(t, []string{"42"}, c2.TokenIDs)
			assert.Equal(t, []string{remoteAudience}, c2.Audience)
			assert.Equal(t, big.NewRat(1, 2), c2.TokenBalance)
			assert.Equal(t, "alice", c2.Subject)
			assert.Equal(t, int64(1), f.calls.Load())

			// Requests that share one call get claims of their own too.
			tok2 := f.issue(nil)
			release := make(chan struct{})
			f.holdUntil(release)
			got := make([]*tokengate.Claims, 2)
			var wg sync.WaitGroup
			for i := range got {
				wg.Go(func() { got[i], _ = m.Verify(t.Context(), tok2) })
			}
			require.Eventually(t, func() bool { return tokengate.RemoteWaiters(m, k.iss, tok2) == 2 }, 10*time.Second, time.Millisecond)
			close(release)
			wg.Wait()
			require.NotNil(t, got[0])
			require.NotNil(t, got[1])
			assert.NotSame(t, got[0], got[1])
			got[0].TokenIDs[0] = "changed"
			assert.Equal(t, []string{"42"}, got[1].TokenIDs)
		})
	}
}
