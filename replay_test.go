package tokengate_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/tokengatetest"
)

func TestMemoryStoreConformance(t *testing.T) {
	tokengatetest.TestReplayStore(t, tokengate.NewMemoryStore())
}

func TestMemoryStore(t *testing.T) {
	ctx := context.Background()
	t.Run("expired records are forgotten", func(t *testing.T) {
		s := tokengate.NewMemoryStoreCapacity(2)
		ok, err := s.Use(ctx, "a", time.Now().Add(20*time.Millisecond))
		require.NoError(t, err)
		require.True(t, ok)
		require.Eventually(t, func() bool { return s.Len() == 0 }, 2*time.Second, 5*time.Millisecond)
		ok, err = s.Use(ctx, "a", time.Now().Add(time.Minute))
		require.NoError(t, err)
		assert.True(t, ok, "an id whose record expired is fresh again")
	})
	t.Run("full store refuses, never forgets", func(t *testing.T) {
		s := tokengate.NewMemoryStoreCapacity(2)
		for _, id := range []string{"a", "b"} {
			ok, err := s.Use(ctx, id, time.Now().Add(time.Hour))
			require.NoError(t, err)
			require.True(t, ok)
		}
		ok, err := s.Use(ctx, "c", time.Now().Add(time.Hour))
		assert.False(t, ok)
		assert.ErrorIs(t, err, tokengate.ErrStoreFull)
		ok, err = s.Use(ctx, "a", time.Now().Add(time.Hour))
		assert.NoError(t, err)
		assert.False(t, ok, "a spent id is still refused when the store is full")
		assert.Equal(t, 2, s.Len())
	})
	t.Run("already expired is not recorded", func(t *testing.T) {
		s := tokengate.NewMemoryStoreCapacity(1)
		ok, err := s.Use(ctx, "a", time.Now().Add(-time.Second))
		require.NoError(t, err)
		assert.True(t, ok)
		assert.Equal(t, 0, s.Len())
	})
}

// failingStore fails every call.
type failingStore struct{ calls atomic.Int64 }

func (f *failingStore) Use(context.Context, string, time.Time) (bool, error) {
	f.calls.Add(1)
	return false, errors.New("store down")
}

// countingStore records the ids it was asked to spend.
type countingStore struct {
	tokengate.ReplayStore
	mu  sync.Mutex
	ids []string
}

func (c *countingStore) Use(ctx context.Context, id string, exp time.Time) (bool, error) {
	c.mu.Lock()
	c.ids = append(c.ids, id)
	c.mu.Unlock()
	return c.ReplayStore.Use(ctx, id, exp)
}

