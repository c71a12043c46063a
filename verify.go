package tokengate

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/lestrrat-go/jwx/v2/jwa"
)

// Size limits checked before anything is decoded.
const (
	maxTokenBytes  = 16 << 10 // a whole compact token
	maxHeaderBytes = 2 << 10  // its encoded header segment
)

// header is the JOSE header of a compact JWS, as decodeHeader reads it:
// the members tokengate uses, and whether those it refuses are present.
type header struct {
	Alg, Kid, Cty       string
	Crit, B64, Enc, Zip bool
}

// verify runs the verification pipeline on one compact token: size and form,
// header, key choice by iss then kid, signature, claims.
func (m *Middleware) verify(ctx context.Context, token string) (*Claims, error) {
	if m.cache == nil || len(token) > maxCachedToken {
		c, _, _, err := m.verifyToken(ctx, token)
		return c, err
	}
	if e := m.cache.get(token); e != nil {
		// A hit is rechecked: the key must still be current, and exp, nbf,
		// iat, lifetime and audience still hold now.
		if e.keys.current(e.key) && m.checkClaims(e.claims) == nil {
			return e.claims.clone(), nil
		}
		m.cache.drop(token)
	}
	c, k, keys, err := m.verifyToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if k != nil { // remote answers keep to their own cache and its TTL
		m.cache.put(token, &cacheEntry{claims: c.clone(), key: k, keys: keys})
	}
	return c, nil
}

// verifyToken is the uncached pipeline. Besides the claims it returns the
// key that verified the token and that key's provider.
func (m *Middleware) verifyToken(ctx context.Context, token string) (*Claims, *key, keyProvider, error) {
	t, err := parseCompact(token)
	if err != nil {
		return nil, nil, nil, err
	}
	var h header
	if err := h.decode(t.header); err != nil {
		return nil, nil, nil, err
	}
	if err := m.checkAlg(&h); err != nil {
		return nil, nil, nil, err
	}
	c, err := decodePayload(t.payload)
	if err != nil {
		return nil, nil, nil, err
	}
	keys, ok := m.issuers[c.Issuer]
	if !ok {
		if keys = m.fallback; keys == nil {
			return nil, nil, nil, fmt.Errorf("%w: no keys for this issuer", ErrIssuer)
		}
	}
	if rv, ok := keys.(remoteValidator); ok {
		// The issuer publishes no keys: it validates the whole token, and
		// its answer's claims replace the unverified payload's.
		if c, err = rv.validate(ctx, token); err != nil {
			return nil, nil, nil, err
		}
		if err := m.checkClaims(c); err != nil {
			return nil, nil, nil, err
		}
		return c, nil, keys, nil
	}
	k, err := checkSignature(ctx, keys, &t, &h)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := m.checkClaims(c); err != nil {
		return nil, nil, nil, err
	}
	return c, k, keys, nil
}

// compact is a token that passed the form check: its three segments decoded,
// and the signing input exactly as received.
type compact struct {
	signingInput []byte // "header.payload", the bytes the signature covers
	header       []byte
	payload      []byte
	signature    []byte
}

