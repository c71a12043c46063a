package tokengate

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// The header and the claim set are read in one pass over jsontext's tokens,
// straight into their Go form: no reflection, no intermediate map, and no
// second parse of any claim. jsontext validates the JSON strictly (invalid
// UTF-8 and duplicate names are refused); the reader also refuses top-level
// names that differ only in case (see nameSet), and tooDeep has refused deep
// nesting before. Registered claims must have their type: a string where a
// string belongs, a number for a NumericDate.
//
// The text is read as a string, and a string claim without escapes is a
// substring of it: the claims of one token share one allocation.

// jsonReader is a pooled decoder over a string.
type jsonReader struct {
	src   string
	rd    strings.Reader
	dec   jsontext.Decoder
	names nameSet

	// Where the name object last handed to its member function ends in
	// src, and whether it was written without escapes.
	nameEnd   int
	namePlain bool
	nameBuf   [64]byte // room to unescape a name
}

var jsonReaders = sync.Pool{New: func() any { return new(jsonReader) }}

func getReader(src string) *jsonReader {
	r := jsonReaders.Get().(*jsonReader)
	r.src = src
	r.rd.Reset(src)
	r.dec.Reset(&r.rd)
	return r
}

func putReader(r *jsonReader) {
	r.src = ""
	r.rd.Reset("")
	r.dec.Reset(&r.rd)
	jsonReaders.Put(r)
}

var (
	errNotObject   = errors.New("not a JSON object")
	errCaseVariant = errors.New("two member names differ only in case")
)

// document reads a JSON text that is one object (see object); nothing but
// white space may follow it. Two of the object's member names that are equal
// under case folding fail it with errCaseVariant.
func (r *jsonReader) document(member func(name []byte) error) error {
	r.names.reset()
	if err := r.object(member, &r.names); err != nil {
		return err
	}
	if _, err := r.dec.ReadToken(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	if r.names.sortedHasVariant() {
		return errCaseVariant
	}
	return nil
}

// object reads one JSON object and hands each member name to member, which
// must read the value. The name is unescaped and valid only until the next
// read or peek: member copies it first if it keeps it (see nameString).
// When names is not nil, each name is added to it.
func (r *jsonReader) object(member func(name []byte) error, names *nameSet) error {
	tok, err := r.dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return errNotObject
	}
	for r.dec.PeekKind() == '"' {
		raw, err := r.dec.ReadValue()
		if err != nil {
			return err
		}
		name := raw[1 : len(raw)-1]
		r.namePlain = bytes.IndexByte(name, '\\') < 0
		if !r.namePlain {
			if name, err = jsontext.AppendUnquote(r.nameBuf[:0], raw); err != nil {
				return err
			}
		}
		r.nameEnd = int(r.dec.InputOffset())
		if names != nil && names.add(name) {
			return errCaseVariant
		}
		if err := member(name); err != nil {
			return err
		}
	}
	if tok, err = r.dec.ReadToken(); err != nil || tok.Kind() != '}' {
		return errNotObject
	}
	return nil
}

// nameString returns name as a string. It must be called before member reads
// anything: a name written without escapes is then a substring of the text.
func (r *jsonReader) nameString(name []byte) string {
	if r.namePlain {
		return r.src[r.nameEnd-1-len(name) : r.nameEnd-1]
	}
	return string(name)
}

// span returns the text of the value just read, which is raw.
func (r *jsonReader) span(raw jsontext.Value) string {
	end := int(r.dec.InputOffset())
	return r.src[end-len(raw) : end]
}

// text returns the string value just read (raw, quoted): a substring of the
// text when it has no escapes.
func (r *jsonReader) text(raw jsontext.Value) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		s := r.span(raw)
		return s[1 : len(s)-1], nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

// typeError is the error of a member of the wrong type. It names the member
// only when it is a registered one, never a value.
func typeError(name string) error {
	return fmt.Errorf("%w: %s has the wrong type", ErrMalformed, name)
}

// str reads a string, or null as "".
func (r *jsonReader) str(name string) (string, error) {
	raw, err := r.dec.ReadValue()
	if err != nil {
		return "", err
	}
	switch raw.Kind() {
	case '"':
		return r.text(raw)
	case 'n':
		return "", nil
	}
	return "", typeError(name)
}

// present reads and discards a value, reporting that the member is there.
func (r *jsonReader) present() (bool, error) {
	return true, r.dec.SkipValue()
}

// decodeHeader reads a JOSE header.
func decodeHeader(src string, h *header) error {
	r := getReader(src)
	defer putReader(r)
	err := r.document(func(name []byte) (err error) {
		switch string(name) {
		case "alg":
			h.Alg, err = r.str("alg")
		case "kid":
			h.Kid, err = r.str("kid")
		case "cty":
			h.Cty, err = r.str("cty")
		case "crit":
			h.Crit, err = r.present()
		case "b64":
			h.B64, err = r.present()
		case "enc":
			h.Enc, err = r.present()
		case "zip":
			h.Zip, err = r.present()
		default:
			err = r.dec.SkipValue()
		}
		return err
	})
	if err != nil && !errors.Is(err, ErrMalformed) {
		err = fmt.Errorf("%w: header: %s", ErrMalformed, jsonProblem(err))
	}
	return err
}

// claimsBox is a claim set allocated together with room for its audience,
// a few token ids and its balance: one allocation for a usual token.
type claimsBox struct {
	c   Claims
	aud [1]string
	ids [4]string
	bal big.Rat
}

