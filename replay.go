package tokengate

import (
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// ReplayStore remembers spent token ids, for [WithSingleUse]. The
// Middleware asks it last, after every other check passed, so a forged,
// expired or otherwise refused token never spends an id. Implementations are
// safe for concurrent use; [MemoryStore] keeps ids in this process, and
// package adapters/redisstore shares them between instances through Redis.
type ReplayStore interface {
	// Use records id as spent until exp. It reports false when id was already spent.
	Use(ctx context.Context, id string, exp time.Time) (bool, error)
}

// ErrStoreFull is returned by [MemoryStore.Use] when the store holds as
// many unexpired ids as its capacity: it refuses (the request gets 503)
// rather than forget an id that could then be replayed.
var ErrStoreFull = errors.New("tokengate: replay store full")

// DefaultMemoryStoreCapacity is the capacity of [NewMemoryStore].
const DefaultMemoryStoreCapacity = 1 << 20

// MemoryStore is a [ReplayStore] in memory, for a single instance. Entries
// expire at the time given to Use; memory is bounded by the capacity.
type MemoryStore struct {
	mu       sync.Mutex
	capacity int
	now      func() time.Time
	ids      map[string]time.Time
	byExp    expiryHeap
}

// NewMemoryStore returns a MemoryStore holding at most
// DefaultMemoryStoreCapacity (1,048,576) unexpired ids, about 150 MB at the
// most with 64-byte ids.
func NewMemoryStore() *MemoryStore {
	return NewMemoryStoreCapacity(DefaultMemoryStoreCapacity)
}

// NewMemoryStoreCapacity returns a MemoryStore holding at most capacity
// unexpired ids; a capacity below 1 is taken as 1.
func NewMemoryStoreCapacity(capacity int) *MemoryStore {
	return &MemoryStore{capacity: max(capacity, 1), now: time.Now, ids: make(map[string]time.Time)}
}

// Use records id as spent until exp and reports whether it was fresh. An id
// whose record has expired is fresh again. When the store is full of
// unexpired ids it returns [ErrStoreFull].
func (s *MemoryStore) Use(_ context.Context, id string, exp time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expire(now)
	if until, ok := s.ids[id]; ok && now.Before(until) {
		return false, nil
	}
	if !now.Before(exp) {
		return true, nil // already expired: nothing to remember
	}
	if len(s.ids) >= s.capacity {
		return false, fmt.Errorf("%w: %d unexpired ids", ErrStoreFull, len(s.ids))
	}
	s.ids[id] = exp
	heap.Push(&s.byExp, entry{id, exp})
	return true, nil
}

// Len reports how many unexpired ids the store holds.
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire(s.now())
	return len(s.ids)
}

// expire drops the records that have expired by now.
func (s *MemoryStore) expire(now time.Time) {
	for len(s.byExp) > 0 && !now.Before(s.byExp[0].exp) {
		e := heap.Pop(&s.byExp).(entry)
		if s.ids[e.id].Equal(e.exp) {
			delete(s.ids, e.id)
		}
	}
}

type entry struct {
	id  string
	exp time.Time
}

// expiryHeap orders entries by expiry, soonest first.
type expiryHeap []entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp.Before(h[j].exp) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// maxReplayKey bounds a store key; longer keys are hashed.
const maxReplayKey = 128

// replayKey is the store key of a token: its issuer and id, unambiguous
// (the issuer's length comes first) and at most maxReplayKey bytes (longer
// ones become "sha256:" and a hex digest).
func replayKey(iss, id string) string {
	k := strconv.Itoa(len(iss)) + ":" + iss + ":" + id
	if len(k) <= maxReplayKey {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// spend consumes c's id in the replay store: ErrMalformed when the token has
// no id, ErrReplayed when it was spent, ErrStoreUnavailable when the store
// fails.
func (m *Middleware) spend(ctx context.Context, c *Claims) error {
	if c.ID == "" {
		return fmt.Errorf("%w: single-use token without jti or tid", ErrMalformed)
	}
	fresh, err := m.cfg.replay.Use(ctx, replayKey(c.Issuer, c.ID), c.ExpiresAt.Add(m.cfg.skew))
	switch {
	case err != nil:
		return fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
	case !fresh:
		return fmt.Errorf("%w: id already spent", ErrReplayed)
	}
	return nil
}
