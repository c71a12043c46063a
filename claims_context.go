package tokengate

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// The claims box a verification allocates has room for the context that
// hands its claims to the next handler: the request's context and the
// claims, in the same allocation as the claims (ContextWithClaims). A
// request that reaches its handler then costs one allocation less than
// with a context.WithValue. The box lends itself once: claims handed to
// two contexts get a context.WithValue for the second.

// claimsContext is a box's context: parent is the context it extends, set
// once, by the caller that flipped taken.
type claimsContext struct {
	parent context.Context
	taken  atomic.Bool
}

// boxOf returns the box c was allocated in, or nil for claims built or
// copied outside this package (a copy keeps its original's box pointer,
// but is not that box's claims).
func boxOf(c *Claims) *claimsBox {
	if c != nil && c.box != nil && &c.box.c == c {
		return c.box
	}
	return nil
}

// asContext makes b the context of its claims over parent and reports
// true, the first time it is called for b; afterwards it reports false and
// changes nothing.
func (b *claimsBox) asContext(parent context.Context) bool {
	if !b.ctx.taken.CompareAndSwap(false, true) {
		return false
	}
	b.ctx.parent = parent
	return true
}

// Deadline, Done and Err are the parent's: the box adds a value only.
func (b *claimsBox) Deadline() (time.Time, bool) { return b.ctx.parent.Deadline() }
func (b *claimsBox) Done() <-chan struct{}       { return b.ctx.parent.Done() }
func (b *claimsBox) Err() error                  { return b.ctx.parent.Err() }

// Value returns the box's claims for the claims key, and the parent's value
// for any other.
func (b *claimsBox) Value(key any) any {
	if _, ok := key.(claimsKey); ok {
		return &b.c
	}
	return b.ctx.parent.Value(key)
}

// String names the context as context.WithValue's String does.
func (b *claimsBox) String() string {
	parent := "context"
	if s, ok := b.ctx.parent.(fmt.Stringer); ok {
		parent = s.String()
	}
	return parent + ".WithValue(tokengate.claimsKey, *tokengate.Claims)"
}
