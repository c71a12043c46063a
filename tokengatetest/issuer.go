package tokengatetest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/tokengate/tokengate"
)

// jwksPath is where an Issuer serves its public keys.
const jwksPath = "/.well-known/jwks.json"

// Issuer is a test token issuer: a signing key, a JWKS endpoint on a local
// httptest.Server, and a method to mint tokens. Create one with [NewIssuer]
// and stop it with [Issuer.Close].
//
// An Issuer is safe for concurrent use: tokens may be minted and the JWKS
// fetched while another goroutine calls [Issuer.Rotate].
type Issuer struct {
	alg    jwa.SignatureAlgorithm
	server *httptest.Server

	requests atomic.Int64

	mu   sync.RWMutex
	cur  *signingKey
	prev *signingKey // nil until the first Rotate
	jwks []byte      // the JWKS body for cur and prev
}

// signingKey is one generation of the issuer's key.
type signingKey struct {
	kid  string
	priv any              // crypto.Signer, or the HMAC secret as []byte
	pub  crypto.PublicKey // nil for HMAC
}

// NewIssuer starts an Issuer on a new httptest.Server. The server answers
// GET (and HEAD) on /.well-known/jwks.json with the issuer's public keys;
// see [Issuer.JWKSURL]. It signs with ES256 on a fresh P-256 key unless
// [WithAlgorithm] says otherwise.
//
// NewIssuer panics when the algorithm is not supported or a key cannot be
// generated, as befits a test helper. The caller must call [Issuer.Close]
// when done, typically with defer or t.Cleanup.
func NewIssuer(opts ...IssuerOption) *Issuer {
	cfg := issuerConfig{alg: jwa.ES256}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	i := &Issuer{alg: cfg.alg}
	i.cur = newSigningKey(cfg.alg) // panics on an unsupported alg, before a server starts
	i.jwks = i.buildJWKS()

	mux := http.NewServeMux()
	mux.HandleFunc("GET "+jwksPath, i.serveJWKS)
	i.server = httptest.NewServer(mux)
	return i
}

// URL returns the base URL of the issuer's server, of the form
// http://127.0.0.1:port with no trailing slash. It is also the "iss" that
// [Issuer.Token] puts in tokens whose claims name no issuer.
func (i *Issuer) URL() string { return i.server.URL }

// JWKSURL returns the URL of the issuer's JWKS endpoint:
// URL() + "/.well-known/jwks.json".
func (i *Issuer) JWKSURL() string { return i.server.URL + jwksPath }

// Algorithm returns the algorithm the issuer signs with.
func (i *Issuer) Algorithm() jwa.SignatureAlgorithm { return i.alg }

// KeyID returns the key id ("kid") of the current signing key. It changes on
// every [Issuer.Rotate].
func (i *Issuer) KeyID() string {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.cur.kid
}

// Secret returns a copy of the current HMAC secret for an HS256, HS384 or
// HS512 issuer, and nil for any other algorithm. Hand it to the code under
// test as the shared secret; it changes on every [Issuer.Rotate].
func (i *Issuer) Secret() []byte {
	i.mu.RLock()
	defer i.mu.RUnlock()
	if s, ok := i.cur.priv.([]byte); ok {
		return append([]byte(nil), s...)
	}
	return nil
}

// PublicKey returns the public half of the current signing key: an
// *ecdsa.PublicKey, *rsa.PublicKey or ed25519.PublicKey. It returns nil for
// an HMAC issuer, which has no public key.
func (i *Issuer) PublicKey() crypto.PublicKey {
	i.mu.RLock()
	defer i.mu.RUnlock()
	return i.cur.pub
}

// JWKSRequests returns how many requests the JWKS endpoint has answered
// since the issuer started. Requests for other paths or with other methods
// are not counted. Use it to check that the code under test caches keys.
func (i *Issuer) JWKSRequests() int { return int(i.requests.Load()) }

// Rotate replaces the signing key with a new one of the same algorithm and
// a new key id. From then on the JWKS publishes the new key and the one it
// replaced; keys older than that are dropped, so tokens signed two
// rotations ago no longer verify. For an HMAC issuer Rotate draws a new
// secret, and tokens signed with the old one verify only against it.
// Rotate panics when a key cannot be generated.
func (i *Issuer) Rotate() {
	k := newSigningKey(i.alg)
	i.mu.Lock()
	defer i.mu.Unlock()
	i.prev, i.cur = i.cur, k
	i.jwks = i.buildJWKS()
}

