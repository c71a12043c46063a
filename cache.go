package tokengate

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// maxCachedToken is the longest token the verified-token cache keeps.
const maxCachedToken = 4 << 10

// maxCacheEntries is the most entries WithCache takes: New allocates 16
// bytes per entry at once (256 MiB here), and a full cache holds about
// 850 more per entry.
const maxCacheEntries = 1 << 24

// cacheWays is how many entries share one set of the verified-token cache:
// a token can live only in the set its fingerprint names, and a full set
// evicts one of its own entries.
const cacheWays = 8

// tokenCache holds verified tokens for WithCache. It keeps no token: an
// entry is found by the token's fingerprint (see fingerprinter), a 128-bit
// keyed cryptographic digest, and holds the token's claims in a compact
// form (frozenClaims: strings as offsets into the verified payload), the
// key that verified the token and its issuer, so that a hit can check the
// key is still current.
//
// The cache is set-associative with two choices: slots holds exactly the
// configured number of entries, in sets of cacheWays, and a fingerprint
// names two sets, either of which may hold it (which fills the cache
// evenly: one choice leaves about a tenth of it unused when full). tags
// holds each slot's fingerprint's low half, so that a lookup reads two
// cache lines of tags and loads only the entry that matches.
//
// Hits take no lock: they load tags and slots atomically, compare the whole
// fingerprint, and mark the entry as referenced (a store only when the mark
// is not set yet, so hot entries cost no writes). Inserts and drops take
// the sets' locks. A full pair of sets evicts with CLOCK within one of them:
// from the set's hand, a referenced entry loses its mark and is passed
// over, and the first unmarked one is replaced. An entry that is hit
// between two passes of the hand survives any number of inserts of tokens
// seen once.
type tokenCache struct {
	tags  []atomic.Uint64 // per slot, its entry's tag (see tag); 0 when free
	slots []atomic.Pointer[cacheEntry]
	sets  uint64
	hands []uint8        // per set, its CLOCK hand; under the set's lock
	locks [64]sync.Mutex // set s is written under locks[s%64]
	fp    fingerprinter  // token → fingerprint
}

// cacheEntry is one verified token. It is immutable once published, but
// for ref.
type cacheEntry struct {
	fp     fingerprint
	ref    atomic.Bool // hit since the CLOCK hand last passed it
	key    *key
	iss    *issuer // whose keys verified the token, and whose audience applies
	claims frozenClaims
}

// newTokenCache returns a cache of entries slots: it allocates 16 bytes per
// entry now, and the entries as tokens are verified.
func newTokenCache(entries int) *tokenCache {
	sets := (entries + cacheWays - 1) / cacheWays
	return &tokenCache{
		tags:  make([]atomic.Uint64, entries),
		slots: make([]atomic.Pointer[cacheEntry], entries),
		sets:  uint64(sets),
		hands: make([]uint8, sets),
		fp:    newFingerprinter(),
	}
}

// tag is what tags holds for f: never 0.
func (f fingerprint) tag() uint64 { return f.lo | 1 }

// choices returns f's two sets (equal when there is one set).
func (c *tokenCache) choices(f fingerprint) (a, b uint64) {
	// f is uniform: a multiply spreads each half over the sets.
	a, _ = bits.Mul64(f.lo, c.sets)
	b, _ = bits.Mul64(f.hi, c.sets)
	return a, b
}

// bounds returns set s's slots.
func (c *tokenCache) bounds(s uint64) (lo, hi int) {
	lo = int(s) * cacheWays
	return lo, min(lo+cacheWays, len(c.slots))
}

// find returns the slot of set s holding f, or -1.
func (c *tokenCache) find(s uint64, f fingerprint) (int, *cacheEntry) {
	t := f.tag()
	lo, hi := c.bounds(s)
	for i := lo; i < hi; i++ {
		if c.tags[i].Load() == t {
			if e := c.slots[i].Load(); e != nil && e.fp == f {
				return i, e
			}
		}
	}
	return -1, nil
}

