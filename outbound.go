package tokengate

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
)

// The key sources that call out (JWKS, Introspect, PicketValidate) share
// how they check their URL and how they build their HTTP client.

// outboundURL checks that raw is an absolute http or https URL and returns
// it with any password redacted, for logs. A plain http URL to a host that is
// not loopback is logged as a warning. what names the source in messages.
func outboundURL(env *sourceEnv, what, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("%s: url must be an absolute http or https URL", what)
	}
	redacted := u.Redacted()
	if u.Scheme == "http" && !isLoopback(u.Hostname()) && env.logger != nil {
		env.logger.Warn("tokengate: "+what+" URL is plain http; use https in production", slog.String("url", redacted))
	}
	return redacted, nil
}

// outboundClient is a copy of c, or without c a client on a private clone
// of http.DefaultTransport (returned, so that Close can close its idle
// connections), that follows redirects only to the same host.
func outboundClient(c *http.Client) (*http.Client, *http.Transport) {
	client := http.Client{}
	var owned *http.Transport
	if c != nil {
		client = *c
	} else if t, ok := http.DefaultTransport.(*http.Transport); ok {
		owned = t.Clone()
		client.Transport = owned
	}
	client.CheckRedirect = sameHostRedirects(client.CheckRedirect)
	return &client, owned
}

// sameHostRedirects allows at most 3 redirects, all to the original host and
// never from https to http, then defers to next when set.
func sameHostRedirects(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		first := via[0].URL
		switch {
		case len(via) > 3:
			return errors.New("too many redirects")
		case req.URL.Host != first.Host:
			return errors.New("redirect to another host")
		case first.Scheme == "https" && req.URL.Scheme != "https":
			return errors.New("redirect from https to http")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// isLoopback reports whether host is localhost or a loopback IP address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
