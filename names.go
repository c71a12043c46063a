package tokengate

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of the header and the payload. Real claim
// sets nest three deep at most ("tokenBalances"); without a bound of its own
// the JSON decoder allows 10000 levels, and a 16 KiB token nested that way
// costs some half a megabyte of allocations before its signature is checked.
const maxJSONDepth = 32

// tooDeep reports whether the JSON text s nests deeper than maxJSONDepth. A
// text with no more than maxJSONDepth brackets and braces in all cannot, and
// is passed after two counts; any other is walked. The walk does not
// validate: on text that is not JSON its answer means nothing, and the strict
// decoder refuses the text anyway.
func tooDeep(s []byte) bool {
	if bytes.Count(s, []byte("{"))+bytes.Count(s, []byte("[")) <= maxJSONDepth {
		return false
	}
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{', '[':
			if depth++; depth > maxJSONDepth {
				return true
			}
		case '}', ']':
			depth--
		case '"':
			i = closingQuote(s, i+1)
		}
	}
	return false
}

// closingQuote returns the index of the quote that ends the JSON string whose
// contents start at b[from]: the first quote not escaped by a backslash; or
// len(b) when there is none.
func closingQuote[T string | []byte](b T, from int) int {
	j := from
	for j < len(b) && b[j] != '"' {
		if b[j] == '\\' {
			j++ // skip the escaped byte; \uXXXX needs no more care
		}
		j++
	}
	return min(j, len(b))
}

// nameSet holds the top-level member names of a header or claim set, to
// find two that are equal under Unicode simple case folding, as "iss" and
// "ISS", or "sub" and "ſub" (strings.EqualFold; encoding/json matches names
// this way). tokengate matches names exactly, but another consumer of the
// same token may not and would then act on a claim other than the one checked
// here, so such a token is refused.
//
// It keeps the names as given (substrings of the text) and allocates nothing
// for up to 32 names. Each of those is compared, as it is added, with
// strings.EqualFold against the earlier names of the same 6-bit hash (see
// foldHash), and names of wideHash with all. Past 32 names, all
// are compared at the end by sorting their folded forms, so a hostile object
// of thousands of names costs O(n log n).
type nameSet struct {
	names  []string
	hashes [32]uint8 // of the first 32 names; wideHash for non-ASCII ones
	seen   uint64    // bit h is set when one of them has hash h
	buf    [32]string
}

// wideHash marks names with bytes outside ASCII.
const wideHash = 63

func (s *nameSet) reset() {
	clear(s.buf[:min(len(s.names), len(s.buf))]) // let go of the last text's strings
	s.names, s.seen = s.buf[:0], 0
}

// add adds name and reports whether it is equal under case folding to one of
// the first 32 names added before it.
func (s *nameSet) add(name string) bool {
	i := len(s.names)
	s.names = append(s.names, name)
	if i >= len(s.hashes) {
		return false // sortedHasVariant compares the rest
	}
	h := foldHash(name)
	s.hashes[i] = h
	if s.seen&(1<<h|1<<wideHash) != 0 || h == wideHash {
		for j := range i {
			hj := s.hashes[j]
			if (hj == h || hj == wideHash || h == wideHash) && strings.EqualFold(s.names[j], name) {
				return true
			}
		}
	}
	s.seen |= 1 << h
	return false
}

// sortedHasVariant reports, when more than 32 names were added, whether two
// of all the names fold alike; with 32 or fewer, add has told already.
func (s *nameSet) sortedHasVariant() bool {
	if len(s.names) <= len(s.hashes) {
		return false
	}
	// The folded names back to back in one buffer: name i is
	// keys[offs[i]:offs[i+1]].
	var keys []byte
	offs := make([]int, 1, len(s.names)+1)
	for _, n := range s.names {
		keys = appendFolded(keys, n)
		offs = append(offs, len(keys))
	}
	key := func(i int) []byte { return keys[offs[i]:offs[i+1]] }
	idx := make([]int, len(s.names))
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

// foldHash is a 6-bit hash of a name that is the same for all its case
// variants: of its first and last bytes in upper case. It is wideHash when
// either of those is not ASCII. Two names equal under case folding have
// first runes and last runes equal under folding: both ASCII, and then
// equal in upper case, or one of them not, and then it is wideHash.
func foldHash(name string) uint8 {
	if len(name) == 0 {
		return 0
	}
	first, last := name[0], name[len(name)-1]
	if first >= utf8.RuneSelf || last >= utf8.RuneSelf {
		return wideHash
	}
	upper := func(c byte) uint {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		return uint(c)
	}
	h := upper(first)*31 + upper(last)
	return uint8(h^h>>6) % wideHash
}

// appendFolded appends name in a canonical case-folded form: each rune
// becomes the smallest rune of its simple folding orbit (so 'k', 'K' and the
// Kelvin sign all become 'K'). Two names fold to the same bytes exactly when
// strings.EqualFold reports them equal.
func appendFolded(dst []byte, name string) []byte {
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
		r, size := utf8.DecodeRuneInString(name[i:])
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
