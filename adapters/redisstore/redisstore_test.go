package redisstore_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/redisstore"
	"github.com/tokengate/tokengate/tokengatetest"
)

func newClient(t *testing.T, addr string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestConformance(t *testing.T) {
	srv := startRedis(t)
	tokengatetest.TestReplayStore(t, redisstore.New(newClient(t, srv.addr())))
}

func TestKeysAndExpiry(t *testing.T) {
	srv := startRedis(t)
	c := newClient(t, srv.addr())
	s := redisstore.New(c, redisstore.WithPrefix("app1:"))
	exp := time.Now().Add(90 * time.Second)
	ok, err := s.Use(context.Background(), "abc", exp)
	require.NoError(t, err)
	require.True(t, ok)
	ttl, err := c.PTTL(context.Background(), "app1:abc").Result()
	require.NoError(t, err)
	assert.InDelta(t, 90*time.Second, ttl, float64(2*time.Second), "record expires with the token")

	ok, err = s.Use(context.Background(), "gone", time.Now().Add(-time.Second))
	require.NoError(t, err)
	assert.True(t, ok)
	n, err := c.Exists(context.Background(), "app1:gone").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "an expired token leaves no record")

	_, err = redisstore.New(nil).Use(context.Background(), "x", exp)
	assert.Error(t, err)
	_, err = redisstore.New(c, redisstore.WithTimeout(0)).Use(context.Background(), "x", exp)
	assert.Error(t, err)
}

// statuses presents tok n times at once, each through one of handlers in
// turn, and counts the answers.
func statuses(handlers []http.Handler, tok string, n int) map[int]int {
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			handlers[i%len(handlers)].ServeHTTP(rec, r)
			mu.Lock()
			got[rec.Code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return got
}

func ok200() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
}

// TestSingleUseAcrossInstances: two Middleware instances sharing one Redis
// accept a token exactly once between them, also under 64 concurrent tries.
func TestSingleUseAcrossInstances(t *testing.T) {
	srv := startRedis(t)
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	var handlers []http.Handler
	for range 2 {
		m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
			tokengate.WithSingleUse(redisstore.New(newClient(t, srv.addr()))))
		require.NoError(t, err)
		t.Cleanup(func() { _ = m.Close() })
		handlers = append(handlers, m.Handler(ok200()))
	}
	t.Run("one at a time", func(t *testing.T) {
		tok := iss.Token(tokengate.Claims{})
		assert.Equal(t, map[int]int{200: 1}, statuses(handlers[:1], tok, 1), "first")
		assert.Equal(t, map[int]int{401: 2}, statuses(handlers, tok, 2))
	})
	t.Run("64 at once", func(t *testing.T) {
		assert.Equal(t, map[int]int{200: 1, 401: 63}, statuses(handlers, iss.Token(tokengate.Claims{}), 64))
	})
}

// TestRedisOutage: with Redis stopped, requests get 503 and none is
// accepted; once it is back, requests work again without a restart.
func TestRedisOutage(t *testing.T) {
	srv := startRedis(t)
	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
		tokengate.WithSingleUse(redisstore.New(newClient(t, srv.addr()), redisstore.WithTimeout(300*time.Millisecond))))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	h := []http.Handler{m.Handler(ok200())}

	require.Equal(t, map[int]int{200: 1}, statuses(h, iss.Token(tokengate.Claims{}), 1))
	srv.stop()
	down := iss.Token(tokengate.Claims{})
	assert.Equal(t, map[int]int{503: 8}, statuses(h, down, 8), "Redis down: 503, none accepted")
	srv.start()
	assert.Equal(t, map[int]int{200: 1, 401: 7}, statuses(h, down, 8), "Redis back: the same token is accepted once")
}
