package tokengate

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-json-experiment/json/jsontext"
)

// The header and the claim set are read in two steps:
//
//  1. jsontext validates the text strictly, as RFC 7493 asks: valid UTF-8,
//     valid escapes, no duplicate names in any object, one value and only
//     white space around it. tooDeep has bounded the nesting before.
//  2. A walker reads the members tokengate knows straight into their Go
//     form, and skips the others: no reflection, no intermediate map, no
//     second parse of any claim. It only ever reads validated text, so it
//     tells values apart by their first byte and never meets bad syntax.
//
// The walker also refuses two top-level names that differ only in case (see
// nameSet). Registered claims must have their type: a string where a string
// belongs, a number for a NumericDate.
//
// The usual claim set (ASCII, no escapes, shallow) takes both steps at
// once: quickClaims validates each value, as quickValid would, just before
// the walker reads it, and any text it cannot vouch for, or any error,
// sends the claim set through the two steps above from the start
// (walkClaims), whose answer stands.
//
// The text is read as a string, and a string claim without escapes is a
// substring of it: the claims of one token share one allocation.
// decode_reference_test.go holds a decoder that reads jsontext's tokens one
// by one instead; the fuzz tests check that both read every text alike, and
// FuzzQuickClaims that quickClaims and walkClaims do.

var (
	errNotObject     = errors.New("not a JSON object")
	errTrailingData  = errors.New("data after the JSON value")
	errCaseVariant   = errors.New("two member names differ only in case")
	errBalancesShape = fmt.Errorf("%w: tokenBalances is neither an object of objects nor an object of decimals", ErrMalformed)
)

// validJSON returns nil when b is a valid JSON text (see above), and else an
// error that says which rule it breaks.
func validJSON(b []byte) error {
	if quickValid(b) || jsontext.Value(b).IsValid() {
		return nil
	}
	dec := jsontext.NewDecoder(bytes.NewReader(b))
	if _, err := dec.ReadValue(); err != nil {
		return err
	}
	return errTrailingData
}

// walker reads a JSON text that validJSON has accepted, or a value in a
// text quickClaims is validating that it has just validated. Walkers for
// whole texts are pooled, each with its nameSet: a nameSet is too big to be
// allocated per token.
type walker struct {
	s     string
	i     int      // the next byte to read
	names *nameSet // for document; nil in a walker not from getWalker
	plain bool     // s holds no escape (quickValid accepted it)
	// [vs, ve) is a string or number quickClaims has validated, so that
	// text and number need not look for its end again; vs is -1 when
	// there is none.
	vs, ve int
}

var walkers = sync.Pool{New: func() any { return &walker{names: new(nameSet)} }}

// getWalker returns a walker over s, which validJSON must have accepted: the
// walker relies on that and checks nothing itself.
func getWalker(s string) *walker {
	w := walkers.Get().(*walker)
	w.s, w.i, w.plain, w.vs = s, 0, false, -1
	return w
}

// walkValid validates s (see validJSON) and returns a pooled walker over
// it; what names the text in the error.
func walkValid(s string, what string) (*walker, error) {
	b := unsafe.Slice(unsafe.StringData(s), len(s)) // read only
	plain := quickValid(b)
	if !plain {
		if err := validJSON(b); err != nil {
			return nil, fmt.Errorf("%w: %s: %s", ErrMalformed, what, jsonProblem(err))
		}
	}
	w := getWalker(s)
	w.plain = plain
	return w, nil
}

func putWalker(w *walker) {
	w.s = ""
	w.names.reset() // nor keep the text alive through its names
	walkers.Put(w)
}

// space skips white space and returns the byte after it. In a valid text,
// wherever the walker calls it, there is one.
func (w *walker) space() byte {
	for {
		switch c := w.s[w.i]; c {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return c
		}
	}
}

// document walks a text that is one object, calling member for each
// top-level name (see object), and refuses case-variant names with
// errCaseVariant.
func (w *walker) document(member func(name string) error) error {
	if w.space() != '{' {
		return errNotObject
	}
	w.names.reset()
	if err := w.object(member, w.names); err != nil {
		return err
	}
	if w.names.sortedHasVariant() {
		return errCaseVariant
	}
	return nil
}

// object walks the object at w.i. For each member it reads the name and
// calls member with w.i at the value, which member must consume. When names
// is not nil, each name is added to it first.
func (w *walker) object(member func(name string) error, names *nameSet) error {
	w.i++ // '{'
	if w.space() == '}' {
		w.i++
		return nil
	}
	for {
		w.space()
		name := w.text()
		w.space()
		w.i++ // ':'
		w.space()
		if names != nil && names.add(name) {
			return errCaseVariant
		}
		if err := member(name); err != nil {
			return err
		}
		c := w.space()
		w.i++
		if c == '}' {
			return nil
		}
	}
}

