// Package demotest runs the examples under examples/ in their tests: it
// starts an example on a free loopback port, waits for its curl lines,
// parses them as a shell would when a user pastes them, and makes the same
// requests. [CheckExample] is the whole check every example must pass.
package demotest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate/examples/internal/demo"
)

// waitLimit bounds every wait: for the curl lines, for a request, and for
// run to return after cancellation.
const waitLimit = 10 * time.Second

// SyncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Env is a getenv backed by a map; a nil map is an empty environment.
func Env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// Program is one run of an example in the background.
type Program struct {
	Stdout, Stderr *SyncBuffer
	cancel         context.CancelFunc
	code           chan int
}

// Start runs the example name with routes, args and environment (through
// [demo.Run]), waits until it has printed wantCurl curl lines and returns
// it. The program is stopped at the end of the test if the test has not
// stopped it.
func Start(t testing.TB, name string, routes demo.Routes, args []string, environ map[string]string, wantCurl int) *Program {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &Program{Stdout: &SyncBuffer{}, Stderr: &SyncBuffer{}, cancel: cancel, code: make(chan int, 1)}
	go func() { p.code <- demo.Run(ctx, name, args, Env(environ), p.Stdout, p.Stderr, routes) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-p.code:
		case <-time.After(waitLimit):
			t.Error("run did not return within 10s of cancellation")
		}
	})

	deadline := time.Now().Add(waitLimit)
	for countCurls(p.Stdout.String()) < wantCurl {
		select {
		case code := <-p.code:
			p.code <- code
			t.Fatalf("run returned %d before printing %d curl lines\nstdout:\n%s\nstderr:\n%s", code, wantCurl, p.Stdout, p.Stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %d curl lines within 10s\nstdout:\n%s\nstderr:\n%s", wantCurl, p.Stdout, p.Stderr)
		}
	}
	return p
}

// Stop cancels the program and returns its exit status.
func (p *Program) Stop(t testing.TB) int {
	t.Helper()
	p.cancel()
	select {
	case code := <-p.code:
		p.code <- code // for the cleanup
		return code
	case <-time.After(waitLimit):
		t.Fatal("run did not return within 10s of cancellation")
		return -1
	}
}

func countCurls(out string) int {
	n := 0
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "curl ") && strings.HasSuffix(l, "\n") {
			n++
		}
	}
	return n
}

// Curl is one printed curl line, as the request it makes, with the "# "
// comment printed on the line before it.
type Curl struct {
	Comment string // without the "# "
	URL     string
	Header  http.Header
}

// Token is the Bearer token the line sends, "" when it sends none.
func (c Curl) Token() string {
	tok, _ := strings.CutPrefix(c.Header.Get("Authorization"), "Bearer ")
	return tok
}

// Curls parses every curl line of out, each of which must follow a "# "
// comment line.
func Curls(t testing.TB, out string) []Curl {
	t.Helper()
	var curls []Curl
	prev := ""
	for l := range strings.Lines(out) {
		l = strings.TrimSuffix(l, "\n")
		if strings.HasPrefix(l, "curl ") {
			comment, ok := strings.CutPrefix(prev, "# ")
			require.True(t, ok, "curl line %q does not follow a # comment", l)
			c := parseCurl(t, l)
			c.Comment = comment
			curls = append(curls, c)
		}
		prev = l
	}
	return curls
}

func parseCurl(t testing.TB, line string) Curl {
	t.Helper()
	words := shellWords(t, line)
	require.Equal(t, "curl", words[0])
	c := Curl{Header: http.Header{}}
	for i := 1; i < len(words); i++ {
		switch w := words[i]; {
		case w == "-i":
		case w == "-H":
			i++
			require.Less(t, i, len(words), "-H without a value in %q", line)
			name, value, ok := strings.Cut(words[i], ": ")
			require.True(t, ok, "header %q", words[i])
			c.Header.Add(name, value)
		case strings.HasPrefix(w, "-"):
			t.Fatalf("unexpected curl option %q in %q", w, line)
		default:
			require.Empty(t, c.URL, "two URLs in %q", line)
			c.URL = w
		}
	}
	require.NotEmpty(t, c.URL, "no URL in %q", line)
	return c
}

// shellWords splits a command line as a POSIX shell does for the subset the
// examples print: words separated by spaces, single-quoted strings. Any
// other shell metacharacter fails the test, since pasting would not give
// the words the test reads.
func shellWords(t testing.TB, line string) []string {
	t.Helper()
	var words []string
	var w strings.Builder
	inWord, quoted := false, false
	for _, r := range line {
		switch {
		case quoted && r == '\'':
			quoted = false
		case quoted:
			w.WriteRune(r)
		case r == '\'':
			quoted, inWord = true, true
		case r == ' ':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			require.NotContains(t, "\"\\$`&;|<>()*?[]{}~#!\t", string(r), "unquoted shell metacharacter in %q", line)
			w.WriteRune(r)
			inWord = true
		}
	}
	require.False(t, quoted, "unterminated quote in %q", line)
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// Response is what a test reads of an answer.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// Do makes the request of c.
func (c Curl) Do(t testing.TB) Response {
	t.Helper()
	return Get(t, c.URL, c.Header)
}

// Get makes a GET request to url with header (which may be nil).
func Get(t testing.TB, url string, header http.Header) Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if header != nil {
		req.Header = header.Clone()
	}
	client := &http.Client{Timeout: waitLimit}
	res, err := client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return Response{res.StatusCode, res.Header, string(body)}
}

// Bearer is the header that sends tok.
func Bearer(tok string) http.Header {
	return http.Header{"Authorization": {"Bearer " + tok}}
}

// Tamper returns tok with its payload re-encoded after edit, keeping the
// original header and signature.
func Tamper(t testing.TB, tok string, edit func(claims map[string]any)) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(raw, &claims))
	edit(claims)
	raw, err = json.Marshal(claims)
	require.NoError(t, err)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}