// get returns the entry with fingerprint f, or nil.
func (c *tokenCache) get(f fingerprint) *cacheEntry {
	a, b := c.choices(f)
	_, e := c.find(a, f)
	if e == nil && b != a {
		_, e = c.find(b, f)
	}
	if e != nil && !e.ref.Load() {
		e.ref.Store(true)
	}
	return e
}

// lock locks sets a and b, in an order that cannot deadlock, and returns
// the unlock.
func (c *tokenCache) lock(a, b uint64) func() {
	n := uint64(len(c.locks))
	la, lb := &c.locks[a%n], &c.locks[b%n]
	switch {
	case a%n == b%n:
		la.Lock()
		return la.Unlock
	case a%n > b%n:
		la, lb = lb, la
	}
	la.Lock()
	lb.Lock()
	return func() { lb.Unlock(); la.Unlock() }
}

// store puts e into slot i.
func (c *tokenCache) store(i int, e *cacheEntry) {
	c.tags[i].Store(0) // a reader between the two stores sees no match
	c.slots[i].Store(e)
	if e != nil {
		c.tags[i].Store(e.fp.tag())
	}
}

// put adds e: in place of an entry with the same fingerprint, or in a free
// slot of the emptier of its two sets, or else in place of an entry of one
// of them chosen by CLOCK (see tokenCache).
func (c *tokenCache) put(e *cacheEntry) {
	a, b := c.choices(e.fp)
	defer c.lock(a, b)()
	for _, s := range [2]uint64{a, b} {
		if i, _ := c.find(s, e.fp); i >= 0 { // verified again since (a concurrent miss)
			c.store(i, e)
			return
		}
	}
	free, nfree := -1, 0
	for _, s := range [2]uint64{a, b} {
		lo, hi := c.bounds(s)
		n, first := 0, -1
		for i := lo; i < hi; i++ {
			if c.slots[i].Load() == nil {
				n++
				if first < 0 {
					first = i
				}
			}
		}
		if n > nfree {
			free, nfree = first, n
		}
		if a == b {
			break
		}
	}
	if free < 0 {
		// The choice takes a bit that neither set depends on (they come
		// from the top bits of each half): with hi's top bit, the second
		// set would always be in the upper half of the sets, which would
		// then take three quarters of the evictions.
		s := a
		if e.fp.hi&1 == 1 {
			s = b
		}
		lo, hi := c.bounds(s)
		n, h := hi-lo, int(c.hands[s])
		// Two turns at most: hits that mark entries again while the hand
		// moves cannot keep it turning.
		for range 2 * n {
			old := c.slots[lo+h].Load()
			if old == nil || !old.ref.Load() {
				break
			}
			old.ref.Store(false)
			h = (h + 1) % n
		}
		free = lo + h
		c.hands[s] = uint8((h + 1) % n)
	}
	c.store(free, e)
}

// drop removes e, if it is still cached.
func (c *tokenCache) drop(e *cacheEntry) {
	a, b := c.choices(e.fp)
	defer c.lock(a, b)()
	for _, s := range [2]uint64{a, b} {
		if i, found := c.find(s, e.fp); found == e {
			c.store(i, nil)
			return
		}
	}
}

// len returns the number of entries held.
func (c *tokenCache) len() int {
	n := 0
	for i := range c.slots {
		if c.slots[i].Load() != nil {
			n++
		}
	}
	return n
}

// fingerprint is a token's 128-bit cache key.
type fingerprint struct{ lo, hi uint64 }