func TestSingleUse(t *testing.T) {
	iss := newIssuer(t, jwa.ES256)
	keys := tokengate.WithIssuer(iss.URL(), keysOf(iss))

	t.Run("64 goroutines, one token", func(t *testing.T) {
		m := newMiddleware(t, keys, tokengate.WithSingleUse(tokengate.NewMemoryStore()))
		tok := iss.Token(tokengate.Claims{})
		statuses := concurrentStatuses(m.Handler, tok, 64)
		assert.Equal(t, map[int]int{200: 1, 401: 63}, statuses)
	})
	t.Run("tid serves as the id", func(t *testing.T) {
		m := newMiddleware(t, keys, tokengate.WithSingleUse(tokengate.NewMemoryStore()))
		tok := iss.Token(tokengate.Claims{}, tokengatetest.WithoutClaim("jti"), tokengatetest.WithClaim("tid", "t-1"))
		assert.Equal(t, 200, serve(m.Handler, bearer(tok)).status)
		res := serve(m.Handler, bearer(tok))
		assert.Equal(t, 401, res.status)
		assert.Equal(t, "the access token was already used", errorBody(t, res.body)["error_description"])
	})
	t.Run("token without id", func(t *testing.T) {
		m := newMiddleware(t, keys, tokengate.WithSingleUse(tokengate.NewMemoryStore()))
		res := serve(m.Handler, bearer(iss.Token(tokengate.Claims{}, tokengatetest.WithoutClaim("jti"))))
		assert.Equal(t, 401, res.status)
	})
	t.Run("same id, other issuer", func(t *testing.T) {
		other := newIssuer(t, jwa.ES256)
		store := tokengate.NewMemoryStore()
		m := newMiddleware(t, keys, tokengate.WithIssuer(other.URL(), keysOf(other)), tokengate.WithSingleUse(store))
		assert.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{ID: "same"}))).status)
		assert.Equal(t, 200, serve(m.Handler, bearer(other.Token(tokengate.Claims{ID: "same"}))).status)
	})
	t.Run("refused tokens never spend the victim's id", func(t *testing.T) {
		store := &countingStore{ReplayStore: tokengate.NewMemoryStore()}
		m := newMiddleware(t, keys, tokengate.WithAudience("app"), tokengate.WithSingleUse(store))
		victim := iss.Token(tokengate.Claims{ID: "victim", Audience: []string{"app"}})
		attacker := newIssuer(t, jwa.ES256)
		for name, tok := range map[string]string{
			"forged signature": splice(iss.Token(tokengate.Claims{ID: "victim", Audience: []string{"app"}, Subject: "x"}), attacker.Token(tokengate.Claims{})),
			"other key":        attacker.Token(tokengate.Claims{ID: "victim", Audience: []string{"app"}, Issuer: iss.URL()}),
			"expired":          iss.Token(tokengate.Claims{ID: "victim", Audience: []string{"app"}, IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)}),
			"wrong audience":   iss.Token(tokengate.Claims{ID: "victim", Audience: []string{"other"}}),
		} {
			assert.Equal(t, 401, serve(m.Handler, bearer(tok)).status, name)
		}
		assert.Empty(t, store.ids, "no refused token reached the store")
		assert.Equal(t, 200, serve(m.Handler, bearer(victim)).status, "the victim's token still works once")
		assert.Equal(t, 401, serve(m.Handler, bearer(victim)).status)
	})
	t.Run("store failure is 503, never acceptance", func(t *testing.T) {
		fs := &failingStore{}
		m := newMiddleware(t, keys, tokengate.WithSingleUse(fs))
		rec := serve(m.Handler, bearer(iss.Token(tokengate.Claims{})))
		assert.Equal(t, 503, rec.status)
		assert.False(t, rec.reached)
		assert.Equal(t, "the token service is temporarily unavailable", errorBody(t, rec.body)["error_description"])
		assert.Equal(t, int64(1), fs.calls.Load())
	})
	t.Run("a full memory store is 503", func(t *testing.T) {
		m := newMiddleware(t, keys, tokengate.WithSingleUse(tokengate.NewMemoryStoreCapacity(1)))
		assert.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
		assert.Equal(t, 503, serve(m.Handler, bearer(iss.Token(tokengate.Claims{}))).status)
	})
	t.Run("record lives until exp plus skew", func(t *testing.T) {
		store := &countingStore{ReplayStore: tokengate.NewMemoryStore()}
		exp := time.Now().Add(time.Hour).Truncate(time.Second)
		var got time.Time
		spy := spyStore{store, &got}
		m := newMiddleware(t, keys, tokengate.WithClockSkew(time.Minute), tokengate.WithSingleUse(spy))
		require.Equal(t, 200, serve(m.Handler, bearer(iss.Token(tokengate.Claims{ExpiresAt: exp}))).status)
		assert.True(t, exp.Add(time.Minute).Equal(got), "record until %v, want %v", got, exp.Add(time.Minute))
	})
	t.Run("WithSingleUse nil", func(t *testing.T) {
		_, err := tokengate.New(keys, tokengate.WithSingleUse(nil))
		assert.ErrorIs(t, err, tokengate.ErrConfig)
	})
}

// spyStore records the expiry it was given.
type spyStore struct {
	tokengate.ReplayStore
	exp *time.Time
}

func (s spyStore) Use(ctx context.Context, id string, exp time.Time) (bool, error) {
	*s.exp = exp
	return s.ReplayStore.Use(ctx, id, exp)
}

// concurrentStatuses presents tok n times at once through h and counts the
// statuses.
func concurrentStatuses(h func(http.Handler) http.Handler, tok string, n int) map[int]int {
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := serve(h, bearer(tok))
			mu.Lock()
			statuses[res.status]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}
