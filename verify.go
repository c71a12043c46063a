package tokengate

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/lestrrat-go/jwx/v2/jwa"
)

// Size limits checked before anything is decoded.
const (
	maxTokenBytes  = 16 << 10 // a whole compact token
	maxHeaderBytes = 2 << 10  // its encoded header segment
)

// header is the JOSE header of a compact JWS. JSON decoding is strict: names
// are matched case-sensitively, duplicate names and invalid UTF-8 are refused,
// and a field of the wrong type fails.
type header struct {
	Alg  string         `json:"alg"`
	Kid  string         `json:"kid"`
	Cty  string         `json:"cty"`
	Crit jsontext.Value `json:"crit"`
	B64  jsontext.Value `json:"b64"`
	Enc  jsontext.Value `json:"enc"`
	Zip  jsontext.Value `json:"zip"`
}

// payload is the claim set, decoded as strictly as the header. Claims whose
// JSON form varies are kept raw and converted by hand.
type payload struct {
	Iss             string         `json:"iss"`
	Sub             string         `json:"sub"`
	Aud             jsontext.Value `json:"aud"`
	Exp             jsontext.Value `json:"exp"`
	Nbf             jsontext.Value `json:"nbf"`
	Iat             jsontext.Value `json:"iat"`
	Jti             string         `json:"jti"`
	Tid             string         `json:"tid"`
	Chain           string         `json:"chain"`
	WalletAddress   string         `json:"walletAddress"`
	DisplayAddress  string         `json:"displayAddress"`
	ContractAddress string         `json:"contractAddress"`
	TokenBalance    jsontext.Value `json:"tokenBalance"`
	TokenBalances   jsontext.Value `json:"tokenBalances"`
	TokenIDs        jsontext.Value `json:"tokenIds"`
	Email           string         `json:"email"`
}

// verify runs the verification pipeline on one compact token: size and form,
// header, key choice by iss then kid, signature, claims.
func (m *Middleware) verify(ctx context.Context, token string) (*Claims, error) {
	if len(token) > maxTokenBytes {
		return nil, fmt.Errorf("%w: token longer than %d bytes", ErrMalformed, maxTokenBytes)
	}
	hseg, rest, ok1 := strings.Cut(token, ".")
	pseg, sseg, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(sseg, '.') >= 0 {
		return nil, fmt.Errorf("%w: not three dot-separated segments", ErrMalformed)
	}
	if len(hseg) > maxHeaderBytes {
		return nil, fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, maxHeaderBytes)
	}
	hb, err := decodeSegment(hseg)
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	pb, err := decodeSegment(pseg)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
	}
	sig, err := decodeSegment(sseg)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}

	var h header
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %s", ErrMalformed, jsonProblem(err))
	}
	switch {
	case len(h.Crit) > 0:
		return nil, fmt.Errorf("%w: header has crit", ErrMalformed)
	case len(h.B64) > 0:
		return nil, fmt.Errorf("%w: header has b64", ErrMalformed)
	case len(h.Enc) > 0 || len(h.Zip) > 0:
		return nil, fmt.Errorf("%w: header is a JWE header", ErrMalformed)
	case h.Cty != "":
		return nil, fmt.Errorf("%w: header has cty (nested tokens are refused)", ErrMalformed)
	}
	alg := jwa.SignatureAlgorithm(h.Alg)
	if !m.algs[alg] {
		return nil, fmt.Errorf("%w: alg not allowed", ErrAlgorithm)
	}

	var p payload
	if err := json.Unmarshal(pb, &p); err != nil {
		return nil, fmt.Errorf("%w: payload: %s", ErrMalformed, jsonProblem(err))
	}

	keys, ok := m.issuers[p.Iss]
	if !ok {
		if keys = m.fallback; keys == nil {
			return nil, fmt.Errorf("%w: no keys for this issuer", ErrIssuer)
		}
	}
	k, err := keys.lookup(ctx, h.Kid, alg)
	if err != nil {
		return nil, err
	}
	if k.alg != alg {
		return nil, fmt.Errorf("%w: header alg differs from the key's", ErrAlgorithm)
	}
	if err := k.verifier.Verify([]byte(token[:len(hseg)+1+len(pseg)]), sig, k.raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignature, err)
	}

	c, err := p.claims()
	if err != nil {
		return nil, err
	}
	if err := m.checkClaims(c); err != nil {
		return nil, err
	}
	c.raw = pb
	return c, nil
}

// jsonProblem names the kind of a JSON decoding error. The error's own text
// quotes member names and bytes of a token whose signature is not checked
// yet, so none of it reaches errors and logs.
func jsonProblem(err error) string {
	var syn *jsontext.SyntacticError
	switch {
	case errors.Is(err, jsontext.ErrDuplicateName):
		return "duplicate member name"
	case errors.As(err, &syn):
		return "invalid JSON"
	default:
		return "a member has the wrong type"
	}
}

// decodeSegment decodes one base64url segment strictly: only the URL-safe
// alphabet, no padding, no line breaks, no stray bits; an empty segment is
// refused.
func decodeSegment(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("empty segment")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return nil, fmt.Errorf("byte %d is outside the base64url alphabet", i)
		}
	}
	return base64.RawURLEncoding.Strict().DecodeString(s)
}