// text consumes the string at w.i and returns its value: a substring of the
// text when it is written without escapes.
func (w *walker) text() string {
	start := w.i + 1
	if w.i == w.vs {
		w.i = w.ve
		return w.s[start : w.ve-1]
	}
	if w.plain {
		end := quoteAt(w.s, start)
		w.i = end + 1
		return w.s[start:end]
	}
	end := start + strings.IndexByte(w.s[start:], '"')
	if strings.IndexByte(w.s[start:end], '\\') < 0 {
		w.i = end + 1
		return w.s[start:end]
	}
	// An escape comes before the first quote, which may be escaped itself.
	end = closingQuote(w.s, start)
	w.i = end + 1
	// Cannot fail: validJSON has checked every escape.
	b, _ := jsontext.AppendUnquote(nil, w.s[start-1:end+1])
	return string(b)
}

// number consumes the number at w.i and returns it as written.
func (w *walker) number() string {
	start := w.i
	if start == w.vs {
		w.i = w.ve
		return w.s[start:w.ve]
	}
	for w.i < len(w.s) && isNumberByte(w.s[w.i]) {
		w.i++
	}
	return w.s[start:w.i]
}

func isNumberByte(c byte) bool {
	return '0' <= c && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// skip consumes the value at w.i.
func (w *walker) skip() {
	switch w.s[w.i] {
	case '"':
		w.text()
	case '{', '[':
		depth := 0
		for {
			switch w.s[w.i] {
			case '"':
				w.i = closingQuote(w.s, w.i+1)
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					w.i++
					return
				}
			}
			w.i++
		}
	default: // a number, true, false or null
		for w.i < len(w.s) && (isNumberByte(w.s[w.i]) || 'a' <= w.s[w.i] && w.s[w.i] <= 'z') {
			w.i++
		}
	}
}

// present consumes a value, reporting that the member is there.
func (w *walker) present() bool {
	w.skip()
	return true
}

// typeError is the error of a member of the wrong type. It names the member
// only when it is a registered one, never a value.
func typeError(name string) error {
	return fmt.Errorf("%w: %s has the wrong type", ErrMalformed, name)
}

// str reads a string, or null as "".
func (w *walker) str(name string) (string, error) {
	switch w.s[w.i] {
	case '"':
		return w.text(), nil
	case 'n':
		w.skip()
		return "", nil
	}
	return "", typeError(name)
}

// decodeHeader reads a JOSE header.
func decodeHeader(b []byte, h *header) error {
	w, err := walkValid(string(b), "header")
	if err != nil {
		return err
	}
	defer putWalker(w)
	err = w.document(func(name string) (err error) {
		switch name {
		case "alg":
			h.Alg, err = w.str("alg")
		case "kid":
			h.Kid, err = w.str("kid")
		case "cty":
			h.Cty, err = w.str("cty")
		case "typ":
			h.Typ, err = w.str("typ")
		case "crit":
			h.Crit = w.present()
		case "b64":
			h.B64 = w.present()
		case "enc":
			h.Enc = w.present()
		case "zip":
			h.Zip = w.present()
		default:
			w.skip()
		}
		return err
	})
	if err != nil && !errors.Is(err, ErrMalformed) {
		err = fmt.Errorf("%w: header: %s", ErrMalformed, jsonProblem(err))
	}
	return err
}

// claimsBox is a claim set allocated together with room for its audience,
// a few token ids, its balance and the context that carries it (see
// claims_context.go): one allocation for a usual token.
type claimsBox struct {
	c      Claims
	aud    [1]string
	ids    [3]string
	bal    big.Rat
	words  ratWords // bal's, when it is small
	wallet [1]WalletAccount
	ctx    claimsContext
}

// ratWords is room for a small rational's words (up to 64 bits each, what
// set writes), so that setting one allocates nothing.
type ratWords struct{ num, den [64 / bits.UintSize]big.Word }

// ratHalf lends a denominator to a zero big.Rat (see ratWords.set); it is
// never written.
var ratHalf = big.NewRat(1, 2)

// set sets z to n/d, which must be in lowest terms with d > 0, in w's
// arrays, and returns z.
func (w *ratWords) set(z *big.Rat, n, d uint64) *big.Rat {
	*z = big.Rat{} // denominator 1
	if d != 1 {
		// A shallow copy, so that Denom returns z's denominator by
		// reference; both words slices are replaced right below.
		*z = *ratHalf
		z.Denom().SetBits(putWords(w.den[:], d))
	}
	z.Num().SetBits(putWords(w.num[:], n))
	return z
}

