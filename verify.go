package tokengate

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate/internal/jsonerr"
)

// Size limits checked before anything is decoded.
const (
	maxTokenBytes  = 16 << 10 // a whole compact token
	maxHeaderBytes = 2 << 10  // its encoded header segment
)

// header is the JOSE header of a compact JWS, as decodeHeader reads it:
// the members tokengate uses, and whether those it refuses are present.
type header struct {
	Alg, Kid, Cty, Typ  string
	Crit, B64, Enc, Zip bool
}

// verify runs the verification pipeline on one compact token: size and form,
// header, key choice by iss then kid, signature, claims.
// With b64token, a token the cache does not hold must be an RFC 6750
// b64token (see bearerToken).
func (m *Middleware) verify(ctx context.Context, token string, b64token bool, d *decisionMeta) (*Claims, error) {
	cacheable := m.cache != nil && len(token) <= maxCachedToken
	var fp fingerprint
	if cacheable {
		fp = m.cache.fp.of(token)
		if e := m.cache.get(fp); e != nil {
			// A hit is rechecked: the key must still be current, and exp,
			// nbf, iat, lifetime and audience still hold now.
			if e.iss.keys.current(e.key) {
				if c := e.claims.thaw(); m.checkClaims(c, e.iss) == nil {
					if d != nil {
						d.issuer, d.cached = e.iss.name, true
					}
					return c, nil
				}
			}
			m.cache.drop(e)
		}
	}
	c, k, is, err := m.verifyToken(ctx, token, b64token)
	if d != nil && is != nil {
		d.issuer = is.name
	}
	if err != nil {
		return nil, err
	}
	if cacheable && k != nil { // remote answers keep to their own cache and its TTL
		if f, ok := freeze(c); ok {
			m.cache.put(&cacheEntry{fp: fp, key: k, iss: is, claims: f})
		}
	}
	return c, nil
}

// verifyToken is the uncached pipeline. Besides the claims it returns the
// key that verified the token and the token's issuer. With b64token, a
// token that is not an RFC 6750 b64token fails with errNotB64Token: it is
// checked only when the form check fails, since every token that passes
// it (base64url segments and dots) is a b64token.
func (m *Middleware) verifyToken(ctx context.Context, token string, b64token bool) (*Claims, *key, *issuer, error) {
	bp := scratch.Get().(*[]byte)
	defer scratch.Put(bp)
	t, grown, err := parseCompact(token, *bp, parseMode{headers: &m.headers, ownPayload: true})
	*bp = grown
	if err != nil {
		if b64token && !isB64Token(token) {
			err = errNotB64Token
		}
		return nil, nil, nil, err
	}
	var h header
	if t.cached != nil {
		h = *t.cached
	} else {
		if err := h.decode(t.header); err != nil {
			return nil, nil, nil, err
		}
		m.headers.put(t.headerSeg, h)
	}
	if err := m.checkAlg(&h); err != nil {
		return nil, nil, nil, err
	}
	c, err := decodePayloadString(payloadString(t.payload), t.box)
	if err != nil {
		return nil, nil, nil, err
	}
	is, ok := m.issuers[c.Issuer]
	if !ok {
		if is = m.fallback; is == nil {
			return nil, nil, nil, fmt.Errorf("%w: no keys for this issuer", ErrIssuer)
		}
	}
	if err := is.checkHeader(&h); err != nil {
		return nil, nil, is, err
	}
	var k *key
	if rv, ok := is.keys.(remoteValidator); ok {
		// The issuer publishes no keys: it validates the whole token, and
		// its answer's claims replace the unverified payload's.
		unverified := c
		if c, err = rv.validate(ctx, token); err != nil {
			return nil, nil, is, err
		}
		tokenRaw := unverified.raw
		c.tokenRaw = &tokenRaw
	} else if k, err = checkSignature(ctx, is.keys, &t, &h); err != nil {
		return nil, nil, is, err
	}
	if err := m.checkClaims(c, is); err != nil {
		return nil, nil, is, err
	}
	if err := is.finish(c); err != nil {
		return nil, nil, is, err
	}
	return c, k, is, nil
}

// compact is a token that passed the form check: its three segments decoded,
// and the signing input exactly as received.
type compact struct {
	headerSeg    string  // the header segment as received
	signingInput []byte  // "header.payload", the bytes the signature covers
	header       []byte  // nil when cached is set
	cached       *header // the header of headerSeg, when a headerCache held it
	payload      []byte
	signature    []byte
	box          *claimsBox // for the payload's claims, allocated with it (ownPayload)
}

// boxedText is a claims box and room for the text its claims are read from,
// allocated together: 1,016 bytes, which with the 8-byte header Go adds to
// an object over 512 bytes that holds pointers fills the 1,024-byte size
// class exactly (TestClaimsBoxSize).
type boxedText struct {
	box  claimsBox
	text [472]byte
}