// decodeClaims reads a claim set into Claims. Type errors wrap
// ErrMalformed; the time and audience rules are checkClaims's.
func decodeClaims(src string) (*Claims, error) {
	r := getReader(src)
	defer putReader(r)
	box := &claimsBox{}
	c := &box.c
	var jti, tid string
	var hasExp bool
	err := r.document(func(name []byte) (err error) {
		switch string(name) {
		case "iss":
			c.Issuer, err = r.str("iss")
		case "sub":
			c.Subject, err = r.str("sub")
		case "aud":
			c.Audience, err = r.strings("aud", false, box.aud[:0:len(box.aud)])
		case "exp":
			hasExp = true
			c.ExpiresAt, err = r.numericDate("exp")
		case "nbf":
			c.NotBefore, err = r.numericDate("nbf")
		case "iat":
			c.IssuedAt, err = r.numericDate("iat")
		case "jti":
			jti, err = r.str("jti")
		case "tid":
			tid, err = r.str("tid")
		case "chain":
			c.Chain, err = r.str("chain")
		case "walletAddress":
			c.WalletAddress, err = r.str("walletAddress")
		case "displayAddress":
			c.DisplayAddress, err = r.str("displayAddress")
		case "contractAddress":
			c.ContractAddress, err = r.str("contractAddress")
		case "email":
			c.Email, err = r.str("email")
		case "tokenBalance":
			c.TokenBalance, err = r.decimal("tokenBalance", &box.bal)
		case "tokenIds":
			c.TokenIDs, err = r.strings("tokenIds", true, box.ids[:0:len(box.ids)])
		case "tokenBalances":
			c.TokenBalances, err = r.balances()
		default:
			err = r.dec.SkipValue()
		}
		return err
	})
	switch {
	case err != nil && errors.Is(err, ErrMalformed):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("%w: payload: %s", ErrMalformed, jsonProblem(err))
	case !hasExp:
		return nil, fmt.Errorf("%w: exp is required", ErrMalformed)
	}
	c.ID = jti
	if c.ID == "" {
		c.ID = tid
	}
	return c, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are refused.
const maxNumericDate = 253402300799

// numericDate reads an RFC 7519 NumericDate: a JSON number of seconds since
// the epoch, above 0 and within year 9999.
func (r *jsonReader) numericDate(name string) (time.Time, error) {
	raw, err := r.dec.ReadValue()
	if err != nil {
		return time.Time{}, err
	}
	if raw.Kind() != '0' {
		return time.Time{}, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	f, err := strconv.ParseFloat(r.span(raw), 64)
	if err != nil || !(f > 0 && f <= maxNumericDate) {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// strings reads a string or an array of strings (and, when numbers, of
// plain non-negative JSON integers, kept as written), appending them to out.
func (r *jsonReader) strings(name string, numbers bool, out []string) ([]string, error) {
	switch r.dec.PeekKind() {
	case '"':
		s, err := r.str(name)
		return append(out, s), err
	case '[':
		if _, err := r.dec.ReadToken(); err != nil {
			return nil, err
		}
	case 0:
		_, err := r.dec.ReadToken() // the syntax error PeekKind met
		return nil, err
	default:
		return nil, fmt.Errorf("%w: %s is neither a string nor an array", ErrMalformed, name)
	}
	for {
		switch k := r.dec.PeekKind(); {
		case k == ']':
			_, err := r.dec.ReadToken()
			return out, err
		case k == '"':
			s, err := r.str(name)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		case numbers && k == '0':
			raw, err := r.dec.ReadValue()
			if err != nil {
				return nil, err
			}
			// A token id written as a number must be a plain integer.
			s := r.span(raw)
			if !allDigits(s) {
				return nil, fmt.Errorf("%w: %s holds a number that is not a plain integer", ErrMalformed, name)
			}
			out = append(out, s)
		case k == 0:
			_, err := r.dec.ReadToken()
			return nil, err
		default:
			return nil, fmt.Errorf("%w: %s holds a value of the wrong type", ErrMalformed, name)
		}
	}
}

// decimal reads a decimal claim, a string such as "0.1337" or a JSON number,
// into z.
func (r *jsonReader) decimal(name string, z *big.Rat) (*big.Rat, error) {
	raw, err := r.dec.ReadValue()
	if err != nil {
		return nil, err
	}
	var text string
	switch raw.Kind() {
	case '"':
		if text, err = r.text(raw); err != nil {
			return nil, err
		}
	case '0':
		text = r.span(raw)
	default:
		return nil, fmt.Errorf("%w: %s is not a decimal", ErrMalformed, name)
	}
	return parseDecimal(name, text, z)
}

// parseDecimal reads a non-negative decimal exactly: digits, optionally a
// point and more digits; no sign, no exponent, at most maxDecimalLen bytes.
func parseDecimal(name, s string, z *big.Rat) (*big.Rat, error) {
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
		if frac == "" {
			return z.SetInt64(n), nil
		}
		return z.SetFrac64(n, pow10[len(frac)]), nil
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

// balances reads "tokenBalances": an object of contract addresses, each an
// object of decimals (as "tokenBalance").
func (r *jsonReader) balances() (map[string]map[string]*big.Rat, error) {
	if r.dec.PeekKind() != '{' {
		return nil, fmt.Errorf("%w: tokenBalances is not an object of objects", ErrMalformed)
	}
	out := make(map[string]map[string]*big.Rat)
	err := r.object(func(name []byte) error {
		contract := r.nameString(name)
		if r.dec.PeekKind() != '{' {
			return fmt.Errorf("%w: tokenBalances is not an object of objects", ErrMalformed)
		}
		entries := make(map[string]*big.Rat)
		out[contract] = entries
		return r.object(func(name []byte) error {
			key := r.nameString(name)
			b, err := r.decimal("tokenBalances", new(big.Rat))
			entries[key] = b
			return err
		}, nil)
	}, nil)
	return out, err
}