// Close shuts the issuer's server down, blocking until outstanding requests
// have finished, like httptest.Server.Close. Tokens may still be minted
// after Close, but the JWKS is no longer served.
func (i *Issuer) Close() { i.server.Close() }

// Token mints a compact JWS signed with the current key and returns it.
//
// The payload carries the fields of c under their JWT names, each omitted
// when zero: "iss", "sub", "aud" (a string for one audience, an array for
// several), "exp", "nbf", "iat", "jti", "chain", "walletAddress",
// "displayAddress", "contractAddress", "tokenBalance" (an exact decimal
// string such as "0.1337", present whenever TokenBalance is not nil),
// "tokenIds" (an array of strings) and "email". Times are NumericDates in
// whole seconds. Defaults fill the gaps: "iss" is [Issuer.URL], "iat" is
// now, "exp" is now plus one hour and "jti" is 32 random hex digits.
//
// The protected header holds "alg", "kid" (the current [Issuer.KeyID]) and
// "typ": "JWT". Then opts apply in order: [WithClaim], [WithoutClaim] and
// [WithHeader].
//
// Token panics when the token cannot be built or signed, for example when a
// WithClaim value cannot be encoded as JSON or a WithHeader value has the
// wrong type for a registered header field.
func (i *Issuer) Token(c tokengate.Claims, opts ...TokenOption) string {
	var cfg tokenConfig
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}

	i.mu.RLock()
	key := i.cur
	i.mu.RUnlock()

	payload := i.payload(c, time.Now())
	hdr := jws.NewHeaders()
	must(hdr.Set(jws.TypeKey, "JWT"))
	must(hdr.Set(jws.KeyIDKey, key.kid))

	relabel := false // the caller set or removed "alg"
	for _, e := range cfg.edits {
		switch {
		case !e.header && e.remove:
			delete(payload, e.name)
		case !e.header:
			payload[e.name] = e.value
		case e.remove:
			relabel = relabel || e.name == jws.AlgorithmKey
			must(hdr.Remove(e.name))
		default:
			relabel = relabel || e.name == jws.AlgorithmKey
			must(hdr.Set(e.name, e.value))
		}
	}

	body, err := json.Marshal(payload)
	must(err)
	if relabel {
		return signRelabeled(i.alg, key.priv, hdr, body)
	}
	tok, err := jws.Sign(body, jws.WithKey(i.alg, key.priv, jws.WithProtectedHeaders(hdr)))
	must(err)
	return string(tok)
}

// payload builds the claims of c with the issuer's defaults.
func (i *Issuer) payload(c tokengate.Claims, now time.Time) map[string]any {
	p := make(map[string]any, 16)
	p["iss"] = i.URL()
	if c.Issuer != "" {
		p["iss"] = c.Issuer
	}
	if c.Subject != "" {
		p["sub"] = c.Subject
	}
	switch len(c.Audience) {
	case 0:
	case 1:
		p["aud"] = c.Audience[0]
	default:
		p["aud"] = append([]string(nil), c.Audience...)
	}
	p["exp"] = now.Add(time.Hour).Unix()
	if !c.ExpiresAt.IsZero() {
		p["exp"] = c.ExpiresAt.Unix()
	}
	if !c.NotBefore.IsZero() {
		p["nbf"] = c.NotBefore.Unix()
	}
	p["iat"] = now.Unix()
	if !c.IssuedAt.IsZero() {
		p["iat"] = c.IssuedAt.Unix()
	}
	p["jti"] = c.ID
	if c.ID == "" {
		p["jti"] = randomHex(16)
	}
	for name, v := range map[string]string{
		"chain":           c.Chain,
		"walletAddress":   c.WalletAddress,
		"displayAddress":  c.DisplayAddress,
		"contractAddress": c.ContractAddress,
		"email":           c.Email,
	} {
		if v != "" {
			p[name] = v
		}
	}
	if c.TokenBalance != nil {
		p["tokenBalance"] = formatRat(c.TokenBalance)
	}
	if len(c.TokenIDs) > 0 {
		p["tokenIds"] = append([]string(nil), c.TokenIDs...)
	}
	return p
}

