package onchain

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults of the options.
const (
	// DefaultMaxAge is how old a holding read may be when used, unless
	// [MaxAge] says otherwise.
	DefaultMaxAge = 30 * time.Second
	// DefaultTimeout bounds the node's part of a request, unless [Timeout]
	// says otherwise.
	DefaultTimeout = 5 * time.Second
	// DefaultMaxInFlight is how many JSON-RPC requests may be in flight to
	// one endpoint at once, unless [MaxInFlight] says otherwise.
	DefaultMaxInFlight = 8
	// DecimalsMaxAge is how long an ERC-20's decimals() read is kept, the
	// same for every Client, whatever [MaxAge] says: decimals are read once
	// per contract, and again an hour later, so that one wrong answer does
	// not stick until restart.
	DecimalsMaxAge = time.Hour
	// DefaultCacheSize is how many reads, finished or in flight, the cache
	// holds, unless [CacheSize] says otherwise.
	DefaultCacheSize = 10000
)

// An Option configures [New]. Options apply in order; a later one of the
// same kind replaces an earlier one, except [RPC], which adds a chain.
type Option func(*config) error

type config struct {
	rpcs        []rpcConfig
	maxAge      time.Duration
	timeout     time.Duration
	maxInFlight int
	cacheSize   int
	httpClient  *http.Client
	logger      *slog.Logger
}

type rpcConfig struct {
	chain string
	id    uint64
	url   string
}

// RPC adds the JSON-RPC endpoint url (http or https) of the chain with the
// CAIP-2 id chain, which must be "eip155:N" with N the EIP-155 chain id in
// decimal, such as "eip155:1" (Ethereum) or "eip155:31337" (anvil). Each
// chain has one endpoint: naming a chain twice makes [New] fail.
//
// The URL may carry an API key (in its path or query); it is never logged
// nor put in an error: messages name the endpoint by scheme and host only.
// Before any answer of the endpoint is used, the node must report chain id N
// (eth_chainId, asked in every request).
func RPC(chain, url string) Option {
	return func(c *config) error {
		id, err := parseCAIP2(chain)
		if err != nil {
			return err
		}
		if err := checkURL(url); err != nil {
			return fmt.Errorf("tokengate: onchain: RPC for %s: %w", chain, err)
		}
		c.rpcs = append(c.rpcs, rpcConfig{chain: chain, id: id, url: url})
		return nil
	}
}

// MaxAge sets how old a holding read may be when a request uses it:
// DefaultMaxAge (30 s) unless set. A holder who sells loses access at most
// d after the read that saw the holding. Zero means no reuse: every
// request reads the chain, though concurrent requests still share one read.
// An ERC-20's decimals() is kept for [DecimalsMaxAge] (an hour) instead.
// A negative d makes [New] fail.
func MaxAge(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("tokengate: onchain: MaxAge must not be negative")
		}
		c.maxAge = d
		return nil
	}
}

// Timeout bounds the reads that one Check makes: waiting for an in-flight
// slot ([MaxInFlight]), connecting, sending and the node's answer, for all
// of its JSON-RPC batches together (a batch holds at most 100 calls; a
// Check with more, such as ERC721 with many ids, sends several, one after
// another, under the same deadline): DefaultTimeout (5 s) unless set. A
// read that takes longer fails, and the requirements waiting on it answer
// 503. It must be positive.
func Timeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return errors.New("tokengate: onchain: Timeout must be positive")
		}
		c.timeout = d
		return nil
	}
}

// MaxInFlight caps the JSON-RPC requests in flight to one endpoint at once:
// DefaultMaxInFlight (8) unless set. A read that cannot start within
// [Timeout] fails (503). It must be at least 1.
func MaxInFlight(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("tokengate: onchain: MaxInFlight must be at least 1")
		}
		c.maxInFlight = n
		return nil
	}
}

// CacheSize caps how many reads (one per chain, contract, call and wallet or
// token id) the cache holds, finished ones and those in flight together:
// DefaultCacheSize (10000) unless set. Reads leave it when they expire; when
// it is full, a new read first evicts the finished reads among up to 64
// entries (arbitrary ones), and if there are none, because the cache is
// full of reads in flight, the new read fails at once (503) rather than the
// cache growing. So CacheSize should be well above the distinct reads in
// flight at once (up to Timeout each); a Check needs one entry per wallet
// (and one for decimals, or one per ERC721 id). It must be at least 1.
func CacheSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("tokengate: onchain: CacheSize must be at least 1")
		}
		c.cacheSize = n
		return nil
	}
}

// HTTPClient sets the client that sends JSON-RPC requests. By default the
// Client has its own, with a transport like http.DefaultTransport that keeps
// up to [MaxInFlight] idle connections per host and takes at most 64 KiB of
// answer headers. A client given here is used with its transport, cookie
// jar and timeout ([Timeout] still applies to each request); [Client.Close]
// does not close its connections. Either way a redirect is never followed
// (it is a failed read, 503): following one would send the endpoint's URL,
// API key included, to another host in the Referer header.
func HTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("tokengate: onchain: nil HTTPClient")
		}
		c.httpClient = hc
		return nil
	}
}

// Logger sets where failed reads are logged, at Warn, with the chain, the
// endpoint's scheme and host and the cause (never a token, a URL path or a
// wallet). Nothing is logged unless it is set.
func Logger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("tokengate: onchain: nil Logger")
		}
		c.logger = l
		return nil
	}
}

// checkURL accepts absolute http and https URLs with a host.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("malformed URL") // url's error would repeat the URL
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errors.New("URL scheme must be http or https")
	}
	if u.Host == "" {
		return errors.New("URL has no host")
	}
	return nil
}

// displayURL is what messages say of an endpoint: scheme and host, no
// user, path or query (they often hold API keys).
func displayURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "?"
	}
	return strings.ToLower(u.Scheme) + "://" + u.Host
}