// putWords writes x into dst's array as big.Int's words and returns them;
// nil for 0, as big.Int keeps it.
func putWords(dst []big.Word, x uint64) []big.Word {
	n := 0
	for ; x != 0; x = x >> (bits.UintSize / 2) >> (bits.UintSize / 2) {
		dst[n] = big.Word(x)
		n++
	}
	if n == 0 {
		return nil
	}
	return dst[:n]
}

// decodeClaims reads a claim set into Claims; the returned Claims keep a
// copy of the text for Decode. Type errors wrap ErrMalformed; the time and
// audience rules are checkClaims's.
func decodeClaims(b []byte) (*Claims, error) {
	return decodeClaimsString(string(b), false, nil)
}

// decodeClaimsString is decodeClaims on a text the returned Claims may keep
// as it is: s must never change. With depth, a text nested deeper than
// maxJSONDepth is refused first (see tooDeep), as decodePayload asks. Most
// claim sets are read in one pass by quickClaims, which reads nothing
// nested that deep; any other goes to walkClaims, which reads them as
// strictly and answers for every text the way quickClaims would have.
func decodeClaimsString(s string, depth bool, box *claimsBox) (*Claims, error) {
	if box == nil {
		box = &claimsBox{}
	}
	r := claimReader{box: box}
	if quickClaims(s, &r) {
		return r.claims(s)
	}
	if depth && tooDeep(unsafe.Slice(unsafe.StringData(s), len(s))) { // read only
		return nil, fmt.Errorf("%w: payload: JSON nested deeper than %d", ErrMalformed, maxJSONDepth)
	}
	*box = claimsBox{} // quickClaims may have filled some of it
	return walkClaims(s, box)
}

// walkClaims reads the claim set s into box's Claims in two passes:
// validJSON, then the walker (see the top of this file).
func walkClaims(s string, box *claimsBox) (*Claims, error) {
	w, err := walkValid(s, "payload")
	if err != nil {
		return nil, err
	}
	defer putWalker(w)
	r := claimReader{box: box}
	err = w.document(func(name string) error { return r.member(w, name) })
	switch {
	case err != nil && errors.Is(err, ErrMalformed):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: payload: %s", ErrMalformed, jsonProblem(err))
	}
	return r.claims(w.s)
}

// claimReader collects the members of one claim set as a walker reads
// them.
type claimReader struct {
	box              *claimsBox
	jti, tid, scope  string
	scp              []string
	hasExp, hasScope bool
}

// member reads the value at w.i of the top-level member name, consuming
// it. Errors of a registered claim's type wrap ErrMalformed.
func (r *claimReader) member(w *walker, name string) (err error) {
	box := r.box
	c := &box.c
	switch name {
	case "iss":
		c.Issuer, err = w.str("iss")
	case "sub":
		c.Subject, err = w.str("sub")
	case "aud":
		c.Audience, err = w.strings("aud", false, box.aud[:0:len(box.aud)])
	case "exp":
		r.hasExp = true
		c.ExpiresAt, err = w.numericDate("exp")
	case "nbf":
		c.NotBefore, err = w.numericDate("nbf")
	case "iat":
		c.IssuedAt, err = w.numericDate("iat")
	case "jti":
		r.jti, err = w.str("jti")
	case "tid":
		r.tid, err = w.str("tid")
	case "chain":
		c.Chain, err = w.str("chain")
	case "walletAddress":
		c.WalletAddress, err = w.str("walletAddress")
	case "displayAddress":
		c.DisplayAddress, err = w.str("displayAddress")
	case "contractAddress":
		c.ContractAddress, err = w.str("contractAddress")
	case "email":
		c.Email, err = w.str("email")
	case "tokenBalance":
		c.TokenBalance, err = w.decimal("tokenBalance", &box.bal, &box.words)
	case "tokenIds":
		c.TokenIDs, err = w.strings("tokenIds", true, box.ids[:0:len(box.ids)])
	case "tokenBalances":
		c.TokenBalances, err = w.balances()
	case "scope":
		r.hasScope = true
		r.scope, err = w.str("scope")
	case "scp":
		r.scp, err = w.strings("scp", false, nil)
	default:
		w.skip()
	}
	return err
}

// claims completes the claim set once every member is read, raw being its
// text: exp is required (ErrMalformed), the id is jti or else tid, and
// the scopes and wallet are derived.
func (r *claimReader) claims(raw string) (*Claims, error) {
	if !r.hasExp {
		return nil, fmt.Errorf("%w: exp is required", ErrMalformed)
	}
	box := r.box
	c := &box.c
	c.ID = r.jti
	if c.ID == "" {
		c.ID = r.tid
	}
	c.Scopes = scopes(r.hasScope, r.scope, r.scp)
	if c.WalletAddress != "" {
		box.wallet[0] = WalletAccount{Chain: walletChain(c.Chain, c.WalletAddress), Address: c.WalletAddress}
		c.Wallets = box.wallet[:1:1]
	}
	c.raw = raw
	c.box = box
	return c, nil
}

