package onchain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// Client reads holdings from EVM chains over JSON-RPC and builds the
// requirements that check them. Make one with [New], share it between
// routes, and [Client.Close] it when done. It is safe for concurrent use
// and immutable after New, apart from its cache.
type Client struct {
	eps       map[uint64]*endpoint
	timeout   time.Duration
	http      *http.Client
	transport *http.Transport // ours, closed by Close; nil with HTTPClient
	log       *slog.Logger
	cache     *cache
	base      context.Context // cancelled by Close
	cancel    context.CancelFunc
	closed    atomic.Bool
}

// New returns a Client for the chains given with [RPC] (at least one), with
// the other options' defaults where they are not given. It fails, with an
// error naming the mistake, on a malformed chain id or URL, a chain named
// twice, or an option's bad value. It makes no network call: each endpoint
// is checked (eth_chainId) with every request it answers.
func New(opts ...Option) (*Client, error) {
	cfg := config{
		maxAge:      DefaultMaxAge,
		timeout:     DefaultTimeout,
		maxInFlight: DefaultMaxInFlight,
		cacheSize:   DefaultCacheSize,
	}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("tokengate: onchain: nil Option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if len(cfg.rpcs) == 0 {
		return nil, errors.New("tokengate: onchain: no RPC endpoint: give at least one with RPC")
	}
	c := &Client{
		eps:     make(map[uint64]*endpoint, len(cfg.rpcs)),
		timeout: cfg.timeout,
		http:    cfg.httpClient,
		log:     cfg.logger,
		cache:   newCache(cfg.cacheSize, cfg.maxAge),
	}
	for _, r := range cfg.rpcs {
		if _, dup := c.eps[r.id]; dup {
			return nil, fmt.Errorf("tokengate: onchain: two RPC endpoints for eip155:%d", r.id)
		}
		c.eps[r.id] = &endpoint{
			chain:   r.id,
			name:    fmt.Sprintf("eip155:%d", r.id),
			url:     r.url,
			display: displayURL(r.url),
			slots:   make(chan struct{}, cfg.maxInFlight),
		}
	}
	if c.http == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = cfg.maxInFlight
		t.MaxResponseHeaderBytes = maxHeaderBytes
		c.transport = t
		c.http = &http.Client{Transport: t}
	} else {
		hc := *c.http
		c.http = &hc
	}
	// A redirect is an answer we do not use; following it would also send
	// the endpoint's URL (often with an API key in its path or query) to
	// another host in the Referer header.
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.base, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// Close stops the reads in flight, empties the cache and lets go of idle
// connections. After Close, the Client's requirements answer 503 (they
// cannot read); Close is idempotent and always returns nil.
func (c *Client) Close() error {
	c.closed.Store(true)
	c.cancel()
	c.cache.clear()
	if c.transport != nil {
		c.transport.CloseIdleConnections()
	}
	return nil
}

// endpoint is one chain's JSON-RPC endpoint.
type endpoint struct {
	chain   uint64
	name    string // "eip155:N"
	url     string // never logged
	display string // scheme://host, for messages
	slots   chan struct{}
}

// warn logs a failed read.
func (c *Client) warn(ep *endpoint, err error) {
	if c.log != nil {
		c.log.Warn("tokengate: onchain: read failed", "chain", ep.name, "endpoint", ep.display, "err", err)
	}
}
