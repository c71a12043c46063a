package redisstore_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
	"github.com/tokengate/tokengate/adapters/redisstore"
	"github.com/tokengate/tokengate/tokengatetest"
)

// TestCluster runs the store on a three-node Redis Cluster through a
// ClusterClient: single use holds across two instances, whichever node owns
// each key.
func TestCluster(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis-cli not found (.ci/run installs redis-server, which brings it): %v", err)
		}
		t.Skip("redis-cli not installed; `apt-get install redis-server` to run the Redis Cluster test")
	}
	var addrs []string
	for range 3 {
		s := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
		addrs = append(addrs, s.addr())
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	require.NoError(t, err, "redis-cli --cluster create: %s", out)

	newCluster := func() *redis.ClusterClient {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	c := newCluster()
	require.Eventually(t, func() bool {
		info, err := c.ClusterInfo(context.Background()).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	}, 20*time.Second, 100*time.Millisecond, "cluster comes up")

	tokengatetest.TestReplayStore(t, redisstore.New(c))

	iss := tokengatetest.NewIssuer()
	t.Cleanup(iss.Close)
	var handlers []http.Handler
	for range 2 {
		m, err := tokengate.New(tokengate.WithIssuer(iss.URL(), tokengate.JWKS(iss.JWKSURL())),
			tokengate.WithSingleUse(redisstore.New(newCluster())))
		require.NoError(t, err)
		t.Cleanup(func() { _ = m.Close() })
		handlers = append(handlers, m.Handler(ok200()))
	}
	for i := range 5 {
		tok := iss.Token(tokengate.Claims{ID: "cluster-" + strconv.Itoa(i)})
		assert.Equal(t, map[int]int{200: 1, 401: 63}, statuses(handlers, tok, 64))
	}
}