// scopes are a token's scopes: "scope" split at spaces (RFC 8693 §4.2) when
// the token has it, else "scp", an array of scopes or one string split at
// spaces; nil when neither holds any.
func scopes(hasScope bool, scope string, scp []string) []string {
	if hasScope {
		scp = []string{scope}
	}
	var out []string
	for _, s := range scp {
		for _, t := range strings.Split(s, " ") {
			if t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are refused.
const maxNumericDate = 253402300799

// numericDate reads an RFC 7519 NumericDate: a JSON number of seconds since
// the epoch, above 0 and within year 9999.
func (w *walker) numericDate(name string) (time.Time, error) {
	if c := w.s[w.i]; c != '-' && (c < '0' || c > '9') {
		return time.Time{}, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	text := w.number()
	if len(text) <= 12 && allDigits(text) {
		// The usual NumericDate, whole seconds: no float parsing.
		var sec int64
		for i := 0; i < len(text); i++ {
			sec = sec*10 + int64(text[i]-'0')
		}
		if sec == 0 || sec > maxNumericDate {
			return time.Time{}, fmt.Errorf("%w: %s is out of range", ErrMalformed, name)
		}
		return time.Unix(sec, 0).UTC(), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || !(f > 0 && f <= maxNumericDate) {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// strings reads a string or an array of strings (and, when numbers, of
// plain non-negative JSON integers, kept as written), appending them to out.
func (w *walker) strings(name string, numbers bool, out []string) ([]string, error) {
	switch w.s[w.i] {
	case '"':
		return append(out, w.text()), nil
	case '[':
		w.i++
	default:
		return nil, fmt.Errorf("%w: %s is neither a string nor an array", ErrMalformed, name)
	}
	if w.space() == ']' {
		w.i++
		return out, nil
	}
	for {
		switch c := w.space(); {
		case c == '"':
			out = append(out, w.text())
		case numbers && (c == '-' || '0' <= c && c <= '9'):
			// A token id written as a number must be a plain integer.
			s := w.number()
			if !allDigits(s) {
				return nil, fmt.Errorf("%w: %s holds a number that is not a plain integer", ErrMalformed, name)
			}
			out = append(out, s)
		default:
			return nil, fmt.Errorf("%w: %s holds a value of the wrong type", ErrMalformed, name)
		}
		c := w.space()
		w.i++
		if c == ']' {
			return out, nil
		}
	}
}

// decimal reads a decimal claim, a string such as "0.1337" or a JSON number,
// into z.
func (w *walker) decimal(name string, z *big.Rat, words *ratWords) (*big.Rat, error) {
	var text string
	switch c := w.s[w.i]; {
	case c == '"':
		text = w.text()
	case c == '-' || '0' <= c && c <= '9':
		text = w.number()
	default:
		return nil, fmt.Errorf("%w: %s is not a decimal", ErrMalformed, name)
	}
	return parseDecimal(name, text, z, words)
}

// parseDecimal reads a non-negative decimal exactly into z: digits,
// optionally a point and more digits; no sign, no exponent, at most
// maxDecimalLen bytes.
func parseDecimal(name, s string, z *big.Rat, words *ratWords) (*big.Rat, error) {
	if !isDecimal(s) {
		return nil, fmt.Errorf("%w: %s is not a plain decimal", ErrMalformed, name)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if len(intPart)+len(frac) <= 18 {
		// Fast path for the usual balance: its digits fit an int64, so no
		// string scanning in math/big. isDecimal has checked them.
		var n int64
		for _, part := range [2]string{intPart, frac} {
			for i := 0; i < len(part); i++ {
				n = n*10 + int64(part[i]-'0')
			}
		}
		// n/10^k in lowest terms: only 2 and 5 divide 10^k. (Constant
		// divisors: the compiler multiplies instead of dividing.)
		d := pow10[len(frac)]
		for d%2 == 0 && n%2 == 0 {
			n, d = n/2, d/2
		}
		for d%5 == 0 && n%5 == 0 {
			n, d = n/5, d/5
		}
		if words != nil {
			return words.set(z, uint64(n), uint64(d)), nil
		}
		if d == 1 {
			return z.SetInt64(n), nil
		}
		// z = 1/d, then n as its numerator (Num is a reference to it).
		// Unlike SetFrac64, this computes no GCD, which n/d does not need.
		z.SetInt64(d)
		z.Inv(z)
		z.Num().SetInt64(n)
		return z, nil
	}
	if _, ok := z.SetString(s); !ok {
		return nil, fmt.Errorf("%w: %s is not a decimal", ErrMalformed, name)
	}
	return z, nil
}

// pow10 holds 10^0 through 10^18.
var pow10 = func() (p [19]int64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()
