package tokengate

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// publicURL is the DPoPPublicURL setting: the scheme and host the clients
// see, and a path prefix a proxy strips before the request gets here.
type publicURL struct {
	scheme, host, prefix string
}

// DPoPPublicURL sets the scheme, host and port (and, optionally, a path
// prefix) a proof's htu is compared with, for an app behind a trusted
// reverse proxy or load balancer that terminates TLS or rewrites the host:
// with DPoPPublicURL("https://api.example.com/v1"), a request that reaches
// the app as http://10.0.0.5:8080/users must carry a proof for
// https://api.example.com/v1/users. Forwarding headers (Forwarded,
// X-Forwarded-*) are never read: a client can set them. Default: the
// request's own scheme (https when it came over TLS), its Host header and
// its path as received (the request-target, so http.StripPrefix does not
// change it); set this in production, so that htu is checked against the
// origin you serve and not against a Host header the client chose. New
// fails on a base that is not an absolute http or https URL, or has user
// information, a query or a fragment.
func DPoPPublicURL(base string) DPoPOption {
	return func(dp *dpopConfig) error {
		u, err := url.Parse(base)
		switch {
		case err != nil:
			return fmt.Errorf("DPoPPublicURL: %w", err)
		case u.Scheme != "http" && u.Scheme != "https", u.Host == "", u.Opaque != "":
			return fmt.Errorf("DPoPPublicURL: %q is not an absolute http or https URL", base)
		case u.User != nil, u.RawQuery != "", u.ForceQuery, u.Fragment != "":
			return errors.New("DPoPPublicURL: the URL has user information, a query or a fragment")
		}
		dp.public = &publicURL{scheme: u.Scheme, host: u.Host, prefix: strings.TrimSuffix(u.EscapedPath(), "/")}
		return nil
	}
}

// requestURL is the normalized URL a proof's htu must equal for r (see
// normalizeHTU and DPoPPublicURL).
func (dp *dpopConfig) requestURL(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	path := r.URL.EscapedPath()
	if r.RequestURI != "" && r.RequestURI != "*" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
			path = u.EscapedPath()
		}
	}
	if p := dp.public; p != nil {
		scheme, host, path = p.scheme, p.host, p.prefix+path
	}
	got, ok := normalizeHTU(scheme + "://" + host + path)
	if !ok {
		return "\x00" // matches no htu
	}
	return got
}

// normalizeHTU normalizes an http or https URL for the htu comparison of
// RFC 9449 §4.3: the query and fragment dropped, then the syntax- and
// scheme-based normalizations of RFC 3986 §6.2.2 and §6.2.3: scheme and
// host in lower case, the default port dropped, percent-encodings of
// unreserved characters decoded and the others in upper case, an empty path
// made "/". Dot segments are left alone: "/a/../b" is not "/b". It reports
// false for anything that is not an absolute http or https URL with a host
// and no user information.
func normalizeHTU(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.Hostname() == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host := strings.ToLower(u.Host)
	switch {
	case scheme == "http" && strings.HasSuffix(host, ":80"):
		host = strings.TrimSuffix(host, ":80")
	case scheme == "https" && strings.HasSuffix(host, ":443"):
		host = strings.TrimSuffix(host, ":443")
	}
	host = strings.TrimSuffix(host, ":") // an empty port is the default one
	path, ok := normalizePercent(u.EscapedPath())
	if !ok {
		return "", false
	}
	if path == "" {
		path = "/"
	}
	return scheme + "://" + host + path, true
}

// normalizePercent decodes the percent-encodings of unreserved characters
// (RFC 3986 §2.3) in an escaped path and writes the others' hex digits in
// upper case. It reports false on a malformed escape.
func normalizePercent(p string) (string, bool) {
	if !strings.Contains(p, "%") {
		return p, true
	}
	var b strings.Builder
	b.Grow(len(p))
	for i := 0; i < len(p); i++ {
		if p[i] != '%' {
			b.WriteByte(p[i])
			continue
		}
		if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
			return "", false
		}
		c := unhex(p[i+1])<<4 | unhex(p[i+2])
		if isUnreserved(c) {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(p[i+1 : i+3]))
		}
		i += 2
	}
	return b.String(), true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
