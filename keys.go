package tokengate

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// KeySource supplies the keys that verify tokens of one issuer (see
// [WithIssuer]) or of tokens no issuer matches (see [WithKeys]). Build one with
// [JWKS], [HMACSecret], [HMACKey], [PublicKey] or [KeySet]; for issuers that
// publish no keys, [Introspect] and [PicketValidate] ask the issuer to
// validate each token. A source given invalid input does not fail at once:
// New reports the problem.
type KeySource interface {
	// open validates the source against the middleware's configuration and
	// returns what the middleware consults for each token.
	open(env *sourceEnv) (keyProvider, error)
}

// sourceEnv is what a key source learns of the middleware when it opens.
type sourceEnv struct {
	iss    string // the WithIssuer issuer; "" for WithKeys
	algs   algSet
	logger *slog.Logger
	skew   time.Duration // WithClockSkew
}

// keyProvider finds the key for a token's kid and alg. Implementations are
// safe for concurrent use.
type keyProvider interface {
	lookup(ctx context.Context, kid string, alg jwa.SignatureAlgorithm) (*key, error)
	// current reports whether k still verifies without a fetch: it is in
	// the key set in use, and that set is usable.
	current(k *key) bool
	close()
}

// kidFetcher is a keyProvider whose keys come from a JWKS, which a fetch
// may bring up to date (see jwksProvider.lookupKid).
type kidFetcher interface {
	lookupKid(ctx context.Context, kid string) (*key, error)
}

// remoteValidator is a keyProvider of an issuer that publishes no keys
// (remote validation: RFC 7662 introspection, Picket's validate call, see
// remote.go): it validates the whole token by asking the issuer and returns
// the claims of the answer, a copy of its own for each call, or an error
// wrapping a sentinel: ErrExpired (the token's own exp has passed: the
// issuer is not asked), ErrSignature (the issuer says the token is not
// valid), ErrMalformed (the answer's claims do not decode), ErrIssuer (the
// answer names another issuer), or ErrKeysUnavailable (the issuer cannot be
// asked, times out or gives no usable answer: 503). The caller still applies
// checkClaims, single use and requirements. Its lookup is never called.
type remoteValidator interface {
	keyProvider
	validate(ctx context.Context, token string) (*Claims, error)
}

// key is one verification key, bound to exactly one algorithm. Its raw key
// is a private copy, so the caller cannot change it after New.
type key struct {
	kid      string
	alg      jwa.SignatureAlgorithm
	raw      any // *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey or []byte
	verifier jws.Verifier
}

// algSet is a set of the signature algorithms tokengate verifies, one bit
// each: the check every request makes costs a switch, not a map lookup.
type algSet uint16

// algBit is alg's bit in an algSet; 0 for an algorithm not in
// supportedAlgs, which no algSet holds.
func algBit(alg jwa.SignatureAlgorithm) algSet {
	switch alg {
	case jwa.RS256:
		return 1 << 0
	case jwa.RS384:
		return 1 << 1
	case jwa.RS512:
		return 1 << 2
	case jwa.PS256:
		return 1 << 3
	case jwa.PS384:
		return 1 << 4
	case jwa.PS512:
		return 1 << 5
	case jwa.ES256:
		return 1 << 6
	case jwa.ES384:
		return 1 << 7
	case jwa.ES512:
		return 1 << 8
	case jwa.EdDSA:
		return 1 << 9
	case jwa.HS256:
		return 1 << 10
	case jwa.HS384:
		return 1 << 11
	case jwa.HS512:
		return 1 << 12
	}
	return 0
}

// has reports whether alg is in s.
func (s algSet) has(alg jwa.SignatureAlgorithm) bool {
	b := algBit(alg)
	return b != 0 && s&b != 0
}

// with returns s with alg added (s itself for an unsupported alg).
func (s algSet) with(alg jwa.SignatureAlgorithm) algSet { return s | algBit(alg) }

// supportedAlgs are the algorithms tokengate verifies; "none" is never among
// them.
var supportedAlgs = []jwa.SignatureAlgorithm{
	jwa.RS256, jwa.RS384, jwa.RS512,
	jwa.PS256, jwa.PS384, jwa.PS512,
	jwa.ES256, jwa.ES384, jwa.ES512,
	jwa.EdDSA,
	jwa.HS256, jwa.HS384, jwa.HS512,
}

