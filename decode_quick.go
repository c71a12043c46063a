package tokengate

import "strings"

// quickClaims reads the claim set s in one pass, validating it as it reads
// it, into r. It reports true when it read all of s: s is then a JSON text
// validJSON accepts, nested no deeper than maxJSONDepth, one object whose
// top-level names do not fold alike, and every member r read had its type,
// so that walkClaims would read s into the same claims. It reports false
// for anything else: an escape or a byte over 0x7F anywhere (see
// quickValid), more than maxQuickNames names in the objects open at once,
// deeper nesting, invalid text, two top-level names that are equal or fold
// alike, a member of the wrong type; r is then partly filled, and the
// caller starts over with walkClaims, whose errors name the problem.
// FuzzQuickClaims checks both ways agree.
func quickClaims(s string, r *claimReader) bool {
	var v quickValidator
	v.b = s
	i := v.space(0)
	if v.at(i) != '{' {
		return false
	}
	// The walker reads values once they are valid; like quickValid's,
	// they hold no escape.
	w := walker{s: s, plain: true, vs: -1}
	// Bit h is set when a top-level name's key hashes to h.
	var seen uint64
	i = v.space(i + 1)
	if v.at(i) == '}' {
		return v.space(i+1) == len(s)
	}
	for {
		if v.at(i) != '"' {
			return false
		}
		end, ok := v.str(i)
		if !ok || v.n == len(v.names) {
			return false
		}
		name := s[i+1 : end-1]
		// Names are ASCII here, so names that fold alike have the same
		// length and the same first and last bytes in upper case.
		key := foldKey(name)
		if bit := uint64(1) << (key * 0x9E3779B1 >> 26); seen&bit == 0 {
			seen |= bit // no earlier name has this key
		} else {
			for k, o := range v.keys[:v.n] {
				if o == key && strings.EqualFold(s[v.names[k][0]:v.names[k][1]], name) {
					return false // equal names (jsontext) or case variants (nameSet)
				}
			}
		}
		v.keys[v.n] = key
		v.names[v.n] = [2]int32{int32(i + 1), int32(end - 1)}
		v.n++
		i = v.space(end)
		if v.at(i) != ':' {
			return false
		}
		i = v.space(i + 1)
		start := i
		if i, ok = v.value(i, 1); !ok {
			return false
		}
		// The value is valid: the walker may read it, and a string or a
		// number ends at i.
		w.i, w.vs, w.ve = start, -1, i
		if c := s[start]; c == '"' || c == '-' || '0' <= c && c <= '9' {
			w.vs = start
		}
		if r.member(&w, name) != nil || w.i != i {
			return false
		}
		i = v.space(i)
		switch v.at(i) {
		case ',':
			i = v.space(i + 1)
		case '}':
			return v.space(i+1) == len(s)
		default:
			return false
		}
	}
}

// foldKey is an ASCII name's length and its first and last bytes in upper
// case: two ASCII names that are equal under case folding have the same
// key.
func foldKey(name string) uint32 {
	if len(name) == 0 {
		return 0
	}
	upper := func(c byte) uint32 {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		return uint32(c)
	}
	return uint32(len(name))<<16 | upper(name[0])<<8 | upper(name[len(name)-1])
}