// parseMode says how parseCompact treats the header and the payload.
type parseMode struct {
	// headers, when set, is consulted for the header segment: a segment it
	// holds passed the form check and header.decode before, so it is not
	// decoded again (compact.cached is its header, compact.header nil).
	headers *headerCache
	// ownPayload decodes the payload into a new array that nothing else
	// references or ever writes, so that the caller may read it as a string
	// in place (see payloadString). Else the payload shares buf's array.
	ownPayload bool
}

// scratch holds *[]byte buffers for parseCompact. Nothing that outlives a
// verification points into one: the header and payload are read from string
// copies, or (parseMode.ownPayload) the payload is never in one.
var scratch = sync.Pool{New: func() any { return new([]byte) }}

// parseCompact is the form check, done before any JSON is read: at most
// maxTokenBytes, exactly three dot-separated segments, a header segment of at
// most maxHeaderBytes, and each segment strict base64url (see decodeSegment);
// the header and signature must not be empty. The JWE form (five segments)
// and the JSON serializations fail here; an empty payload (detached content,
// RFC 7515 Appendix F) fails when the payload is decoded. Segments are
// checked in order (header, payload, signature) and the first that fails
// names the error.
//
// The signing input is the token's own bytes, read in place: nothing may
// write to it. The decoded segments are written to buf's array when it is
// large enough (buf may be nil), else to a new one, which it returns for
// reuse; mode may leave the header undecoded or give the payload an array
// of its own.
func parseCompact(token string, buf []byte, mode parseMode) (t compact, grown []byte, err error) {
	if len(token) > maxTokenBytes {
		return compact{}, buf, fmt.Errorf("%w: token longer than %d bytes", ErrMalformed, maxTokenBytes)
	}
	first, last := strings.IndexByte(token, '.'), strings.LastIndexByte(token, '.')
	if first == last { // no dot, or one
		return compact{}, buf, errNotThreeSegments
	}
	hseg, pseg, sseg := token[:first], token[first+1:last], token[last+1:]
	// A dot in pseg would make more segments. Every later check refuses
	// such a token (the alphabet has no dot), so pseg is searched for one
	// only when a check fails, which then answers as this check would have.
	fail := func(err error) (compact, []byte, error) {
		if strings.IndexByte(pseg, '.') >= 0 {
			err = errNotThreeSegments
		}
		return compact{}, buf, err
	}
	if len(hseg) > maxHeaderBytes {
		return fail(fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, maxHeaderBytes))
	}
	if mode.headers != nil {
		t.cached, _ = mode.headers.get(hseg)
	}
	// One array for the decoded header (unless cached), payload (unless
	// it gets its own) and signature.
	hn, pn, sn := max(b64DecodedLen(len(hseg)), 0), max(b64DecodedLen(len(pseg)), 0), max(b64DecodedLen(len(sseg)), 0)
	if t.cached != nil {
		hn = 0
	}
	if mode.ownPayload {
		pn = 0
	}
	if need := hn + pn + sn; cap(buf) < need {
		buf = make([]byte, need)
	}
	out := buf[:cap(buf)]
	n := len(hseg) + 1 + len(pseg)
	t.headerSeg = hseg
	t.signingInput = unsafe.Slice(unsafe.StringData(token), n)[:n:n]
	if t.cached == nil {
		if t.header, err = decodeSegmentTo(out[:hn:hn], hseg); err != nil {
			return fail(fmt.Errorf("%w: header: %w", ErrMalformed, err))
		}
	}
	// An empty payload passes the form check (RFC 7515 allows it) and is
	// refused as a claim set: it is not a JSON object.
	if pseg != "" {
		var dst []byte
		if mode.ownPayload {
			if n := b64DecodedLen(len(pseg)); n >= 0 && n <= len(boxedText{}.text) {
				bt := new(boxedText)
				dst, t.box = bt.text[:n:n], &bt.box
			} else if n >= 0 {
				dst = make([]byte, n)
			}
		} else {
			dst = out[hn : hn+pn : hn+pn]
		}
		if t.payload, err = decodeSegmentTo(dst, pseg); err != nil {
			return fail(fmt.Errorf("%w: payload: %w", ErrMalformed, err))
		}
	}
	if t.signature, err = decodeSegmentTo(out[hn+pn:hn+pn+sn:hn+pn+sn], sseg); err != nil {
		return fail(fmt.Errorf("%w: signature: %w", ErrMalformed, err))
	}
	return t, buf, nil
}

// errNotThreeSegments is parseCompact's error for a token that does not
// have exactly three segments.
var errNotThreeSegments = fmt.Errorf("%w: not three dot-separated segments", ErrMalformed)

