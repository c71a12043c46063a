package tokengatetest

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// DPoPKey is a client's DPoP key (RFC 9449): it mints the proofs that go in
// the DPoP header, and [BoundTo] binds an [Issuer]'s tokens to it. Create
// one with [NewDPoPKey]. It is safe for concurrent use.
type DPoPKey struct {
	alg  jwa.SignatureAlgorithm
	priv crypto.Signer
	pub  crypto.PublicKey
	jwk  map[string]any // the public JWK, as proofs carry it
	jkt  string
}

// NewDPoPKey generates a DPoP key for alg: ES256 or ES384 (P-256, P-384),
// RS256 or PS256 (RSA 2048), or EdDSA (Ed25519). It panics on any other
// algorithm, HMAC included: a proof needs a public key.
func NewDPoPKey(alg jwa.SignatureAlgorithm) *DPoPKey {
	switch alg {
	case jwa.ES256, jwa.ES384, jwa.RS256, jwa.PS256, jwa.EdDSA:
	default:
		panic(fmt.Sprintf("tokengatetest: DPoP keys support ES256, ES384, RS256, PS256 and EdDSA, not %q", alg.String()))
	}
	sk := newSigningKey(alg)
	k := &DPoPKey{alg: alg, priv: sk.priv.(crypto.Signer), pub: sk.pub}
	pk, err := jwk.FromRaw(sk.pub)
	must(err)
	tp, err := pk.Thumbprint(crypto.SHA256)
	must(err)
	k.jkt = base64.RawURLEncoding.EncodeToString(tp)
	b, err := json.Marshal(pk)
	must(err)
	must(json.Unmarshal(b, &k.jwk))
	return k
}

// Algorithm returns the algorithm the key signs proofs with.
func (k *DPoPKey) Algorithm() jwa.SignatureAlgorithm { return k.alg }

// PublicKey returns the public half of the key: an *ecdsa.PublicKey,
// *rsa.PublicKey or ed25519.PublicKey.
func (k *DPoPKey) PublicKey() crypto.PublicKey { return k.pub }

// Thumbprint returns the key's RFC 7638 SHA-256 thumbprint, base64url
// without padding: the "jkt" of a token bound to it.
func (k *DPoPKey) Thumbprint() string { return k.jkt }

// BoundTo binds a token to k: it sets the claim "cnf" to {"jkt":
// k.Thumbprint()} (RFC 9449 §6.1).
func BoundTo(k *DPoPKey) TokenOption {
	return WithClaim("cnf", map[string]string{"jkt": k.jkt})
}

// ProofOption changes one proof minted by [DPoPKey.Proof]. Options apply in
// the order given, after the defaults are filled in.
type ProofOption func(*proofConfig)

type proofConfig struct {
	edits []edit
}

// ProofNonce puts the server's nonce (from a DPoP-Nonce header) into the
// proof's "nonce" claim.
func ProofNonce(nonce string) ProofOption { return ProofClaim("nonce", nonce) }

// ProofIssuedAt sets the proof's "iat" to t, in whole seconds, instead of
// now: for a stale proof, or one checked against a fixed clock.
func ProofIssuedAt(t time.Time) ProofOption { return ProofClaim("iat", t.Unix()) }

// ProofID sets the proof's "jti" instead of a random one.
func ProofID(jti string) ProofOption { return ProofClaim("jti", jti) }

// ProofClaim sets the proof's claim name to value (encoded with
// encoding/json), or removes the claim when value is nil.
func ProofClaim(name string, value any) ProofOption {
	return func(c *proofConfig) {
		c.edits = append(c.edits, edit{name: name, value: value, remove: value == nil})
	}
}

// ProofHeader sets the proof's protected header member name to value, or
// removes it when value is nil. Setting "alg" changes only the label (the
// proof is still signed with the key's own algorithm); setting "jwk" puts
// another key in, for hostile proofs.
func ProofHeader(name string, value any) ProofOption {
	return func(c *proofConfig) {
		c.edits = append(c.edits, edit{header: true, name: name, value: value, remove: value == nil})
	}
}

// Proof mints a DPoP proof for a request with method and url (the htm and
// htu claims; htu is url as given, so leave out its query and fragment),
// sent with the access token token ("ath" is its base64url SHA-256; no
// "ath" when token is ""). The header holds "typ": "dpop+jwt", "alg" and
// the public "jwk"; the payload "jti" (32 random hex digits), "htm", "htu",
// "iat" (now) and "ath". Then opts apply. Proof panics when the proof
// cannot be built, for example when a value cannot be encoded as JSON.
func (k *DPoPKey) Proof(method, url, token string, opts ...ProofOption) string {
	var cfg proofConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	hdr := map[string]any{"typ": "dpop+jwt", "alg": k.alg.String(), "jwk": k.jwk}
	payload := map[string]any{"jti": randomHex(16), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		payload["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	for _, e := range cfg.edits {
		m := payload
		if e.header {
			m = hdr
		}
		if e.remove {
			delete(m, e.name)
		} else {
			m[e.name] = e.value
		}
	}
	h, err := json.Marshal(hdr)
	must(err)
	p, err := json.Marshal(payload)
	must(err)
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	signer, err := jws.NewSigner(k.alg)
	must(err)
	sig, err := signer.Sign([]byte(input), k.priv)
	must(err)
	return input + "." + enc.EncodeToString(sig)
}

// Authorize sets r's "Authorization: DPoP <token>" and "DPoP: <proof>"
// headers, replacing any, with a proof for r's method and URL: the scheme
// and host of r.URL when it is absolute (as httptest.NewRequest and
// http.NewRequest make it), else "https" when r.TLS is set or "http", and
// r.Host; the path as r.URL escapes it; no query or fragment.
func (k *DPoPKey) Authorize(r *http.Request, token string, opts ...ProofOption) {
	scheme, host := r.URL.Scheme, r.URL.Host
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	if host == "" {
		host = r.Host
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	r.Header.Set("Authorization", "DPoP "+token)
	r.Header.Set("DPoP", k.Proof(r.Method, scheme+"://"+host+path, token, opts...))
}