// checkClaims applies the time, lifetime and audience rules.
func (m *Middleware) checkClaims(c *Claims) error {
	now := m.cfg.now()
	if !now.Before(c.ExpiresAt.Add(m.cfg.skew)) {
		return fmt.Errorf("%w: exp has passed", ErrExpired)
	}
	if !c.NotBefore.IsZero() && now.Add(m.cfg.skew).Before(c.NotBefore) {
		return fmt.Errorf("%w: nbf is in the future", ErrNotYetValid)
	}
	if !c.IssuedAt.IsZero() && now.Add(m.cfg.skew).Before(c.IssuedAt) {
		return fmt.Errorf("%w: iat is in the future", ErrNotYetValid)
	}
	if m.cfg.maxLifetime > 0 {
		start := c.IssuedAt
		if start.IsZero() {
			start = now
		}
		if c.ExpiresAt.Sub(start) > m.cfg.maxLifetime {
			return fmt.Errorf("%w: lifetime exceeds the maximum", ErrExpired)
		}
	}
	if len(c.Audience) > 0 || len(m.cfg.audience) > 0 {
		for _, a := range c.Audience {
			for _, want := range m.cfg.audience {
				if a == want {
					return nil
				}
			}
		}
		return fmt.Errorf("%w: no accepted audience", ErrAudience)
	}
	return nil
}

// claims converts the decoded payload into Claims, checking the types of the
// claims kept raw.
func (p *payload) claims() (*Claims, error) {
	c := &Claims{
		Issuer:          p.Iss,
		Subject:         p.Sub,
		ID:              p.Jti,
		Chain:           p.Chain,
		WalletAddress:   p.WalletAddress,
		DisplayAddress:  p.DisplayAddress,
		ContractAddress: p.ContractAddress,
		Email:           p.Email,
	}
	if c.ID == "" {
		c.ID = p.Tid
	}
	var err error
	if len(p.Exp) == 0 {
		return nil, fmt.Errorf("%w: exp is required", ErrMalformed)
	}
	if c.ExpiresAt, err = numericDate("exp", p.Exp); err != nil {
		return nil, err
	}
	if c.NotBefore, err = numericDate("nbf", p.Nbf); err != nil {
		return nil, err
	}
	if c.IssuedAt, err = numericDate("iat", p.Iat); err != nil {
		return nil, err
	}
	if c.Audience, err = stringOrArray("aud", p.Aud, false); err != nil {
		return nil, err
	}
	if c.TokenIDs, err = stringOrArray("tokenIds", p.TokenIDs, true); err != nil {
		return nil, err
	}
	if c.TokenBalance, err = decimal("tokenBalance", p.TokenBalance); err != nil {
		return nil, err
	}
	if c.TokenBalances, err = balances(p.TokenBalances); err != nil {
		return nil, err
	}
	return c, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are refused.
const maxNumericDate = 253402300799

// numericDate parses an RFC 7519 NumericDate: a JSON number of seconds since
// the epoch, above 0 and within year 9999. Absent gives the zero time.
func numericDate(name string, v jsontext.Value) (time.Time, error) {
	if len(v) == 0 {
		return time.Time{}, nil
	}
	if v.Kind() != '0' {
		return time.Time{}, fmt.Errorf("%w: %s is not a number", ErrMalformed, name)
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil || !(f > 0 && f <= maxNumericDate) {
		return time.Time{}, fmt.Errorf("%w: %s is out of range", ErrMalformed, name)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// stringOrArray reads a claim that is a string or an array of strings (and,
// when numbers, of JSON numbers, kept as written).
func stringOrArray(name string, v jsontext.Value, numbers bool) ([]string, error) {
	if len(v) == 0 {
		return nil, nil
	}
	var out []string
	switch v.Kind() {
	case '"':
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
		}
		return []string{s}, nil
	case '[':
		var items []jsontext.Value
		if err := json.Unmarshal(v, &items); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
		}
		out = make([]string, 0, len(items))
		for _, it := range items {
			switch {
			case it.Kind() == '"':
				var s string
				if err := json.Unmarshal(it, &s); err != nil {
					return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
				}
				out = append(out, s)
			case numbers && it.Kind() == '0':
				out = append(out, string(it))
			default:
				return nil, fmt.Errorf("%w: %s holds a value of the wrong type", ErrMalformed, name)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: %s is neither a string nor an array", ErrMalformed, name)
}

// maxDecimalLen bounds a decimal claim, so that no claim costs more than a
// few hundred bytes of arithmetic.
const maxDecimalLen = 100

// decimal reads a non-negative decimal written as a string ("0.1337") or a
// JSON number, exactly: digits, optionally a point and more digits; no sign,
// no exponent.
func decimal(name string, v jsontext.Value) (*big.Rat, error) {
	if len(v) == 0 {
		return nil, nil
	}
	s := string(v)
	if v.Kind() == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
		}
	} else if v.Kind() != '0' {
		return nil, fmt.Errorf("%w: %s is not a decimal", ErrMalformed, name)
	}
	if !isDecimal(s) {
		return nil, fmt.Errorf("%w: %s is not a plain decimal", ErrMalformed, name)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, fmt.Errorf("%w: %s is not a decimal", ErrMalformed, name)
	}
	return r, nil
}

// isDecimal reports whether s is digits, optionally followed by a point and
// digits, at most maxDecimalLen bytes long.
func isDecimal(s string) bool {
	if s == "" || len(s) > maxDecimalLen {
		return false
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	return allDigits(intPart) && (!hasPoint || allDigits(frac))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
