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

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The header and the claim set are read in one pass over jsontext's tokens,
// straight into their Go form: no reflection, no intermediate map, and no
// second parse of any claim. jsontext validates the JSON strictly (invalid
// UTF-8 and duplicate names are refused); scanJSON has already refused
// case-variant names and deep nesting. Registered claims must have their
// type: a string where a string belongs, a number for a NumericDate.

// jsonReader is a pooled decoder over a byte slice.
type jsonReader struct {
	rd  bytes.Reader
	dec jsontext.Decoder
}

var jsonReaders = sync.Pool{New: func() any { return new(jsonReader) }}

func getReader(b []byte) *jsonReader {
	r := jsonReaders.Get().(*jsonReader)
	r.rd.Reset(b)
	r.dec.Reset(&r.rd)
	return r
}

func putReader(r *jsonReader) {
	r.rd.Reset(nil)
	r.dec.Reset(&r.rd)
	jsonReaders.Put(r)
}

var errNotObject = errors.New("not a JSON object")

// document reads a JSON text that is one object (see object); nothing but
// white space may follow it.
func (r *jsonReader) document(member func(name []byte) error) error {
	if err := r.object(member); err != nil {
		return err
	}
	if _, err := r.dec.ReadToken(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// object reads one JSON object and hands each member name to member, which
// must read the value. The name is unescaped and valid only until the next
// read or peek: member copies it first if it keeps it.
func (r *jsonReader) object(member func(name []byte) error) error {
	tok, err := r.dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return errNotObject
	}
	var buf [64]byte
	for r.dec.PeekKind() == '"' {
		raw, err := r.dec.ReadValue()
		if err != nil {
			return err
		}
		name := raw[1 : len(raw)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			if name, err = jsontext.AppendUnquote(buf[:0], raw); err != nil {
				return err
			}
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

// typeError is the error of a member of the wrong type. It names the member
// only when it is a registered one, never a value.
func typeError(name string) error {
	return fmt.Errorf("%w: %s has the wrong type", ErrMalformed, name)
}

// str reads a string, or null as "".
func (r *jsonReader) str(name string) (string, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return "", err
	}
	switch tok.Kind() {
	case '"':
		return tok.String(), nil
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
func decodeHeader(b []byte, h *header) error {
	r := getReader(b)
	defer putReader(r)
	err := r.document(func(name []byte) (err error) {
		switch string(name) {
		case "alg":
			h.Alg, err = r.alg()
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

// decodeClaims reads a claim set into Claims. Type errors wrap
// ErrMalformed; the time and audience rules are checkClaims's.
func decodeClaims(b []byte) (*Claims, error) {
	r := getReader(b)
	defer putReader(r)
	c := &Claims{}
	var jti, tid string
	var hasExp bool
	err := r.document(func(name []byte) (err error) {
		switch string(name) {
		case "iss":
			c.Issuer, err = r.str("iss")
		case "sub":
			c.Subject, err = r.str("sub")
		case "aud":
			c.Audience, err = r.strings("aud", false)
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
			c.TokenBalance, err = r.decimal("tokenBalance")
		case "tokenIds":
			c.TokenIDs, err = r.strings("tokenIds", true)
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
	tok, err := r.dec.ReadToken()
	if err != nil {
		return time.Time{}, err
	}
	if tok.Kind() != '0' {
		return time.Time{}, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	f, err := tok.Float()
	if err != nil || !(f > 0 && f <= maxNumericDate) {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// strings reads a string or an array of strings (and, when numbers, of
// plain non-negative JSON integers, kept as written).
func (r *jsonReader) strings(name string, numbers bool) ([]string, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '"':
		return []string{tok.String()}, nil
	case '[':
	default:
		return nil, fmt.Errorf("%w: %s is neither a string nor an array", ErrMalformed, name)
	}
	out := make([]string, 0, 4)
	for {
		tok, err := r.dec.ReadToken()
		if err != nil {
			return nil, err
		}
		switch k := tok.Kind(); {
		case k == ']':
			return out, nil
		case k == '"':
			out = append(out, tok.String())
		case numbers && k == '0':
			// A token id written as a number must be a plain integer.
			s := tok.String()
			if !allDigits(s) {
				return nil, fmt.Errorf("%w: %s holds a number that is not a plain integer", ErrMalformed, name)
			}
			out = append(out, s)
		default:
			return nil, fmt.Errorf("%w: %s holds a value of the wrong type", ErrMalformed, name)
		}
	}
}

// decimal reads a decimal claim, a string such as "0.1337" or a JSON number.
func (r *jsonReader) decimal(name string) (*big.Rat, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	if k := tok.Kind(); k != '"' && k != '0' {
		return nil, fmt.Errorf("%w: %s is not a decimal", ErrMalformed, name)
	}
	return parseDecimal(name, tok.String())
}

// parseDecimal reads a non-negative decimal exactly: digits, optionally a
// point and more digits; no sign, no exponent, at most maxDecimalLen bytes.
func parseDecimal(name, s string) (*big.Rat, error) {
	if !isDecimal(s) {
		return nil, fmt.Errorf("%w: %s is not a plain decimal", ErrMalformed, name)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if len(intPart)+len(frac) <= 18 {
		// Fast path for the usual balance: digits fit an int64, so no
		// string scanning in math/big.
		n, err1 := strconv.ParseInt(intPart+frac, 10, 64)
		if err1 == nil {
			return new(big.Rat).SetFrac64(n, pow10[len(frac)]), nil
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a decimal", ErrMalformed, name)
	}
	return r, nil
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
		contract := string(name) // name is valid only until the next read
		if r.dec.PeekKind() != '{' {
			return fmt.Errorf("%w: tokenBalances is not an object of objects", ErrMalformed)
		}
		entries := make(map[string]*big.Rat)
		out[contract] = entries
		return r.object(func(name []byte) error {
			key := string(name) // name is valid only until the next read
			b, err := r.decimal("tokenBalances")
			entries[key] = b
			return err
		})
	})
	return out, err
}

// alg reads the header's alg. The names tokengate supports come back as
// constants, without an allocation.
func (r *jsonReader) alg() (string, error) {
	if r.dec.PeekKind() != '"' {
		return r.str("alg")
	}
	raw, err := r.dec.ReadValue()
	if err != nil {
		return "", err
	}
	for _, a := range supportedAlgs {
		if len(raw) == len(a)+2 && string(raw[1:len(raw)-1]) == string(a) {
			return string(a), nil
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return s, nil
}
