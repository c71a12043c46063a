//go:build unix

package redisstore_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate/adapters/redisstore"
)

// dropProxy forwards connections to the Redis at addr. The first command
// that carries marker reaches Redis, which runs it, but its answer does
// not come back: the client's connection is reset once Redis has answered,
// as when a network fails at the wrong moment.
func dropProxy(t *testing.T, addr, marker string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = l.Close() })
	dropped := false // only the accept loop's goroutines touch it, one connection at a time
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", addr)
			if err != nil {
				_ = c.Close()
				continue
			}
			drop := !dropped
			go serveDropping(c, up, []byte(marker), drop)
			if drop {
				dropped = true
			}
		}
	}()
	return l.Addr().String()
}

// serveDropping relays c to up; with drop, the first command holding
// marker is relayed, its answer swallowed, and c reset.
func serveDropping(c, up net.Conn, marker []byte, drop bool) {
	defer c.Close()
	defer up.Close()
	answered := make(chan struct{}, 1)
	muted := make(chan struct{})
	go func() {
		b := make([]byte, 4096)
		for {
			n, err := up.Read(b)
			if err != nil {
				return
			}
			select {
			case <-muted:
				answered <- struct{}{}
				return
			default:
				if _, err := c.Write(b[:n]); err != nil {
					return
				}
			}
		}
	}()
	b := make([]byte, 4096)
	for {
		n, err := c.Read(b)
		if err != nil {
			return
		}
		if drop && bytes.Contains(b[:n], marker) {
			close(muted)
			_, _ = up.Write(b[:n])
			select {
			case <-answered:
			case <-time.After(5 * time.Second):
			}
			_ = c.(*net.TCPConn).SetLinger(0)
			return
		}
		if _, err := up.Write(b[:n]); err != nil {
			return
		}
	}
}

// TestLostAnswer: with go-redis's default options (which retry a command
// whose answer was lost), the first use of an id whose answer is lost
// still reports the id fresh, once: the retry finds this call's own record.
func TestLostAnswer(t *testing.T) {
	srv := startRedis(t)
	c := redis.NewClient(&redis.Options{Addr: dropProxy(t, srv.addr(), "lost-answer")})
	t.Cleanup(func() { _ = c.Close() })
	s := redisstore.New(c)
	exp := time.Now().Add(time.Minute)
	fresh, err := s.Use(context.Background(), "lost-answer", exp)
	require.NoError(t, err)
	assert.True(t, fresh, "the first use of an id, whose answer was lost and retried")
	fresh, err = s.Use(context.Background(), "lost-answer", exp)
	require.NoError(t, err)
	assert.False(t, fresh, "the second use")
	fresh, err = redisstore.New(c).Use(context.Background(), "lost-answer", exp)
	require.NoError(t, err)
	assert.False(t, fresh, "a use by another instance")
}

// TestTimeoutWithDefaultOptions: WithTimeout bounds Use also with a
// client that does not watch contexts on its sockets (go-redis's default,
// without ContextTimeoutEnabled, waits for its 3 s read timeout): a Redis
// that hangs makes Use fail at the store's timeout.
func TestTimeoutWithDefaultOptions(t *testing.T) {
	srv := startRedis(t)
	c := redis.NewClient(&redis.Options{Addr: srv.addr()})
	t.Cleanup(func() { _ = c.Close() })
	s := redisstore.New(c, redisstore.WithTimeout(200*time.Millisecond))
	exp := time.Now().Add(time.Minute)
	_, err := s.Use(context.Background(), "before", exp)
	require.NoError(t, err)

	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGSTOP))
	t.Cleanup(func() { _ = srv.cmd.Process.Signal(syscall.SIGCONT) })
	start := time.Now()
	fresh, err := s.Use(context.Background(), "while hung", exp)
	took := time.Since(start)
	assert.False(t, fresh)
	assert.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	assert.Less(t, took, time.Second, "Use returned %v after Redis hung; its timeout is 200ms", took)
}
