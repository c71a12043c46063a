package tokengate

import "encoding/binary"

// b64Invalid marks, in b64Values, a byte outside the base64url alphabet.
const b64Invalid = 0xFF

// b64Values maps each byte to its 6-bit value in the base64url alphabet
// (RFC 4648 §5), and every other byte (the standard alphabet's '+' and '/',
// padding, white space, line breaks) to b64Invalid.
var b64Values = func() (t [256]byte) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = b64Invalid
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()

// b64At holds b64Values shifted to where the value of the k-th byte of a
// group of four sits in the group's 24 bits: b64At[k][c] is the value of c
// shifted left by 18-6k, or 0xFF<<24 when c is not in the alphabet (the
// low 24 bits of an OR of four are then the group's bytes, and bit 31 says
// whether one was invalid).
var b64At = func() (t [4][256]uint32) {
	for k := range t {
		for c, v := range b64Values {
			if v == b64Invalid {
				t[k][c] = 0xFF << 24
			} else {
				t[k][c] = uint32(v) << (18 - 6*k)
			}
		}
	}
	return t
}()

// b64DecodedLen is the length of the decoding of n base64url bytes without
// padding, or -1 when no such text is n bytes long (n%4 == 1).
func b64DecodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n/4*3 + n%4*3/4
}

// decodeB64 decodes s, base64url without padding, into dst, which must be
// exactly b64DecodedLen(len(s)) bytes long, and reports whether s is
// canonical: only the URL-safe alphabet (no padding, no white space, no
// line breaks), a possible length, and zero bits past the last byte. It
// accepts exactly what decodeSegment (base64.RawURLEncoding.Strict(), line
// breaks refused) accepts, with the same bytes (FuzzDecodeB64 checks that);
// when it answers false, dst's contents are undefined and decodeSegment
// names the problem (see decodeSegmentTo). An empty s gives true.
func decodeB64(dst []byte, s string) bool {
	if len(dst) != b64DecodedLen(len(s)) { // also when that is -1
		return false
	}
	var bad uint32 // bit 31 set once an invalid byte was met
	i, j := 0, 0
	// Eight values make six bytes, written as eight (the last two are
	// overwritten next) while dst has room for them.
	for ; len(s)-i >= 8 && len(dst)-j >= 8; i, j = i+8, j+6 {
		q := s[i : i+8]
		x := b64At[0][q[0]] | b64At[1][q[1]] | b64At[2][q[2]] | b64At[3][q[3]]
		y := b64At[0][q[4]] | b64At[1][q[5]] | b64At[2][q[6]] | b64At[3][q[7]]
		bad |= x | y
		binary.BigEndian.PutUint64(dst[j:], uint64(x)<<40|uint64(y)<<16)
	}
	for ; len(s)-i >= 4; i, j = i+4, j+3 {
		q := s[i : i+4]
		a, b, c, d := b64Values[q[0]], b64Values[q[1]], b64Values[q[2]], b64Values[q[3]]
		bad |= uint32(a|b|c|d) << 24
		x := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		o := dst[j : j+3 : j+3]
		o[0], o[1], o[2] = byte(x>>16), byte(x>>8), byte(x)
	}
	switch len(s) - i {
	case 2: // one byte; the low 4 bits of the second value must be zero
		a, b := b64Values[s[i]], b64Values[s[i+1]]
		bad |= uint32(a|b) << 24
		if b&0x0F != 0 {
			return false
		}
		dst[j] = a<<2 | b>>4
	case 3: // two bytes; the low 2 bits of the third value must be zero
		a, b, c := b64Values[s[i]], b64Values[s[i+1]], b64Values[s[i+2]]
		bad |= uint32(a|b|c) << 24
		if c&0x03 != 0 {
			return false
		}
		x := uint32(a)<<12 | uint32(b)<<6 | uint32(c)
		dst[j], dst[j+1] = byte(x>>10), byte(x>>2)
	}
	return bad&(1<<31) == 0
}