// parseCompact is the form check, done before any JSON is read: at most
// maxTokenBytes, exactly three dot-separated segments, a header segment of at
// most maxHeaderBytes, and each segment strict base64url (see decodeSegment);
// the header and signature must not be empty. The JWE form (five segments)
// and the JSON serializations fail here; an empty payload (detached content,
// RFC 7515 Appendix F) fails when the payload is decoded.
func parseCompact(token string) (compact, error) {
	if len(token) > maxTokenBytes {
		return compact{}, fmt.Errorf("%w: token longer than %d bytes", ErrMalformed, maxTokenBytes)
	}
	hseg, rest, ok1 := strings.Cut(token, ".")
	pseg, sseg, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(sseg, '.') >= 0 {
		return compact{}, fmt.Errorf("%w: not three dot-separated segments", ErrMalformed)
	}
	if len(hseg) > maxHeaderBytes {
		return compact{}, fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, maxHeaderBytes)
	}
	// Two allocations: the token's bytes (whose prefix is the signing
	// input), and one buffer for the three decoded segments.
	tb := []byte(token)
	n := len(hseg) + 1 + len(pseg)
	t := compact{signingInput: tb[:n:n]}
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, enc.DecodedLen(len(hseg))+enc.DecodedLen(len(pseg))+enc.DecodedLen(len(sseg)))
	var err error
	if t.header, buf, err = decodeSegment(buf, tb[:len(hseg)]); err != nil {
		return compact{}, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	// An empty payload passes the form check (RFC 7515 allows it) and is
	// refused as a claim set: it is not a JSON object.
	if pseg != "" {
		if t.payload, buf, err = decodeSegment(buf, tb[len(hseg)+1:n]); err != nil {
			return compact{}, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
		}
	}
	if t.signature, _, err = decodeSegment(buf, tb[n+1:]); err != nil {
		return compact{}, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	return t, nil
}

// decode reads the JOSE header strictly (see header and scanJSON) and
// refuses what this verifier does not implement: crit (RFC 7515 §4.1.11:
// unknown critical extensions must be refused, and none is supported), b64
// (RFC 7797), enc and zip (a JWE header), and cty (a nested token, RFC 7519
// §5.2).
func (h *header) decode(b []byte) error {
	deep, variant := scanJSON(b)
	if deep {
		return fmt.Errorf("%w: header: JSON nested deeper than %d", ErrMalformed, maxJSONDepth)
	}
	if err := decodeHeader(b, h); err != nil {
		return err
	}
	if variant {
		return fmt.Errorf("%w: header: two member names differ only in case", ErrMalformed)
	}
	switch {
	case h.Crit:
		return fmt.Errorf("%w: header has crit", ErrMalformed)
	case h.B64:
		return fmt.Errorf("%w: header has b64", ErrMalformed)
	case h.Enc || h.Zip:
		return fmt.Errorf("%w: header is a JWE header", ErrMalformed)
	case h.Cty != "":
		return fmt.Errorf("%w: header has cty (nested tokens are refused)", ErrMalformed)
	}
	return nil
}

// checkAlg refuses a header whose alg is not in the allowlist ("none" never
// is; names match exactly, so "None" or "hs256" are refused too).
func (m *Middleware) checkAlg(h *header) error {
	if !m.algs[jwa.SignatureAlgorithm(h.Alg)] {
		return fmt.Errorf("%w: alg not allowed", ErrAlgorithm)
	}
	return nil
}

// decodePayload reads the claim set strictly (see decodeClaims and
// scanJSON) into Claims. Its iss chooses the keys; nothing in it is trusted
// before the signature is checked.
func decodePayload(b []byte) (*Claims, error) {
	if len(b) == 0 {
		return nil, fmt.Errorf("%w: empty payload (detached content is refused)", ErrMalformed)
	}
	deep, variant := scanJSON(b)
	if deep {
		return nil, fmt.Errorf("%w: payload: JSON nested deeper than %d", ErrMalformed, maxJSONDepth)
	}
	c, err := decodeClaims(b)
	if err != nil {
		return nil, err
	}
	if variant {
		return nil, fmt.Errorf("%w: payload: two member names differ only in case", ErrMalformed)
	}
	c.raw = b
	return c, nil
}

// checkSignature finds the key for the token among keys (by kid, bound to one
// algorithm), requires that algorithm to be the header's, and verifies the
// signature over the signing input as received. The header's jku, x5u, jwk
// and x5c are never consulted: keys come from configuration only.
func checkSignature(ctx context.Context, keys keyProvider, t *compact, h *header) (*key, error) {
	alg := jwa.SignatureAlgorithm(h.Alg)
	k, err := keys.lookup(ctx, h.Kid, alg)
	if err != nil {
		return nil, err
	}
	if k.alg != alg {
		return nil, fmt.Errorf("%w: header alg differs from the key's", ErrAlgorithm)
	}
	if err := k.verifier.Verify(t.signingInput, t.signature, k.raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return k, nil
}

// maxJSONDepth bounds the nesting of the header and the payload. Real claim
// sets nest three deep at most ("tokenBalances"); without a bound of its own
// the JSON decoder allows 10000 levels, and a 16 KiB token nested that way
// costs some half a megabyte of allocations before its signature is checked.
const maxJSONDepth = 32

// scanJSON is a light pass over a header or payload before it is decoded. It
// reports whether the text nests deeper than maxJSONDepth, and whether two
// top-level member names are equal under Unicode simple case folding, as
// "iss" and "ISS", or "sub" and "ſub" (strings.EqualFold; encoding/json
// matches names this way). tokengate matches names exactly, but another
// consumer of the same token may not and would then act on a claim other
// than the one checked here, so such a token is refused.
//
// The scan does not validate: on text that is not JSON its answers mean
// nothing, and the strict decoder refuses the text anyway. On valid JSON it
// finds every top-level name. It allocates nothing unless a name is escaped
// or there are more than 32 names; up to 32, each name's folded form is
// compared only with earlier names of the same 6-bit hash, and more names are
// sorted, so a hostile object of thousands of names costs O(n log n).
func scanJSON(b []byte) (tooDeep, caseVariant bool) {
	var keyBuf [512]byte
	var offBuf [33]int
	var hashBuf [32]uint8
	keys, offs, hashes := keyBuf[:0], offBuf[:1], hashBuf[:0]
	var seen uint64 // bit h set: a name of hash h was seen
	depth, wantName := 0, false
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '{':
			depth++
			wantName = depth == 1
		case '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			wantName = depth == 1
		case '"':
			end := closingQuote(b, i+1)
			if end == len(b) {
				return false, false // unterminated string: not JSON
			}
			if wantName && !caseVariant {
				wantName = false
				name := b[i+1 : end]
				if bytes.IndexByte(name, '\\') >= 0 {
					var err error
					if name, err = jsontext.AppendUnquote(nil, b[i:end+1]); err != nil {
						return false, false // not JSON
					}
				}
				start := len(keys)
				keys = appendFolded(keys, name)
				offs = append(offs, len(keys))
				if len(hashes) < len(hashBuf) {
					h := foldHash(keys[start:])
					if seen&(1<<h) != 0 {
						for j, hj := range hashes {
							if hj == h && bytes.Equal(keys[offs[j]:offs[j+1]], keys[start:]) {
								caseVariant = true
							}
						}
					}
					seen |= 1 << h
					hashes = append(hashes, h)
				}
			}
			i = end
		}
		if depth > maxJSONDepth {
			return true, caseVariant
		}
	}
	if !caseVariant && len(offs)-1 > len(hashBuf) {
		caseVariant = sortedHasDuplicate(keys, offs)
	}
	return false, caseVariant
}