// newKey checks that raw is a key fit for alg (RSA of at least 2048 bits with
// e = 65537, an EC key on the curve alg names, an Ed25519 key, an HMAC secret
// at least as long as the hash) and binds them.
func newKey(kid string, alg jwa.SignatureAlgorithm, raw any) (*key, error) {
	if !slices.Contains(supportedAlgs, alg) {
		return nil, fmt.Errorf("unsupported algorithm %q", alg)
	}
	switch alg {
	case jwa.RS256, jwa.RS384, jwa.RS512, jwa.PS256, jwa.PS384, jwa.PS512:
		k, ok := raw.(*rsa.PublicKey)
		if !ok || k == nil {
			return nil, keyTypeError(alg, raw, "*rsa.PublicKey")
		}
		if k.N == nil || k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("%s key is shorter than 2048 bits", alg)
		}
		if k.E != 65537 {
			return nil, fmt.Errorf("%s key exponent is not 65537", alg)
		}
		if hasROCAFingerprint(k.N) {
			return nil, fmt.Errorf("%s key has the ROCA fingerprint (CVE-2017-15361): its private key can be computed", alg)
		}
		raw = &rsa.PublicKey{N: new(big.Int).Set(k.N), E: k.E}
	case jwa.ES256, jwa.ES384, jwa.ES512:
		k, ok := raw.(*ecdsa.PublicKey)
		//lint:ignore SA1019 a key built by hand may lack coordinates, and Bytes panics on those
		if !ok || k == nil || k.X == nil || k.Y == nil {
			return nil, keyTypeError(alg, raw, "*ecdsa.PublicKey")
		}
		want := map[jwa.SignatureAlgorithm]elliptic.Curve{
			jwa.ES256: elliptic.P256(), jwa.ES384: elliptic.P384(), jwa.ES512: elliptic.P521(),
		}[alg]
		if k.Curve != want {
			return nil, fmt.Errorf("%s needs an EC key on %s", alg, want.Params().Name)
		}
		// Bytes refuses a point off the curve (or at infinity); parsing its
		// encoding back makes the private copy.
		b, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("%s key is not a point on %s", alg, want.Params().Name)
		}
		if raw, err = ecdsa.ParseUncompressedPublicKey(want, b); err != nil {
			return nil, fmt.Errorf("%s key is not a point on %s", alg, want.Params().Name)
		}
	case jwa.EdDSA:
		k, ok := raw.(ed25519.PublicKey)
		if !ok {
			return nil, keyTypeError(alg, raw, "ed25519.PublicKey")
		}
		if len(k) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("EdDSA key has %d bytes, want %d", len(k), ed25519.PublicKeySize)
		}
		raw = slices.Clone(k)
	default: // HS256, HS384, HS512
		k, ok := raw.([]byte)
		if !ok {
			return nil, keyTypeError(alg, raw, "[]byte")
		}
		min := map[jwa.SignatureAlgorithm]int{jwa.HS256: 32, jwa.HS384: 48, jwa.HS512: 64}[alg]
		if len(k) < min {
			return nil, fmt.Errorf("%s secret has %d bytes, want at least %d", alg, len(k), min)
		}
		raw = slices.Clone(k)
	}
	var v jws.Verifier
	switch alg {
	case jwa.ES256:
		v = ecdsaVerifier{crypto.SHA256, 32}
	case jwa.ES384:
		v = ecdsaVerifier{crypto.SHA384, 48}
	case jwa.ES512:
		v = ecdsaVerifier{crypto.SHA512, 66}
	case jwa.HS256:
		v = newHMACVerifier(sha256.New, raw.([]byte))
	case jwa.HS384:
		v = newHMACVerifier(sha512.New384, raw.([]byte))
	case jwa.HS512:
		v = newHMACVerifier(sha512.New, raw.([]byte))
	case jwa.PS256:
		v = pssVerifier{crypto.SHA256}
	case jwa.PS384:
		v = pssVerifier{crypto.SHA384}
	case jwa.PS512:
		v = pssVerifier{crypto.SHA512}
	default:
		var err error
		if v, err = jws.NewVerifier(alg); err != nil {
			return nil, fmt.Errorf("%s: %w", alg, err)
		}
	}
	return &key{kid: kid, alg: alg, raw: raw, verifier: v}, nil
}

