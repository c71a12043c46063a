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
func tooDeep(s string) bool {
	if strings.Count(s, "{")+strings.Count(s, "[") <= maxJSONDepth {
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
func closingQuote(b string, from int) int {
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
// It allocates nothing unless there are more than 32 names or 512 bytes of
// names: each of the first 32 names' folded form is compared, as it is added,
// only with earlier names of the same 6-bit hash; more names are compared
// at the end by sorting, so a hostile object of thousands of names costs
// O(n log n).
type nameSet struct {
	keys   []byte  // the folded names, back to back
	offs   []int   // name i is keys[offs[i]:offs[i+1]]
	hashes []uint8 // the hashes of the first len(hashBuf) names
	seen   uint64  // bit h is set when a name of hash h was added

	keyBuf  [512]byte
	offBuf  [33]int
	hashBuf [32]uint8
}

func (s *nameSet) reset() {
	s.keys, s.offs, s.hashes, s.seen = s.keyBuf[:0], append(s.offBuf[:0], 0), s.hashBuf[:0], 0
}

// add adds name and reports whether it folds to the same bytes as one of
// the first 32 names added before it.
func (s *nameSet) add(name []byte) bool {
	start := len(s.keys)
	s.keys = appendFolded(s.keys, name)
	s.offs = append(s.offs, len(s.keys))
	if len(s.hashes) == len(s.hashBuf) {
		return false // sortedHasVariant compares the rest
	}
	h := foldHash(s.keys[start:])
	variant := false
	if s.seen&(1<<h) != 0 {
		for j, hj := range s.hashes {
			if hj == h && bytes.Equal(s.keys[s.offs[j]:s.offs[j+1]], s.keys[start:]) {
				variant = true
			}
		}
	}
	s.seen |= 1 << h
	s.hashes = append(s.hashes, h)
	return variant
}

// sortedHasVariant reports, when more than 32 names were added, whether two
// of all the names fold alike; with 32 or fewer, add has told already.
func (s *nameSet) sortedHasVariant() bool {
	n := len(s.offs) - 1
	if n <= len(s.hashBuf) {
		return false
	}
	key := func(i int) []byte { return s.keys[s.offs[i]:s.offs[i+1]] }
	idx := make([]int, n)
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

// foldHash is a 6-bit hash of a folded name.
func foldHash(k []byte) uint8 {
	h := uint32(len(k))
	for _, c := range k {
		h = h*31 + uint32(c)
	}
	return uint8(h^h>>6^h>>12) & 63
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