// foldHash is a 6-bit hash of a folded name.
func foldHash(k []byte) uint8 {
	h := uint32(len(k))
	for _, c := range k {
		h = h*31 + uint32(c)
	}
	return uint8(h^h>>6^h>>12) & 63
}

// sortedHasDuplicate reports whether two of the keys keys[offs[i]:offs[i+1]]
// are equal, by sorting them.
func sortedHasDuplicate(keys []byte, offs []int) bool {
	key := func(i int) []byte { return keys[offs[i]:offs[i+1]] }
	idx := make([]int, len(offs)-1)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return bytes.Compare(key(a), key(b)) })
	for i := 1; i < len(idx); i++ {
		if bytes.Equal(key(idx[i-1]), key(idx[i])) {
			return true
		}
	}
	return false
}

// closingQuote returns the index of the quote that ends the JSON string whose
// contents start at b[from]: the first quote not escaped by a backslash; or
// len(b) when there is none.
func closingQuote(b []byte, from int) int {
	j := from
	for j < len(b) && b[j] != '"' {
		if b[j] == '\\' {
			j++ // skip the escaped byte; \uXXXX needs no more care
		}
		j++
	}
	return min(j, len(b))
}

// appendFolded appends name in a canonical case-folded form: each rune
// becomes the smallest rune of its simple folding orbit (so 'k', 'K' and the
// Kelvin sign all become 'K'). Two names fold to the same bytes exactly when
// strings.EqualFold reports them equal.
func appendFolded(dst, name []byte) []byte {
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(name[i:])
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		dst = utf8.AppendRune(dst, min)
		i += size
	}
	return dst
}

// jsonProblem names the kind of a JSON decoding error. The error's own text
// quotes member names and bytes of a token whose signature is not checked
// yet, so none of it reaches errors and logs.
func jsonProblem(err error) string {
	var syn *jsontext.SyntacticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		return "duplicate member name"
	case errors.As(err, &syn):
		return "invalid JSON"
	default:
		return "a member has the wrong type"
	}
}

// decodeSegment decodes one base64url segment strictly (only the URL-safe
// alphabet, no padding, no line breaks, no stray bits; an empty segment is
// refused), appending it to buf. It returns the decoded bytes and the grown
// buffer.
func decodeSegment(buf, s []byte) (seg, rest []byte, err error) {
	if len(s) == 0 {
		return nil, buf, fmt.Errorf("empty segment")
	}
	for i := 0; i < len(s); i++ {
		if !base64urlAlphabet[s[i]] {
			return nil, buf, fmt.Errorf("byte %d is outside the base64url alphabet", i)
		}
	}
	out, err := base64.RawURLEncoding.Strict().AppendDecode(buf, s)
	if err != nil {
		return nil, buf, err
	}
	seg = out[len(buf):len(out):len(out)]
	return seg, out, nil
}

// base64urlAlphabet marks the bytes of the base64url alphabet.
var base64urlAlphabet = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// checkClaims applies the time, lifetime and audience rules.
func (m *Middleware) checkClaims(c *Claims) error {
	now := m.cfg.now()
	if !now.Before(c.ExpiresAt.Add(m.cfg.skew)) {
		return fmt.Errorf("%w: exp has passed", ErrExpired)
	}
	if !c.NotBefore.IsZero() && now.Add(m.cfg.skew).Before(c.NotBefore) {
		return fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	}
	if !c.IssuedAt.IsZero() && now.Add(m.cfg.skew).Before(c.IssuedAt) {
		return fmt.Errorf("%w: iat is in the future", ErrNotYetValid)
	}
	if m.cfg.maxLifetime > 0 {
		start := c.IssuedAt
		if start.IsZero() {
			start = now
		}
		if c.ExpiresAt.Sub(start) > m.cfg.maxLifetime {
			return fmt.Errorf("%w: lifetime exceeds the maximum", ErrExpired)
		}
	}
	if len(c.Audience) > 0 || len(m.cfg.audience) > 0 {
		for _, a := range c.Audience {
			for _, want := range m.cfg.audience {
				if a == want {
					return nil
				}
			}
		}
		return fmt.Errorf("%w: no accepted audience", ErrAudience)
	}
	return nil
}

// maxDecimalLen bounds a decimal claim, so that no claim costs more than a
// few hundred bytes of arithmetic.
const maxDecimalLen = 100

// isDecimal reports whether s is digits, optionally followed by a point and
// digits, at most maxDecimalLen bytes long.
func isDecimal(s string) bool {
	if s == "" || len(s) > maxDecimalLen {
		return false
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(intPart) && (!hasPoint || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