// ecdsaVerifier verifies ES256/384/512 signatures: r||s of exactly twice
// the curve's size (RFC 7518 §3.4), checked with ecdsa.VerifyASN1 on their
// DER form built in place. The key was checked to be on its curve when it was
// loaded, so nothing is converted to big integers per request.
type ecdsaVerifier struct {
	hash crypto.Hash
	size int // bytes of r and of s
}

func (v ecdsaVerifier) Verify(payload, signature []byte, key any) error {
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("ECDSA needs an *ecdsa.PublicKey, got %T", key)
	}
	if len(signature) != 2*v.size {
		return fmt.Errorf("ECDSA signature has %d bytes, want %d", len(signature), 2*v.size)
	}
	var der [2*66 + 12]byte
	sig := derSignature(der[:0], signature[:v.size], signature[v.size:])
	var sum [sha512.Size]byte
	h := v.hash.New()
	h.Write(payload)
	if !ecdsa.VerifyASN1(pub, h.Sum(sum[:0]), sig) {
		return errors.New("ECDSA signature does not verify")
	}
	return nil
}

// derSignature appends SEQUENCE { INTEGER r, INTEGER s } in DER, r and s
// given as unsigned big-endian bytes of at most 66 bytes each.
func derSignature(dst, r, s []byte) []byte {
	r, padR := derInteger(r)
	s, padS := derInteger(s)
	lr, ls := len(r)+padR, len(s)+padS
	body := 4 + lr + ls // two tags and two short lengths (each ≤ 67)
	dst = append(dst, 0x30)
	if body >= 0x80 {
		dst = append(dst, 0x81)
	}
	dst = append(dst, byte(body), 0x02, byte(lr))
	if padR == 1 {
		dst = append(dst, 0)
	}
	dst = append(dst, r...)
	dst = append(dst, 0x02, byte(ls))
	if padS == 1 {
		dst = append(dst, 0)
	}
	return append(dst, s...)
}

// derInteger returns the unsigned value b without leading zero bytes (zero
// itself as one zero byte), and 1 when DER needs a zero byte before it
// because its high bit is set.
func derInteger(b []byte) ([]byte, int) {
	i := 0
	for i < len(b)-1 && b[i] == 0 {
		i++
	}
	b = b[i:]
	if len(b) > 0 && b[0]&0x80 != 0 {
		return b, 1
	}
	return b, 0
}

// hmacVerifier verifies HS256/384/512 signatures with MAC states kept in a
// pool, so a verification allocates nothing. The comparison is constant
// time (hmac.Equal).
type hmacVerifier struct{ pool *sync.Pool }

// hmacState is a MAC and room for its sum.
type hmacState struct {
	mac hash.Hash
	sum [sha512.Size]byte
}

func newHMACVerifier(h func() hash.Hash, secret []byte) hmacVerifier {
	return hmacVerifier{&sync.Pool{New: func() any { return &hmacState{mac: hmac.New(h, secret)} }}}
}

func (v hmacVerifier) Verify(payload, signature []byte, _ any) error {
	st := v.pool.Get().(*hmacState)
	defer v.pool.Put(st)
	st.mac.Reset()
	st.mac.Write(payload)
	if !hmac.Equal(st.mac.Sum(st.sum[:0]), signature) {
		return errors.New("HMAC does not match")
	}
	return nil
}

// pssVerifier verifies RSASSA-PSS signatures (PS256, PS384, PS512) whose salt
// is exactly as long as the hash, as RFC 7518 §3.5 requires. jwx's own PS*
// verifier accepts any salt length (rsa.PSSSaltLengthAuto), so a signature
// made with another salt length, which no conforming issuer makes, would
// verify.
type pssVerifier struct{ hash crypto.Hash }

func (v pssVerifier) Verify(payload, signature []byte, key any) error {
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("RSASSA-PSS needs an *rsa.PublicKey, got %T", key)
	}
	h := v.hash.New()
	h.Write(payload)
	return rsa.VerifyPSS(pub, v.hash, h.Sum(nil), signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
}

// hasROCAFingerprint reports whether the RSA modulus n has the structure of
// the keys generated by Infineon's flawed library (ROCA, CVE-2017-15361),
// whose private keys can be factored. For such keys n mod p lies, for each of
// a few small primes p, in the subgroup that 65537 generates modulo p; a
// random modulus passes that test with negligible probability.
func hasROCAFingerprint(n *big.Int) bool {
	var r, q big.Int
	for _, p := range []int64{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73,
		79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167} {
		rem := r.Mod(n, q.SetInt64(p)).Int64()
		g, x, inGroup := 65537%p, int64(1), false
		for range p {
			if x == rem {
				inGroup = true
				break
			}
			x = x * g % p
		}
		if !inGroup {
			return false
		}
	}
	return true
}

