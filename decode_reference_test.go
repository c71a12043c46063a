package tokengate

// The reference decoder: the header and claim set read token by token with
// jsontext's Decoder. It is slower than the walker in decode.go and used
// only by tests, to check that both read every text alike.

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

// refReader is a pooled decoder over a string.
type refReader struct {
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

var refReaders = sync.Pool{New: func() any { return new(refReader) }}

func refGetReader(src string) *refReader {
	r := refReaders.Get().(*refReader)
	r.src = src
	r.rd.Reset(src)
	r.dec.Reset(&r.rd)
	return r
}

func refPutReader(r *refReader) {
	r.src = ""
	r.rd.Reset("")
	r.dec.Reset(&r.rd)
	refReaders.Put(r)
}

var errRefNotObject = errors.New("not a JSON object")

// document reads a JSON text that is one object (see object); nothing but
// white space may follow it. Two of the object's member names that are equal
// under case folding fail it with errCaseVariant.
func (r *refReader) document(member func(name []byte) error) error {
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
func (r *refReader) object(member func(name []byte) error, names *nameSet) error {
	tok, err := r.dec.ReadToken()
	if err != nil || tok.Kind() != '{' {
		return errRefNotObject
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
		if names != nil && names.add(string(name)) {
			return errCaseVariant
		}
		if err := member(name); err != nil {
			return err
		}
	}
	if tok, err = r.dec.ReadToken(); err != nil || tok.Kind() != '}' {
		return errRefNotObject
	}
	return nil
}

// nameString returns name as a string. It must be called before member reads
// anything: a name written without escapes is then a substring of the text.
func (r *refReader) nameString(name []byte) string {
	if r.namePlain {
		return r.src[r.nameEnd-1-len(name) : r.nameEnd-1]
	}
	return string(name)
}

// span returns the text of the value just read, which is raw.
func (r *refReader) span(raw jsontext.Value) string {
	end := int(r.dec.InputOffset())
	return r.src[end-len(raw) : end]
}

// text returns the string value just read (raw, quoted): a substring of the
// text when it has no escapes.
func (r *refReader) text(raw jsontext.Value) (string, error) {
	if bytes.IndexByte(raw, '\\') < 0 {
		s := r.span(raw)
		return s[1 : len(s)-1], nil
	}
	b, err := jsontext.AppendUnquote(nil, raw)
	return string(b), err
}

// refTypeError is the error of a member of the wrong type. It names the member
// only when it is a registered one, never a value.
func refTypeError(name string) error {
	return fmt.Errorf("%w: %s has the wrong type", ErrMalformed, name)
}

// str reads a string, or null as "".
func (r *refReader) str(name string) (string, error) {
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
	return "", refTypeError(name)
}

// present reads and discards a value, reporting that the member is there.
func (r *refReader) present() (bool, error) {
	return true, r.dec.SkipValue()
}

// refDecodeHeader reads a JOSE header.
func refDecodeHeader(src string, h *header) error {
	r := refGetReader(src)
	defer refPutReader(r)
	err := r.document(func(name []byte) (err error) {
		switch string(name) {
		case "alg":
			h.Alg, err = r.str("alg")
		case "kid":
			h.Kid, err = r.str("kid")
		case "cty":
			h.Cty, err = r.str("cty")
		case "typ":
			h.Typ, err = r.str("typ")
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

// refDecodeClaims reads a claim set into Claims. Type errors wrap
// ErrMalformed; the time and audience rules are checkClaims's.
func refDecodeClaims(src string) (*Claims, error) {
	r := refGetReader(src)
	defer refPutReader(r)
	c := &Claims{}
	var jti, tid string
	var scope, scp []string
	var hasExp bool
	err := r.document(func(name []byte) (err error) {
		switch string(name) {
		case "iss":
			c.Issuer, err = r.str("iss")
		case "sub":
			c.Subject, err = r.str("sub")
		case "aud":
			c.Audience, err = r.strings("aud", false, nil)
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
			c.TokenBalance, err = r.decimal("tokenBalance", new(big.Rat))
		case "tokenIds":
			c.TokenIDs, err = r.strings("tokenIds", true, nil)
		case "tokenBalances":
			c.TokenBalances, err = r.balances()
		case "scope":
			var s string
			s, err = r.str("scope")
			scope = []string{s}
		case "scp":
			scp, err = r.strings("scp", false, nil)
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
	// Scopes: "scope" when present, else "scp"; space-separated strings.
	from := scp
	if scope != nil {
		from = scope
	}
	for _, s := range from {
		for t := range strings.SplitSeq(s, " ") {
			if t != "" {
				c.Scopes = append(c.Scopes, t)
			}
		}
	}
	if c.WalletAddress != "" {
		c.Wallets = []WalletAccount{{Chain: walletChain(c.Chain, c.WalletAddress), Address: c.WalletAddress}}
	}
	return c, nil
}

// numericDate reads an RFC 7519 NumericDate: a JSON number of seconds since
// the epoch, above 0 and within year 9999.
func (r *refReader) numericDate(name string) (time.Time, error) {
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
func (r *refReader) strings(name string, numbers bool, out []string) ([]string, error) {
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
func (r *refReader) decimal(name string, z *big.Rat) (*big.Rat, error) {
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
	return parseDecimal(name, text, z, nil)
}

// balances reads "tokenBalances" in its grouped or its flat form (see
// TokenBalances), deciding the form per member by peeking at its value.
func (r *refReader) balances() (*TokenBalances, error) {
	shape := fmt.Errorf("%w: tokenBalances has neither shape", ErrMalformed)
	if r.dec.PeekKind() != '{' {
		return nil, shape
	}
	tb := new(TokenBalances)
	groups := map[string]*map[string]*big.Rat{
		"contractAddress": &tb.ContractAddress, "collection": &tb.Collection,
		"tokenIds": &tb.TokenIDs, "creatorAddress": &tb.CreatorAddress,
	}
	var grouped, flat bool
	// read reads one decimal into m[key], refusing a key that repeats an
	// earlier one once case (addresses) or leading zeros (ids) are ignored.
	seen := map[*map[string]*big.Rat]map[string]bool{}
	read := func(m *map[string]*big.Rat, key string, ids bool) error {
		b, err := r.decimal("tokenBalances", new(big.Rat))
		if err != nil {
			return err
		}
		canon := canonicalAddress(key)
		if ids {
			canon = canonicalTokenID(key)
		}
		if seen[m] == nil {
			seen[m] = map[string]bool{}
		}
		if seen[m][canon] {
			return fmt.Errorf("%w: tokenBalances repeats a key", ErrMalformed)
		}
		seen[m][canon] = true
		if *m == nil {
			*m = map[string]*big.Rat{}
		}
		(*m)[key] = b
		return nil
	}
	err := r.object(func(name []byte) error {
		member := r.nameString(name)
		if r.dec.PeekKind() == '{' {
			grouped = true
			g, ok := groups[member]
			if flat || !ok {
				return shape
			}
			*g = map[string]*big.Rat{}
			return r.object(func(name []byte) error {
				return read(g, r.nameString(name), member == "tokenIds")
			}, nil)
		}
		flat = true
		if _, isGroup := groups[member]; grouped || isGroup {
			return shape
		}
		return read(&tb.ContractAddress, member, false)
	}, nil)
	if err != nil {
		return nil, err
	}
	return tb, nil
}