// fingerprinter maps a token to its fingerprint with a keyed cryptographic
// function, so that no one can find two tokens with one fingerprint (one
// would get the other's claims): not even offline, since the keys are
// random, made when the cache is, and never leave it.
//
// It is GHASH-then-encrypt: AES-GCM's authentication tag over the token
// (as additional data, with a fixed nonce; GHASH is a universal hash, so
// two different tokens of up to 4 KiB share a tag with probability at most
// 2⁻¹²⁰), encrypted with AES under a second key, which makes the result a
// pseudorandom function of the token: the bits that choose a set say
// nothing about the GHASH key. This costs about a quarter of SHA-256 over
// a 700-byte token (BenchmarkCacheFingerprint), which is most of a cache
// hit's budget. Where AES-GCM with a fixed nonce is not allowed (the
// FIPS 140-only mode), the fingerprint is HMAC-SHA256 under a random key,
// truncated to 128 bits (newMACFingerprinter).
type fingerprinter struct {
	gcm  cipher.AEAD  // nil: HMAC-SHA256 from macs
	enc  cipher.Block // the second key
	macs *sync.Pool   // of hash.Hash, HMAC-SHA256 under one key; when gcm is nil
}

// fingerprintBuf is scratch memory for one fingerprint: the interfaces of
// crypto/cipher take slices that escape, so they are pooled rather than
// allocated each time. It never holds the token.
type fingerprintBuf struct {
	out   [aes.BlockSize]byte
	tag   []byte
	sum   [sha256.Size]byte
	nonce [12]byte // all zero
}

var fingerprintBufs = sync.Pool{New: func() any { return new(fingerprintBuf) }}

func newFingerprinter() fingerprinter {
	var k1, k2 [16]byte
	rand.Read(k1[:]) // never fails (crypto/rand)
	rand.Read(k2[:])
	b1, err1 := aes.NewCipher(k1[:])
	b2, err2 := aes.NewCipher(k2[:])
	if err1 != nil || err2 != nil {
		return newMACFingerprinter()
	}
	gcm, err := cipher.NewGCM(b1)
	if err != nil {
		return newMACFingerprinter()
	}
	return fingerprinter{gcm: gcm, enc: b2}
}

