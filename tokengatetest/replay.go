package tokengatetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokengate/tokengate"
)

// TestReplayStore checks that store behaves as a [tokengate.ReplayStore]
// must: a fresh id is accepted once and refused after, ids are independent,
// and when 64 goroutines spend one id at once exactly one succeeds. It uses
// ids unique to this call, so a shared store (Redis) can run it repeatedly.
// Use it in the tests of a ReplayStore of your own.
func TestReplayStore(t *testing.T, store tokengate.ReplayStore) {
	t.Helper()
	ctx := context.Background()
	prefix := randomHex(8) + ":"
	exp := time.Now().Add(time.Minute)

	t.Run("once", func(t *testing.T) {
		for i, want := range []bool{true, false, false} {
			ok, err := store.Use(ctx, prefix+"once", exp)
			if err != nil {
				t.Fatalf("Use #%d: %v", i+1, err)
			}
			if ok != want {
				t.Fatalf("Use #%d = %v, want %v", i+1, ok, want)
			}
		}
	})
	t.Run("independent ids", func(t *testing.T) {
		for i := range 10 {
			ok, err := store.Use(ctx, fmt.Sprintf("%sid-%d", prefix, i), exp)
			if err != nil || !ok {
				t.Fatalf("Use of fresh id %d = %v, %v; want true, nil", i, ok, err)
			}
		}
	})
	t.Run("64 at once", func(t *testing.T) {
		var wins, errs atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, err := store.Use(ctx, prefix+"race", exp)
				if err != nil {
					errs.Add(1)
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		if errs.Load() != 0 || wins.Load() != 1 {
			t.Fatalf("64 concurrent Use: %d succeeded, %d errors; want 1 and 0", wins.Load(), errs.Load())
		}
	})
}