// signRelabeled signs with alg but keeps whatever "alg" the header carries
// (jws.Sign would overwrite it), building the compact form by hand.
func signRelabeled(alg jwa.SignatureAlgorithm, key any, hdr jws.Headers, body []byte) string {
	h, err := json.Marshal(hdr)
	must(err)
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(body)
	signer, err := jws.NewSigner(alg)
	must(err)
	sig, err := signer.Sign([]byte(input), key)
	must(err)
	return input + "." + enc.EncodeToString(sig)
}

// serveJWKS answers GET /.well-known/jwks.json.
func (i *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	i.mu.RLock()
	body := i.jwks
	i.mu.RUnlock()
	i.requests.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(body)
}

// buildJWKS encodes the public keys of cur and prev, current first. The
// caller holds i.mu for writing (or has not published i yet). An HMAC
// issuer publishes an empty set: a secret is never served.
func (i *Issuer) buildJWKS() []byte {
	set := jwk.NewSet()
	for _, k := range []*signingKey{i.cur, i.prev} {
		if k == nil || k.pub == nil {
			continue
		}
		pk, err := jwk.FromRaw(k.pub)
		must(err)
		must(pk.Set(jwk.KeyIDKey, k.kid))
		must(pk.Set(jwk.AlgorithmKey, i.alg))
		must(pk.Set(jwk.KeyUsageKey, jwk.ForSignature))
		must(set.AddKey(pk))
	}
	if set.Len() == 0 {
		return []byte(`{"keys":[]}`)
	}
	b, err := json.Marshal(set)
	must(err)
	return b
}

// newSigningKey generates a key for alg with a random kid. It panics on an
// unsupported alg.
func newSigningKey(alg jwa.SignatureAlgorithm) *signingKey {
	k := &signingKey{kid: randomHex(8)}
	var err error
	switch alg {
	case jwa.ES256, jwa.ES384:
		curve := elliptic.P256()
		if alg == jwa.ES384 {
			curve = elliptic.P384()
		}
		var pk *ecdsa.PrivateKey
		pk, err = ecdsa.GenerateKey(curve, rand.Reader)
		if err == nil {
			k.priv, k.pub = pk, &pk.PublicKey
		}
	case jwa.RS256, jwa.PS256:
		var pk *rsa.PrivateKey
		pk, err = rsa.GenerateKey(rand.Reader, 2048)
		if err == nil {
			k.priv, k.pub = pk, &pk.PublicKey
		}
	case jwa.EdDSA:
		var pub ed25519.PublicKey
		var pk ed25519.PrivateKey
		pub, pk, err = ed25519.GenerateKey(rand.Reader)
		if err == nil {
			k.priv, k.pub = pk, pub
		}
	case jwa.HS256:
		k.priv = randomBytes(32)
	case jwa.HS384:
		k.priv = randomBytes(48)
	case jwa.HS512:
		k.priv = randomBytes(64)
	default:
		panic(fmt.Sprintf("tokengatetest: unsupported algorithm %q (supported: ES256, ES384, RS256, PS256, EdDSA, HS256, HS384, HS512)", alg.String()))
	}
	if err != nil {
		panic(fmt.Sprintf("tokengatetest: generate %s key: %v", alg, err))
	}
	return k
}

// formatRat writes r as an exact decimal when its denominator has no prime
// factors other than 2 and 5 (so "0.1337", "42", "-2.5"), and with 18
// decimal places otherwise.
func formatRat(r *big.Rat) string {
	d := new(big.Int).Set(r.Denom())
	a := d.TrailingZeroBits() // the power of 2
	d.Rsh(d, a)
	b := uint(0) // the power of 5
	five := big.NewInt(5)
	q, m := new(big.Int), new(big.Int)
	for {
		q.QuoRem(d, five, m)
		if m.Sign() != 0 {
			break
		}
		d.Set(q)
		b++
	}
	if !d.IsInt64() || d.Int64() != 1 {
		return r.FloatString(18)
	}
	return r.FloatString(int(max(a, b)))
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24; it crashes the program instead
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

// must panics on a failure the test helper cannot report otherwise.
func must(err error) {
	if err != nil {
		panic("tokengatetest: " + err.Error())
	}
}