func keyTypeError(alg jwa.SignatureAlgorithm, raw any, want string) error {
	switch raw.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return fmt.Errorf("%s key is a private key; pass its public key", alg)
	}
	return fmt.Errorf("%s needs a %s, got %T", alg, want, raw)
}

// keyFromJWK turns one JWK into a key. It refuses keys marked "use": "enc",
// keys whose key_ops exclude "verify", private keys, and symmetric keys unless
// allowSecret. A JWK without "alg" gets the one its type implies (ES* by
// curve, EdDSA for Ed25519, RS256 for RSA); symmetric keys must name theirs.
func keyFromJWK(k jwk.Key, allowSecret bool) (*key, error) {
	if u := k.KeyUsage(); u != "" && u != string(jwk.ForSignature) {
		return nil, fmt.Errorf("key %q is for %q, not signatures", k.KeyID(), u)
	}
	if ops := k.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) {
		return nil, fmt.Errorf("key %q key_ops exclude verify", k.KeyID())
	}
	if priv, err := jwk.IsPrivateKey(k); err == nil && priv {
		return nil, fmt.Errorf("key %q holds private key material", k.KeyID())
	}
	var raw any
	if err := k.Raw(&raw); err != nil {
		return nil, fmt.Errorf("key %q: %w", k.KeyID(), err)
	}
	alg := jwa.SignatureAlgorithm(k.Algorithm().String())
	switch r := raw.(type) {
	case []byte:
		if !allowSecret {
			return nil, fmt.Errorf("key %q is a symmetric key in a public key set", k.KeyID())
		}
		if alg == "" {
			return nil, fmt.Errorf("symmetric key %q names no alg", k.KeyID())
		}
	case *ecdsa.PublicKey:
		if alg == "" {
			alg = map[string]jwa.SignatureAlgorithm{"P-256": jwa.ES256, "P-384": jwa.ES384, "P-521": jwa.ES512}[r.Curve.Params().Name]
		}
	case ed25519.PublicKey:
		if alg == "" {
			alg = jwa.EdDSA
		}
	case *rsa.PublicKey:
		if alg == "" {
			alg = jwa.RS256
		}
	}
	if alg == "" {
		return nil, fmt.Errorf("key %q: no algorithm fits its type", k.KeyID())
	}
	kk, err := newKey(k.KeyID(), alg, raw)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", k.KeyID(), err)
	}
	return kk, nil
}

// keyring is an immutable set of keys.
type keyring struct {
	keys  []*key
	byKid map[string]*key
}

func newKeyring(keys []*key) (*keyring, error) {
	kr := &keyring{keys: keys, byKid: make(map[string]*key, len(keys))}
	for _, k := range keys {
		if k.kid == "" {
			continue
		}
		if _, dup := kr.byKid[k.kid]; dup {
			return nil, fmt.Errorf("two keys with kid %q", k.kid)
		}
		kr.byKid[k.kid] = k
	}
	return kr, nil
}

// has reports whether k is one of the ring's keys.
func (kr *keyring) has(k *key) bool {
	if k.kid != "" {
		return kr.byKid[k.kid] == k
	}
	return slices.Contains(kr.keys, k)
}

// lookup finds the key for a token. A token with a kid uses the key of that
// kid; failing that, the one key without a kid that has the token's alg. A
// token without a kid is accepted only when exactly one key has its alg. The
// caller still compares the key's algorithm with the header's.
func (kr *keyring) lookup(kid string, alg jwa.SignatureAlgorithm) (*key, error) {
	if kid != "" {
		if k, ok := kr.byKid[kid]; ok {
			return k, nil
		}
	}
	var found *key
	n, sameAlg := 0, 0
	for _, k := range kr.keys {
		if kid != "" && k.kid != "" {
			continue
		}
		n++
		if k.alg == alg {
			found = k
			sameAlg++
		}
	}
	switch {
	case sameAlg == 1:
		return found, nil
	case sameAlg > 1:
		return nil, fmt.Errorf("%w: %d keys could verify a token without kid", ErrUnknownKey, sameAlg)
	case n > 0:
		return nil, fmt.Errorf("%w: no key for alg %s", ErrAlgorithm, alg)
	default:
		return nil, fmt.Errorf("%w: no key with that kid", ErrUnknownKey)
	}
}