// newMACFingerprinter returns the fingerprinter for where AES-GCM with a
// fixed nonce is not allowed: HMAC-SHA256 under a random 256-bit key.
func newMACFingerprinter() fingerprinter {
	key := make([]byte, sha256.Size)
	rand.Read(key) // never fails (crypto/rand)
	return fingerprinter{macs: &sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
}

// of returns token's fingerprint.
func (p fingerprinter) of(token string) fingerprint {
	// The token's own bytes, not a copy: GCM and HMAC only read them.
	in := unsafe.Slice(unsafe.StringData(token), len(token))
	b := fingerprintBufs.Get().(*fingerprintBuf)
	if p.gcm == nil {
		mac := p.macs.Get().(hash.Hash)
		mac.Reset()
		mac.Write(in)
		copy(b.out[:], mac.Sum(b.sum[:0]))
		p.macs.Put(mac)
	} else {
		b.tag = p.gcm.Seal(b.tag[:0], b.nonce[:], nil, in)
		p.enc.Encrypt(b.out[:], b.tag)
	}
	f := fingerprint{binary.LittleEndian.Uint64(b.out[:8]), binary.LittleEndian.Uint64(b.out[8:])}
	fingerprintBufs.Put(b)
	return f
}

// frozenClaims is a verified claim set as the cache keeps it: about a
// third of the memory of a Claims with its arrays. Its strings are spans of
// text (the verified payload, which they nearly all come from) or of extra
// (those that are not in it: unescaped or derived values). It is never
// written after freeze; thaw hands out copies.
type frozenClaims struct {
	text, extra   string
	strs          [numFrozenStrs]span
	exp, nbf, iat time.Time
	lists         []span // Audience, TokenIDs, Scopes, then Wallets (chain, address)
	nAud, nIDs    int16  // lengths in lists; -1 for a nil slice
	nScopes, nWal int16
	bal           *big.Rat
	bals          *TokenBalances
}

// The Claims strings in frozenClaims.strs, in this order.
const (
	frIssuer = iota
	frSubject
	frID
	frChain
	frWallet
	frDisplay
	frContract
	frEmail
	numFrozenStrs
)

// span is a string of frozenClaims: text[off:off+n], or extra[…] when off
// has spanExtra set.
type span struct{ off, n uint16 }

const spanExtra = 1 << 15

// maxFrozenText bounds text and extra, so that offsets fit a span.
const maxFrozenText = spanExtra - 1

// freeze returns the compact form of c, with deep copies of its balances.
// It reports false when c does not fit one (texts over 32 KiB, more than
// 32,767 elements in a list), and the token is then not cached.
func freeze(c *Claims) (frozenClaims, bool) {
	n := len(c.Audience) + len(c.TokenIDs) + len(c.Scopes) + 2*len(c.Wallets)
	if len(c.raw) > maxFrozenText || n > maxFrozenText {
		return frozenClaims{}, false
	}
	// A copy of the text: the verified payload may share an allocation with
	// the claims box it was read into (see boxedText), which the cache
	// must not keep.
	f := frozenClaims{text: strings.Clone(c.raw), exp: c.ExpiresAt, nbf: c.NotBefore, iat: c.IssuedAt}
	var extra string
	ok := true
	at := func(s string) span {
		if s == "" {
			return span{}
		}
		if i := offsetIn(c.raw, s); i >= 0 {
			return span{uint16(i), uint16(len(s))}
		}
		if i := strings.Index(extra, s); i >= 0 {
			return span{uint16(i) | spanExtra, uint16(len(s))}
		}
		if len(extra)+len(s) > maxFrozenText {
			ok = false
			return span{}
		}
		extra += s
		return span{uint16(len(extra)-len(s)) | spanExtra, uint16(len(s))}
	}
	for i, s := range [numFrozenStrs]string{c.Issuer, c.Subject, c.ID, c.Chain, c.WalletAddress,
		c.DisplayAddress, c.ContractAddress, c.Email} {
		f.strs[i] = at(s)
	}
	if n > 0 {
		f.lists = make([]span, 0, n)
	}
	list := func(ss []string) int16 {
		if ss == nil {
			return -1
		}
		for _, s := range ss {
			f.lists = append(f.lists, at(s))
		}
		return int16(len(ss))
	}
	f.nAud, f.nIDs, f.nScopes = list(c.Audience), list(c.TokenIDs), list(c.Scopes)
	f.nWal = -1
	if c.Wallets != nil {
		for _, w := range c.Wallets {
			f.lists = append(f.lists, at(w.Chain), at(w.Address))
		}
		f.nWal = int16(len(c.Wallets))
	}
	f.extra = extra
	if c.TokenBalance != nil {
		f.bal = new(big.Rat).Set(c.TokenBalance)
	}
	// The keys, too, must not point into the verification's payload: into
	// the entry's own copy of it, or copies when not found there.
	f.bals = c.TokenBalances.cloneKeys(func(k string) string {
		if i := offsetIn(c.raw, k); i >= 0 {
			return f.text[i : i+len(k)]
		}
		return strings.Clone(k)
	})
	return f, ok
}

// offsetIn returns where s is in text: the offset of its bytes when they
// are text's own (a substring, as the claims read from a payload without
// escapes are), else the index of its first occurrence, or -1. The first
// costs no search, so a claim set of many strings freezes in linear time.
func offsetIn(text, s string) int {
	if len(s) == 0 || len(s) > len(text) {
		return strings.Index(text, s)
	}
	base, p := uintptr(unsafe.Pointer(unsafe.StringData(text))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
	if p >= base && p-base <= uintptr(len(text)-len(s)) {
		return int(p - base)
	}
	return strings.Index(text, s)
}

func (f *frozenClaims) str(s span) string {
	if s.off&spanExtra != 0 {
		o := s.off &^ spanExtra
		return f.extra[o : o+s.n]
	}
	return f.text[s.off : s.off+s.n]
}

// strings returns the next n strings of lists (nil for n = -1), in dst
// when they fit.
func (f *frozenClaims) strings(lists *[]span, n int16, dst []string) []string {
	if n < 0 {
		return nil
	}
	if int(n) > cap(dst) {
		dst = make([]string, 0, n)
	}
	for _, s := range (*lists)[:n] {
		dst = append(dst, f.str(s))
	}
	*lists = (*lists)[n:]
	return dst
}

// thaw returns a Claims of its own: what a handler does to it never
// reaches the cache or another request. For a usual token it costs one
// allocation.
func (f *frozenClaims) thaw() *Claims {
	box := &claimsBox{}
	c := &box.c
	c.raw, c.box = f.text, box
	c.Issuer, c.Subject, c.ID = f.str(f.strs[frIssuer]), f.str(f.strs[frSubject]), f.str(f.strs[frID])
	c.Chain, c.WalletAddress = f.str(f.strs[frChain]), f.str(f.strs[frWallet])
	c.DisplayAddress, c.ContractAddress = f.str(f.strs[frDisplay]), f.str(f.strs[frContract])
	c.Email = f.str(f.strs[frEmail])
	c.ExpiresAt, c.NotBefore, c.IssuedAt = f.exp, f.nbf, f.iat
	lists := f.lists
	c.Audience = f.strings(&lists, f.nAud, box.aud[:0:len(box.aud)])
	c.TokenIDs = f.strings(&lists, f.nIDs, box.ids[:0:len(box.ids)])
	c.Scopes = f.strings(&lists, f.nScopes, []string{}) // an empty list stays non-nil
	if f.nWal >= 0 {
		ws := box.wallet[:0:len(box.wallet)]
		if int(f.nWal) > cap(ws) {
			ws = make([]WalletAccount, 0, f.nWal)
		}
		for i := range int(f.nWal) {
			ws = append(ws, WalletAccount{Chain: f.str(lists[2*i]), Address: f.str(lists[2*i+1])})
		}
		c.Wallets = ws
	}
	if f.bal != nil {
		c.TokenBalance = setRat(&box.bal, f.bal, &box.words)
	}
	c.TokenBalances = f.bals.clone()
	return c
}

// setRat sets z to x and returns z, as z.Set(x) does, but in w's arrays
// when x fits them (see ratWords): no allocation. z shares no memory with x
// afterwards.
func setRat(z, x *big.Rat, w *ratWords) *big.Rat {
	n, d := x.Num(), x.Denom()
	if x.Sign() < 0 || !n.IsUint64() || !d.IsUint64() {
		return z.Set(x)
	}
	return w.set(z, n.Uint64(), d.Uint64())
}

// clone is a deep copy of c: what a handler does to its claims never
// reaches the cache or another request. The verified payload is shared; it
// is never written.
func (c *Claims) clone() *Claims {
	box := &claimsBox{c: *c}
	d := &box.c
	d.box = box
	if c.Audience != nil {
		d.Audience = append(box.aud[:0:len(box.aud)], c.Audience...)
	}
	if c.TokenIDs != nil {
		d.TokenIDs = append(box.ids[:0:len(box.ids)], c.TokenIDs...)
	}
	if c.TokenBalance != nil {
		d.TokenBalance = box.bal.Set(c.TokenBalance)
	}
	d.TokenBalances = c.TokenBalances.clone()
	if len(c.Wallets) <= len(box.wallet) && c.Wallets != nil {
		d.Wallets = append(box.wallet[:0:len(box.wallet)], c.Wallets...)
	} else {
		d.Wallets = slices.Clone(c.Wallets)
	}
	d.Scopes = slices.Clone(c.Scopes)
	return d
}

// sameKey reports whether a and b verify alike: the same kid, algorithm and
// key material.
func sameKey(a, b *key) bool {
	if a.kid != b.kid || a.alg != b.alg {
		return false
	}
	if sa, ok := a.raw.([]byte); ok {
		sb, ok := b.raw.([]byte)
		return ok && hmac.Equal(sa, sb)
	}
	pa, ok := a.raw.(interface{ Equal(crypto.PublicKey) bool })
	return ok && pa.Equal(b.raw)
}