// decodeSegmentTo decodes the base64url segment s into dst, which is
// b64DecodedLen(len(s)) bytes long when that length is possible, as
// decodeSegment does: it accepts and refuses what decodeSegment does, with
// decodeSegment's error, and returns dst.
func decodeSegmentTo(dst []byte, s string) ([]byte, error) {
	if s != "" && decodeB64(dst, s) {
		return dst, nil
	}
	// decodeB64 refuses exactly what decodeSegment refuses (FuzzDecodeB64),
	// whose error names the problem; should it ever accept, its answer
	// stands.
	seg, _, err := decodeSegment(dst[:0:0], []byte(s))
	return seg, err
}

// decode reads the JOSE header strictly (see decodeHeader and tooDeep) and
// refuses what this verifier does not implement: crit (RFC 7515 §4.1.11:
// unknown critical extensions must be refused, and none is supported), b64
// (RFC 7797), enc and zip (a JWE header), and cty (a nested token, RFC 7519
// §5.2).
func (h *header) decode(b []byte) error {
	if tooDeep(b) {
		return fmt.Errorf("%w: header: JSON nested deeper than %d", ErrMalformed, maxJSONDepth)
	}
	if err := decodeHeader(b, h); err != nil {
		return err
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
	if !m.algs.has(jwa.SignatureAlgorithm(h.Alg)) {
		return fmt.Errorf("%w: alg not allowed", ErrAlgorithm)
	}
	return nil
}

// decodePayload reads the claim set strictly (see decodeClaims and
// tooDeep) into Claims, which keep a copy of b. Its iss chooses the keys;
// nothing in it is trusted before the signature is checked.
func decodePayload(b []byte) (*Claims, error) {
	if len(b) == 0 {
		return decodePayloadString("", nil)
	}
	return decodePayloadString(string(b), nil)
}

// decodePayloadString is decodePayload on a payload the returned Claims may
// keep as it is: s must never change.
func decodePayloadString(s string, box *claimsBox) (*Claims, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("%w: empty payload (detached content is refused)", ErrMalformed)
	}
	return decodeClaimsString(s, true, box)
}

// payloadString is the payload parseCompact decoded with
// parseMode.ownPayload, as a string sharing its array: nothing writes that
// array afterwards.
func payloadString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
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
	err = verifyWith(k, alg, t)
	if err != nil && h.Kid != "" && k.kid == "" {
		// A key without kid stood in for the token's kid, which no key
		// has, and failed: the issuer may sign with a new key that a fetch
		// of its JWKS brings, as for any unknown kid.
		if f, ok := keys.(kidFetcher); ok {
			if k2, err2 := f.lookupKid(ctx, h.Kid); err2 == nil {
				k, err = k2, verifyWith(k2, alg, t)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return k, nil
}

// verifyWith checks t's signature with k, for a token whose header names
// alg.
func verifyWith(k *key, alg jwa.SignatureAlgorithm, t *compact) error {
	if k.alg != alg {
		return fmt.Errorf("%w: header alg differs from the key's", ErrAlgorithm)
	}
	if err := k.verifier.Verify(t.signingInput, t.signature, k.raw); err != nil {
		return fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return nil
}

// jsonProblem names the kind of a JSON decoding error (see jsonerr.Kind):
// the error's own text quotes member names and bytes of a token whose
// signature is not checked yet, so none of it reaches errors and logs. The
// package's own decoding errors, which quote nothing, keep their text.
func jsonProblem(err error) string {
	if errors.Is(err, errCaseVariant) || errors.Is(err, errNotObject) || errors.Is(err, errTrailingData) {
		return err.Error()
	}
	return jsonerr.Kind(err)
}

// decodeSegment decodes one base64url segment strictly (only the URL-safe
// alphabet, no padding, no line breaks, no stray bits; an empty segment is
// refused), appending it to buf. It returns the decoded bytes and the grown
// buffer.
func decodeSegment(buf, s []byte) (seg, rest []byte, err error) {
	if len(s) == 0 {
		return nil, buf, fmt.Errorf("empty segment")
	}
	// The decoder refuses every byte outside the alphabet and "=" (it expects
	// no padding) but skips line breaks, so those are looked for first.
	if bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
		return nil, buf, fmt.Errorf("line break in segment")
	}
	out, err := base64.RawURLEncoding.Strict().AppendDecode(buf, s)
	if err != nil {
		return nil, buf, err
	}
	seg = out[len(buf):len(out):len(out)]
	return seg, out, nil
}

// checkClaims applies the time and lifetime rules, and the audience rule of
// the token's issuer.
func (m *Middleware) checkClaims(c *Claims, is *issuer) error {
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
	if len(c.Audience) > 0 || len(is.audience) > 0 {
		for _, a := range c.Audience {
			for _, want := range is.audience {
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