// staticSource is a fixed set of keys: HMACSecret, HMACKey, PublicKey, KeySet.
type staticSource struct {
	keys []*key
	err  error
}

type staticProvider struct{ ring *keyring }

func (s *staticSource) open(env *sourceEnv) (keyProvider, error) {
	if s.err != nil {
		return nil, s.err
	}
	if len(s.keys) == 0 {
		return nil, errors.New("key source holds no key")
	}
	for _, k := range s.keys {
		if !env.algs.has(k.alg) {
			return nil, fmt.Errorf("key algorithm %s is not in WithAlgorithms", k.alg)
		}
	}
	ring, err := newKeyring(s.keys)
	if err != nil {
		return nil, err
	}
	return staticProvider{ring}, nil
}

func (p staticProvider) lookup(_ context.Context, kid string, alg jwa.SignatureAlgorithm) (*key, error) {
	return p.ring.lookup(kid, alg)
}

func (p staticProvider) current(k *key) bool { return p.ring.has(k) }

func (staticProvider) close() {}

// HMACSecret is an HS256 key source: the shared secret of, for example, a
// Ramper app or a Refold integration. New fails when the secret is shorter
// than 32 bytes. The secret is copied. Use [HMACKey] for HS384 or HS512.
func HMACSecret(secret []byte) KeySource {
	return HMACKey(jwa.HS256, secret)
}

// HMACKey is an HMAC key source for HS256, HS384 or HS512. New fails when the
// secret is shorter than the hash (32, 48, 64 bytes) or alg is not an HMAC
// algorithm. The secret is copied.
func HMACKey(alg jwa.SignatureAlgorithm, secret []byte) KeySource {
	switch alg {
	case jwa.HS256, jwa.HS384, jwa.HS512:
	default:
		return &staticSource{err: fmt.Errorf("HMACKey: %q is not an HMAC algorithm", alg)}
	}
	k, err := newKey("", alg, secret)
	return &staticSource{keys: []*key{k}, err: err}
}

// PublicKey is a key source of one public key that verifies with alg only:
// an *rsa.PublicKey of at least 2048 bits with e = 65537 for RS*/PS*, an
// *ecdsa.PublicKey on the matching curve for ES256/ES384/ES512, or an
// ed25519.PublicKey for EdDSA. New fails on any other combination, and on a
// private key. The key is copied.
func PublicKey(alg jwa.SignatureAlgorithm, pub crypto.PublicKey) KeySource {
	if alg.IsSymmetric() {
		return &staticSource{err: fmt.Errorf("PublicKey: %s is symmetric; use HMACKey", alg)}
	}
	k, err := newKey("", alg, pub)
	return &staticSource{keys: []*key{k}, err: err}
}

// KeySet is a key source of a static JWK set, each key bound to its "alg"
// (or the one its type implies). New fails when any key is unusable: private
// key material, "use": "enc", a weak or mismatched key (including an RSA key
// with the ROCA fingerprint), or two keys with the same kid. Symmetric
// ("oct") keys are allowed here when they name their alg, but not in the same
// set as public keys.
func KeySet(set jwk.Set) KeySource {
	if set == nil || set.Len() == 0 {
		return &staticSource{err: errors.New("KeySet: empty key set")}
	}
	keys := make([]*key, 0, set.Len())
	for i := 0; i < set.Len(); i++ {
		jk, _ := set.Key(i)
		k, err := keyFromJWK(jk, true)
		if err != nil {
			return &staticSource{err: fmt.Errorf("KeySet: %w", err)}
		}
		keys = append(keys, k)
	}
	sym := 0
	for _, k := range keys {
		if k.alg.IsSymmetric() {
			sym++
		}
	}
	if sym > 0 && sym < len(keys) {
		// One set, two trust models: whoever may read the public keys would
		// hold the secret too. Wycheproof calls such sets ambiguous.
		return &staticSource{err: errors.New("KeySet: the set mixes symmetric (oct) keys with public keys; give secrets to their own KeySet or HMACKey")}
	}
	return &staticSource{keys: keys}
}
