package tokengate

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"github.com/tokengate/tokengate/internal/wallet"
)

// IssuerOption configures one issuer of [WithIssuer]: settings that apply to
// that issuer's tokens only, in place of the Middleware's.
type IssuerOption func(*issuerConfig) error

// issuerConfig is what the IssuerOptions of one issuer set.
type issuerConfig struct {
	audience []string                 // nil: the Middleware's WithAudience
	algs     []jwa.SignatureAlgorithm // nil: the Middleware's WithAlgorithms
	types    []string                 // canonical typ values; nil: typ not checked
	wallets  *walletClaim             // a provider's wallet claim; nil: none
	checks   []func(*Claims) error    // a provider's own checks
}

// walletClaim is a provider's wallet claim: its name and its reader.
type walletClaim struct {
	name string
	read func(raw []byte, add wallet.Add) error
}

// issuer is one issuer's settings as New resolved them.
type issuer struct {
	name     string // the WithIssuer iss; "" for WithKeys
	keys     keyProvider
	audience []string
	algs     algSet
	types    []string
	wallets  *walletClaim
	checks   []func(*Claims) error
}

// IssuerAudience requires this issuer's tokens to carry one of aud in
// "aud", compared exactly, instead of the Middleware's [WithAudience]; the
// other issuers keep theirs. New fails on an empty list or an empty value.
func IssuerAudience(aud ...string) IssuerOption {
	return func(c *issuerConfig) error {
		if len(aud) == 0 || slices.Contains(aud, "") {
			return errors.New("IssuerAudience: empty audience")
		}
		c.audience = append(c.audience, aud...)
		return nil
	}
}

// IssuerAlgorithms accepts only algs for this issuer's tokens, instead of the
// Middleware's [WithAlgorithms] (which then need not list them). Keys of
// this issuer with another algorithm are refused as WithAlgorithms refuses
// them. New fails on an empty list, "none" or an unsupported algorithm.
func IssuerAlgorithms(algs ...jwa.SignatureAlgorithm) IssuerOption {
	return func(c *issuerConfig) error {
		if len(algs) == 0 {
			return errors.New("IssuerAlgorithms: empty list")
		}
		for _, a := range algs {
			if !slices.Contains(supportedAlgs, a) {
				return fmt.Errorf("IssuerAlgorithms: algorithm %q is not supported", a)
			}
		}
		c.algs = slices.Clone(algs)
		return nil
	}
}

// IssuerTypes requires the JOSE header "typ" of this issuer's tokens to be
// one of typ (explicit typing, RFC 8725 §3.11; RFC 9068 §4 names "at+jwt"
// for access tokens). Values compare case-insensitively, and an
// "application/" prefix is ignored on either side (RFC 7515 §4.1.9), so
// "at+jwt" accepts "application/at+jwt" and "AT+JWT". A token without typ,
// or with another, is refused with [ErrMalformed] (401). Default: typ is not
// checked. New fails on an empty list or an empty value.
func IssuerTypes(typ ...string) IssuerOption {
	return func(c *issuerConfig) error {
		if len(typ) == 0 {
			return errors.New("IssuerTypes: empty list")
		}
		for _, t := range typ {
			ct := canonicalTyp(t)
			if ct == "" {
				return errors.New("IssuerTypes: empty type")
			}
			c.types = append(c.types, ct)
		}
		return nil
	}
}

// canonicalTyp lower-cases a media type and drops an "application/" prefix.
func canonicalTyp(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	return strings.TrimPrefix(t, "application/")
}

// checkHeader applies the issuer's algorithm and typ settings to h.
func (is *issuer) checkHeader(h *header) error {
	if !is.algs.has(jwa.SignatureAlgorithm(h.Alg)) {
		return fmt.Errorf("%w: alg not allowed for this issuer", ErrAlgorithm)
	}
	if is.types != nil && (h.Typ == "" || !slices.Contains(is.types, canonicalTyp(h.Typ))) {
		return fmt.Errorf("%w: typ not accepted for this issuer", ErrMalformed)
	}
	return nil
}

// finish reads the issuer's own claim shapes into c and applies its own
// checks, after the signature and the registered claims have been checked.
func (is *issuer) finish(c *Claims) error {
	if is.wallets != nil {
		if err := is.wallets.readInto(c); err != nil {
			return err
		}
	}
	for _, check := range is.checks {
		if err := check(c); err != nil {
			return err
		}
	}
	return nil
}
