package onchain

import (
	"context"
	"errors"
	"fmt"
	"time"

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
		vals, err := c.fetchOwn(ep, ks, keys, own, entries, started)
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

// fetchOwn is c.fetch(ep, ks). Should it panic (a RoundTripper given with
// HTTPClient, say), the reads it owns are finished with an error before
// the panic goes on, so that the requests waiting on them are answered and
// the cache lets go of them, rather than waiting on reads that never end.
func (c *Client) fetchOwn(ep *endpoint, ks, keys []key, own []int, entries []*entry, started time.Time) ([]value, error) {
	done := false
	defer func() {
		if !done {
			err := fmt.Errorf("%w: onchain %s: the read panicked", tokengate.ErrUnavailable, ep.name)
			c.cache.finish(keys, own, entries, nil, err, started)
		}
	}()
	vals, err := c.fetch(ep, ks)
	done = true
	return vals, err
}
