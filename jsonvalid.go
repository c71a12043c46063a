package tokengate

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// quickValid reports whether b is a JSON text that validJSON accepts,
// checking the texts tokens usually carry about three times faster than
// jsontext: ASCII strings without escapes, numbers, literals, arrays, and
// objects of up to maxQuickNames members whose names are compared for
// duplicates byte by byte (without escapes, the bytes are the names). It
// answers false for anything else (an escape, a byte over 0x7F, more
// names, deeper nesting) as well as for invalid text: false means only
// "not known to be valid", and validJSON then asks jsontext, whose rules
// are the reference. FuzzQuickValid checks that quickValid never accepts
// a text jsontext refuses.
func quickValid(b []byte) bool {
	var v quickValidator
	v.b = unsafe.String(unsafe.SliceData(b), len(b)) // read only, not kept
	i, ok := v.value(v.space(0), 0)
	return ok && v.space(i) == len(b)
}

const (
	maxQuickNames = 64 // names of the objects open at once
	maxQuickDepth = 32
)

// quickValidator holds the text and the names of the objects being read,
// innermost last, as [start, end) offsets.
type quickValidator struct {
	b     string
	names [maxQuickNames][2]int32
	keys  [maxQuickNames]uint32 // per name, nameKey: most differ there
	n     int
}

// nameKey is a name's length, first and last byte: two names with
// different keys differ.
func nameKey(name string) uint32 {
	if len(name) == 0 {
		return 0
	}
	return uint32(len(name))<<16 | uint32(name[0])<<8 | uint32(name[len(name)-1])
}

// at returns b[i], or 0 past the end: 0 is never valid where it is read.
func (v *quickValidator) at(i int) byte {
	if i < len(v.b) {
		return v.b[i]
	}
	return 0
}

// space returns the offset of the first byte at or after i that is not
// JSON white space.
func (v *quickValidator) space(i int) int {
	for i < len(v.b) {
		switch v.b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value reads the value at i and returns the offset after it.
func (v *quickValidator) value(i, depth int) (int, bool) {
	switch c := v.at(i); {
	case c == '"':
		return v.str(i)
	case c == '{':
		return v.object(i, depth+1)
	case c == '[':
		return v.array(i, depth+1)
	case c == 't':
		return v.literal(i, "true")
	case c == 'f':
		return v.literal(i, "false")
	case c == 'n':
		return v.literal(i, "null")
	case c == '-' || '0' <= c && c <= '9':
		return v.number(i)
	default:
		return 0, false
	}
}

func (v *quickValidator) literal(i int, lit string) (int, bool) {
	end := i + len(lit)
	return end, end <= len(v.b) && v.b[i:end] == lit
}

// quickPlain marks the bytes a quick string may hold as they are: printable
// ASCII and DEL (0x7F, which JSON allows unescaped), but '"' and '\\'.
// specials agrees byte for byte.
var quickPlain = func() (t [256]bool) {
	for c := 0x20; c <= 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Eight bytes at a time, as in isB64Token: lanes is 0x01 in every byte.
const (
	lanes = 0x0101010101010101
	highs = 0x8080808080808080
)

// specials marks with 0x80 the bytes of x (eight bytes, the first lowest)
// that are not quickPlain: a quote, a backslash, a control character or a
// byte over 0x7F. Each test may also mark bytes above a byte it rightly
// marks (a borrow), never below: the lowest mark is exact.
func specials(x uint64) uint64 {
	q, bs := x^('"'*lanes), x^('\\'*lanes)
	return ((q-lanes)&^q | (bs-lanes)&^bs | (x-0x20*lanes)&^x | x) & highs
}

// str reads the string at i (its opening quote).
func (v *quickValidator) str(i int) (int, bool) {
	b := v.b
	j := i + 1
	for ; j+8 <= len(b); j += 8 {
		if m := specials(load64(b[j:])); m != 0 {
			j += bits.TrailingZeros64(m) / 8 // the first byte that is not quickPlain
			return j + 1, b[j] == '"'
		}
	}
	for ; j < len(b); j++ {
		if !quickPlain[b[j]] {
			return j + 1, b[j] == '"'
		}
	}
	return 0, false
}

// quoteAt returns the index of the first '"' in s at or after from, or -1.
func quoteAt(s string, from int) int {
	j := from
	for ; j+8 <= len(s); j += 8 {
		x := load64(s[j:]) ^ ('"' * lanes)
		if m := (x - lanes) &^ x & highs; m != 0 {
			return j + bits.TrailingZeros64(m)/8 // exact: see specials
		}
	}
	for ; j < len(s); j++ {
		if s[j] == '"' {
			return j
		}
	}
	return -1
}

// number reads a number as RFC 8259 §6 spells it.
func (v *quickValidator) number(i int) (int, bool) {
	if v.at(i) == '-' {
		i++
	}
	switch c := v.at(i); {
	case c == '0':
		i++
	case '1' <= c && c <= '9':
		i = v.digits(i)
	default:
		return 0, false
	}
	if v.at(i) == '.' {
		j := v.digits(i + 1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if c := v.at(i); c == 'e' || c == 'E' {
		i++
		if c := v.at(i); c == '+' || c == '-' {
			i++
		}
		j := v.digits(i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func (v *quickValidator) digits(i int) int {
	for c := v.at(i); '0' <= c && c <= '9'; c = v.at(i) {
		i++
	}
	return i
}

func (v *quickValidator) array(i, depth int) (int, bool) {
	if depth > maxQuickDepth {
		return 0, false
	}
	i = v.space(i + 1)
	if v.at(i) == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = v.value(i, depth); !ok {
			return 0, false
		}
		i = v.space(i)
		switch v.at(i) {
		case ',':
			i = v.space(i + 1)
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

func (v *quickValidator) object(i, depth int) (int, bool) {
	if depth > maxQuickDepth {
		return 0, false
	}
	mark := v.n
	i = v.space(i + 1)
	if v.at(i) == '}' {
		return i + 1, true
	}
	for {
		if v.at(i) != '"' {
			return 0, false
		}
		end, ok := v.str(i)
		if !ok || v.n == len(v.names) {
			return 0, false
		}
		name := v.b[i+1 : end-1]
		key := nameKey(name)
		for k, o := range v.keys[mark:v.n] {
			if o == key && v.b[v.names[mark+k][0]:v.names[mark+k][1]] == name {
				return 0, false // a duplicate name
			}
		}
		v.keys[v.n] = key
		v.names[v.n] = [2]int32{int32(i + 1), int32(end - 1)}
		v.n++
		i = v.space(end)
		if v.at(i) != ':' {
			return 0, false
		}
		if i, ok = v.value(v.space(i+1), depth); !ok {
			return 0, false
		}
		i = v.space(i)
		switch v.at(i) {
		case ',':
			i = v.space(i + 1)
		case '}':
			v.n = mark
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// load64 reads the first eight bytes of s, which has them, little-endian.
func load64(s string) uint64 {
	return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s), 8))
}
