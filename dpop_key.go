package tokengate

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// defaultDPoPAlgs are the proof algorithms accepted by default: every
// asymmetric algorithm tokengate verifies.
var defaultDPoPAlgs = []jwa.SignatureAlgorithm{
	jwa.ES256, jwa.ES384, jwa.ES512,
	jwa.EdDSA,
	jwa.RS256, jwa.RS384, jwa.RS512,
	jwa.PS256, jwa.PS384, jwa.PS512,
}

// DPoPAlgorithms limits the algorithms a DPoP proof may be signed with;
// the DPoP challenge lists them in its algs parameter. Default: ES256,
// ES384, ES512, EdDSA, RS256, RS384, RS512, PS256, PS384, PS512. New fails
// on an empty list, "none", an HMAC algorithm (a proof needs a public key)
// or an unsupported algorithm.
func DPoPAlgorithms(algs ...jwa.SignatureAlgorithm) DPoPOption {
	return func(dp *dpopConfig) error {
		if len(algs) == 0 {
			return errors.New("DPoPAlgorithms: empty list")
		}
		for _, a := range algs {
			if !slices.Contains(defaultDPoPAlgs, a) {
				return fmt.Errorf("DPoPAlgorithms: %q is not an asymmetric algorithm tokengate supports", a)
			}
		}
		dp.setAlgs(algs)
		return nil
	}
}

func (dp *dpopConfig) setAlgs(algs []jwa.SignatureAlgorithm) {
	dp.algs = 0
	names := make([]string, 0, len(algs))
	for _, a := range algs {
		if !dp.algs.has(a) {
			dp.algs = dp.algs.with(a)
			names = append(names, a.String())
		}
	}
	dp.algList = strings.Join(names, " ")
}

// maxProofRSABits bounds the RSA keys of proofs, so that a client cannot
// make each of its requests cost an 8192-bit verification.
const maxProofRSABits = 4096

// proofKey reads the jwk header member of a DPoP proof signed with alg
// (an algorithm of the DPoP allowlist): a public EC, RSA or OKP key, fit
// for alg as every key tokengate uses must be (see newKey). A private key,
// a symmetric key, a key for encryption ("use": "enc", or key_ops without
// "verify"), or a jwk whose own "alg" is another algorithm is refused. It returns the key and its RFC 7638 SHA-256 thumbprint,
// base64url-encoded. This is the only place tokengate reads a key out of a
// JWT, and the key verifies nothing but the proof that carries it.
func proofKey(raw []byte, alg jwa.SignatureAlgorithm) (*key, string, error) {
	// Any private or symmetric member refuses the key, whatever jwx makes
	// of it (its IsPrivateKey looks at "d" only).
	var secret struct {
		D   jsontext.Value `json:"d"`
		P   jsontext.Value `json:"p"`
		Q   jsontext.Value `json:"q"`
		DP  jsontext.Value `json:"dp"`
		DQ  jsontext.Value `json:"dq"`
		QI  jsontext.Value `json:"qi"`
		Oth jsontext.Value `json:"oth"`
		K   jsontext.Value `json:"k"`
	}
	if err := json.Unmarshal(raw, &secret); err != nil {
		return nil, "", errors.New("not a JSON object")
	}
	if secret.D != nil || secret.P != nil || secret.Q != nil || secret.DP != nil || secret.DQ != nil ||
		secret.QI != nil || secret.Oth != nil || secret.K != nil {
		return nil, "", errors.New("a private or symmetric key")
	}
	k, err := jwk.ParseKey(raw)
	if err != nil {
		return nil, "", errors.New("not a JWK")
	}
	priv, err := jwk.IsPrivateKey(k)
	switch {
	case err != nil:
		return nil, "", errors.New("a symmetric key")
	case priv:
		return nil, "", errors.New("a private key")
	}
	switch k.KeyType() {
	case jwa.EC, jwa.RSA, jwa.OKP:
	default:
		return nil, "", errors.New("not an EC, RSA or OKP public key")
	}
	if u := k.KeyUsage(); u != "" && u != string(jwk.ForSignature) {
		return nil, "", errors.New("a key for encryption")
	}
	if ops := k.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, "", errors.New("a key whose key_ops exclude verify")
	}
	if a := k.Algorithm().String(); a != "" && a != alg.String() {
		return nil, "", errors.New("its alg differs from the header's")
	}
	var pub any
	if err := k.Raw(&pub); err != nil {
		return nil, "", errors.New("not a usable public key")
	}
	if rk, ok := pub.(*rsa.PublicKey); ok && rk.N.BitLen() > maxProofRSABits {
		return nil, "", fmt.Errorf("an RSA key over %d bits", maxProofRSABits)
	}
	kk, err := newKey("", alg, pub)
	if err != nil {
		return nil, "", err
	}
	tp, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, "", errors.New("no thumbprint")
	}
	return kk, base64.RawURLEncoding.EncodeToString(tp), nil
}
