package onchain

import (
	"context"
	"errors"
	"fmt"

	"github.com/tokengate/tokengate"
)

var errClosed = errors.New("tokengate: onchain: client closed")

// read fills out with the values of keys on ep: from the cache when fresh,
// else from the node, sharing the reads that other requests have in flight
// and sending the missing ones in one batch. An error wraps
// tokengate.ErrUnavailable.
func (c *Client) read(ctx context.Context, ep *endpoint, keys []key, out []value) error {
	if c.closed.Load() {
		return fmt.Errorf("%w: %w", tokengate.ErrUnavailable, errClosed)
	}
	if c.cache.hits(keys, out) {
		return nil
	}
	own, wait, entries, err := c.cache.claim(keys, out)
	if err != nil { // full of reads in flight: fail now rather than grow
		err = fmt.Errorf("%w: onchain %s: %w", tokengate.ErrUnavailable, ep.name, err)
		c.warn(ep, err)
		return err
	}
	if len(own) > 0 {
		ks := make([]key, len(own))
		for j, i := range own {
			ks[j] = keys[i]
		}
		// The read runs on the Client's context, not the request's: a
		// request that goes away must not fail the others waiting on it.
		started := c.cache.clock.Now()
		vals, err := c.fetch(ep, ks)
		c.cache.finish(keys, own, entries, vals, err, started)
		if err != nil {
			c.warn(ep, err)
			return err
		}
		for j, i := range own {
			out[i] = vals[j]
		}
	}
	for _, i := range wait {
		e := entries[i]
		select {
		case <-e.done:
		case <-ctx.Done():
			return fmt.Errorf("%w: onchain: %w", tokengate.ErrUnavailable, ctx.Err())
		}
		if e.err != nil {
			return e.err
		}
		out[i] = e.val
	}
	return nil
}
