package tokengate_test

// The attack suite: hostile tokens, each a named case, each refused with the
// sentinel it names (401 invalid_token; 400 invalid_request when the
// Authorization header itself is not an RFC 6750 b64token), with no side
// effect: the handler is not reached, no id is spent in the replay store, no
// URL named by the token is fetched, and no part of the token is logged.
// SECURITY.md explains each rule; the few cases marked "accepted" are
// documented decisions, not attacks.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

const (
	atkIssuer   = "https://issuer.example"
	atkAudience = "https://api.example"
	atkNowUnix  = 1_700_000_000
)

func atkNow() time.Time { return time.Unix(atkNowUnix, 0) }

// atkKeys are the target's keys and an attacker's.
type atkKeys struct {
	ec       *ecdsa.PrivateKey // kid "ec-1", ES256, for iss atkIssuer
	rsa      *rsa.PrivateKey   // kid "rsa-1", RS256, for iss atkIssuer
	secret   []byte            // HS256, for tokens without iss
	attacker *ecdsa.PrivateKey // not known to the target
}

func newAtkKeys(t *testing.T) *atkKeys {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	att, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	secret := make([]byte, 32)
	_, err = rand.Read(secret)
	require.NoError(t, err)
	return &atkKeys{ec: ec, rsa: rk, secret: secret, attacker: att}
}

// publicSet is the JWK set of the target's public keys, each with its kid
// and alg.
func (k *atkKeys) publicSet(t *testing.T) jwk.Set {
	t.Helper()
	set := jwk.NewSet()
	for _, e := range []struct {
		kid string
		alg jwa.SignatureAlgorithm
		pub any
	}{{"ec-1", jwa.ES256, &k.ec.PublicKey}, {"rsa-1", jwa.RS256, &k.rsa.PublicKey}} {
		jk, err := jwk.FromRaw(e.pub)
		require.NoError(t, err)
		require.NoError(t, jk.Set(jwk.KeyIDKey, e.kid))
		require.NoError(t, jk.Set(jwk.AlgorithmKey, e.alg))
		require.NoError(t, set.AddKey(jk))
	}
	return set
}

// atkStore is a ReplayStore that counts the ids spent and never forgets one
// (the tokens here expire by the test clock, not the wall clock).
type atkStore struct {
	uses  atomic.Int64
	mu    sync.Mutex
	spent map[string]bool
}

func (s *atkStore) Use(_ context.Context, id string, _ time.Time) (bool, error) {
	s.uses.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := !s.spent[id]
	s.spent[id] = true
	return fresh, nil
}

// atkTarget is a Middleware under attack and what it could touch.
type atkTarget struct {
	m     *tokengate.Middleware
	store *atkStore
	logs  *syncBuffer
}

// newAtkTarget builds a Middleware with keys, the audience atkAudience, a
// fixed clock, single use and a logger.
func newAtkTarget(t *testing.T, keys ...tokengate.Option) *atkTarget {
	t.Helper()
	a := &atkTarget{store: &atkStore{spent: map[string]bool{}}, logs: &syncBuffer{}}
	opts := append([]tokengate.Option{
		tokengate.WithAudience(atkAudience),
		tokengate.WithClock(atkNow),
		tokengate.WithSingleUse(a.store),
		tokengate.WithLogger(newTextLogger(a.logs)),
	}, keys...)
	a.m = newMiddleware(t, opts...)
	return a
}

// primaryTarget trusts ec-1 and rsa-1 for atkIssuer, and the secret for tokens
// without iss.
func primaryTarget(t *testing.T, k *atkKeys) *atkTarget {
	return newAtkTarget(t, tokengate.WithIssuer(atkIssuer, tokengate.KeySet(k.publicSet(t))),
		tokengate.WithKeys(tokengate.HMACSecret(k.secret)))
}

// attack is one hostile token and how it must be refused.
type attack struct {
	name string
	tok  string
	want error // the sentinel the refusal wraps; nil: accepted, a documented decision
}

// run sends each case to Verify and through Handler and checks the refusal
// and the absence of side effects.
func (a *atkTarget) run(t *testing.T, cases []attack) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			uses := a.store.uses.Load()
			c, err := a.m.Verify(context.Background(), tc.tok)
			if tc.want == nil {
				require.NoError(t, err)
				require.NotNil(t, c)
				// Spent once: the same token again is a replay.
				_, err = a.m.Verify(context.Background(), tc.tok)
				assert.ErrorIs(t, err, tokengate.ErrReplayed)
				return
			}
			require.Error(t, err, "accepted")
			assert.Nil(t, c)
			assert.ErrorIs(t, err, tc.want)
			var te *tokengate.Error
			require.ErrorAs(t, err, &te)
			assert.Equal(t, http.StatusUnauthorized, te.Status)
			assert.Equal(t, tokengate.CodeInvalidToken, te.Code)

			res := serve(a.m.Handler, bearer(tc.tok))
			want, code := http.StatusUnauthorized, tokengate.CodeInvalidToken
			if !isB64Token(tc.tok) { // the extractor refuses the header itself
				want, code = http.StatusBadRequest, tokengate.CodeInvalidRequest
			}
			assert.Equal(t, want, res.status)
			assert.Contains(t, res.www, `error="`+code+`"`)
			assert.False(t, res.reached, "handler reached")
			assert.Equal(t, uses, a.store.uses.Load(), "an id was spent")
			logs := a.logs.String()
			for _, part := range strings.Split(tc.tok, ".") {
				if len(part) >= 12 {
					assert.NotContains(t, logs, part, "token logged")
					assert.NotContains(t, res.body, part, "token echoed")
				}
			}
		})
	}
}

// isB64Token is RFC 6750's b64token grammar, which the Authorization
// header's credentials must match:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for _, c := range []byte(body) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			return false
		}
	}
	return true
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// atkSigner signs a signing input.
type atkSigner func(signingInput []byte) []byte

func hs256(key []byte) atkSigner {
	return func(in []byte) []byte {
		h := hmac.New(sha256.New, key)
		h.Write(in)
		return h.Sum(nil)
	}
}

// es256 signs in the JWS form, r||s of 32 bytes each.
func es256(k *ecdsa.PrivateKey) atkSigner {
	return func(in []byte) []byte {
		r, s := es256RS(k, in)
		return rawRS(r, s, 32)
	}
}

func es256RS(k *ecdsa.PrivateKey, in []byte) (*big.Int, *big.Int) {
	d := sha256.Sum256(in)
	r, s, err := ecdsa.Sign(rand.Reader, k, d[:])
	if err != nil {
		panic(err)
	}
	return r, s
}

func rawRS(r, s *big.Int, size int) []byte {
	out := make([]byte, 2*size)
	r.FillBytes(out[:size])
	s.FillBytes(out[size:])
	return out
}

func rs256(k *rsa.PrivateKey) atkSigner {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, d[:])
		if err != nil {
			panic(err)
		}
		return sig
	}
}

// forge builds a compact token from header and payload JSON text written as
// given (so duplicate names and odd types survive), signed by sign; a nil
// sign leaves the signature segment empty.
func forge(header, payload string, sign atkSigner) string {
	in := b64([]byte(header)) + "." + b64([]byte(payload))
	if sign == nil {
		return in + "."
	}
	return in + "." + b64(sign([]byte(in)))
}

// claimsJSON is a valid claim set for the target: with iss atkIssuer when
// withIss, and a fresh jti. extra members (`"name":value` text) are added
// first, so that they come before the defaults.
func claimsJSON(withIss bool, extra ...string) string {
	var b strings.Builder
	b.WriteString("{")
	for _, e := range extra {
		b.WriteString(e + ",")
	}
	if withIss {
		b.WriteString(`"iss":"` + atkIssuer + `",`)
	}
	fmt.Fprintf(&b, `"aud":"%s","sub":"alice","jti":"%s","iat":%d,"exp":%d}`,
		atkAudience, randomJTI(), atkNowUnix, atkNowUnix+3600)
	return b.String()
}

// claimsWith is a claim set of the given members only, plus a fresh jti.
func claimsWith(members ...string) string {
	return "{" + strings.Join(append(members, `"jti":"`+randomJTI()+`"`), ",") + "}"
}

func randomJTI() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return b64(b)
}

const (
	hdrES256 = `{"alg":"ES256","kid":"ec-1"}`
	hdrRS256 = `{"alg":"RS256","kid":"rsa-1"}`
	hdrHS256 = `{"alg":"HS256"}`
)

// TestAttacks runs the attack suite against targets that share one set of
// keys. Each subtest is a category of RFC 8725 / the issue list.
func TestAttacks(t *testing.T) {
	k := newAtkKeys(t)
	primary := primaryTarget(t, k)

	t.Run("baseline", func(t *testing.T) {
		// The valid tokens every attack below is a variation of.
		primary.run(t, []attack{
			{"valid ES256", forge(hdrES256, claimsJSON(true), es256(k.ec)), nil},
			{"valid RS256", forge(hdrRS256, claimsJSON(true), rs256(k.rsa)), nil},
			{"valid HS256 without iss", forge(hdrHS256, claimsJSON(false), hs256(k.secret)), nil},
		})
	})

	t.Run("alg none", func(t *testing.T) {
		var cases []attack
		for mask := range 16 { // all 16 casings of "none"
			alg := []byte("none")
			for i := range alg {
				if mask&(1<<i) != 0 {
					alg[i] -= 'a' - 'A'
				}
			}
			h := `{"alg":"` + string(alg) + `"}`
			hk := `{"alg":"` + string(alg) + `","kid":"ec-1"}`
			cases = append(cases,
				attack{"alg " + string(alg) + " without signature", forge(h, claimsJSON(false), nil), tokengate.ErrMalformed},
				attack{"alg " + string(alg) + " with a signature", forge(h, claimsJSON(false), hs256(k.secret)), tokengate.ErrAlgorithm},
				attack{"alg " + string(alg) + " kid ec-1 without signature", forge(hk, claimsJSON(true), nil), tokengate.ErrMalformed},
				attack{"alg " + string(alg) + " kid ec-1 with a valid ES256 signature", forge(hk, claimsJSON(true), es256(k.ec)), tokengate.ErrAlgorithm},
			)
		}
		cases = append(cases,
			attack{"alg missing", forge(`{"typ":"JWT"}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrAlgorithm},
			attack{"alg empty", forge(`{"alg":""}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrAlgorithm},
			attack{"alg null", forge(`{"alg":null}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrAlgorithm},
			attack{"alg hs256 in lower case, right secret", forge(`{"alg":"hs256"}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrAlgorithm},
			attack{"alg with a trailing space, right secret", forge(`{"alg":"HS256 "}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrAlgorithm},
			attack{"alg as an array", forge(`{"alg":["HS256"]}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrMalformed},
			attack{"alg a number", forge(`{"alg":256}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrMalformed},
		)
		primary.run(t, cases)
	})

	t.Run("HS256 signed with the public key", func(t *testing.T) {
		var cases []attack
		for _, m := range publicKeyMaterial(t, &k.rsa.PublicKey, "rsa-1") {
			cases = append(cases,
				attack{"RSA key as " + m.name + ", kid rsa-1", forge(`{"alg":"HS256","kid":"rsa-1"}`, claimsJSON(true), hs256(m.b)), tokengate.ErrAlgorithm},
				attack{"RSA key as " + m.name + ", no kid", forge(hdrHS256, claimsJSON(true), hs256(m.b)), tokengate.ErrAlgorithm},
			)
		}
		for _, m := range publicKeyMaterial(t, &k.ec.PublicKey, "ec-1") {
			cases = append(cases,
				attack{"EC key as " + m.name + ", kid ec-1", forge(`{"alg":"HS256","kid":"ec-1"}`, claimsJSON(true), hs256(m.b)), tokengate.ErrAlgorithm},
				attack{"EC key as " + m.name + ", no kid", forge(hdrHS256, claimsJSON(true), hs256(m.b)), tokengate.ErrAlgorithm},
			)
		}
		pemKey := publicKeyMaterial(t, &k.rsa.PublicKey, "rsa-1")[0].b
		cases = append(cases,
			// Without iss the token meets the shared secret, not the RSA key.
			attack{"RSA PEM, no iss (meets the HMAC secret)", forge(hdrHS256, claimsJSON(false), hs256(pemKey)), tokengate.ErrSignature},
			attack{"HS384 with the RSA PEM", forge(`{"alg":"HS384","kid":"rsa-1"}`, claimsJSON(true), hs256(pemKey)), tokengate.ErrAlgorithm},
			attack{"ES256 header on the RSA key", forge(`{"alg":"ES256","kid":"rsa-1"}`, claimsJSON(true), es256(k.ec)), tokengate.ErrAlgorithm},
			attack{"RS256 header on the EC key", forge(`{"alg":"RS256","kid":"ec-1"}`, claimsJSON(true), rs256(k.rsa)), tokengate.ErrAlgorithm},
			attack{"PS256 header on the RS256 key", forge(`{"alg":"PS256","kid":"rsa-1"}`, claimsJSON(true), ps256(k.rsa)), tokengate.ErrAlgorithm},
		)
		primary.run(t, cases)

		// The same attack on keys from a JWKS endpoint.
		for _, alg := range []jwa.SignatureAlgorithm{jwa.RS256, jwa.ES256} {
			t.Run("JWKS "+alg.String(), func(t *testing.T) {
				iss := newIssuer(t, alg)
				target := newAtkTarget(t, tokengate.WithIssuer(iss.URL(), keysOf(iss)))
				var cases []attack
				for _, m := range publicKeyMaterial(t, iss.PublicKey(), iss.KeyID()) {
					h := `{"alg":"HS256","kid":"` + iss.KeyID() + `"}`
					p := claimsWith(`"iss":"`+iss.URL()+`"`, `"aud":"`+atkAudience+`"`, fmt.Sprintf(`"exp":%d`, atkNowUnix+3600))
					cases = append(cases, attack{"key as " + m.name, forge(h, p, hs256(m.b)), tokengate.ErrAlgorithm})
				}
				target.run(t, cases)
			})
		}
	})

	t.Run("keys named by the header", func(t *testing.T) {
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		t.Cleanup(srv.Close)
		attJWK := jwkJSONOf(t, &k.attacker.PublicKey, "ec-1", jwa.ES256)
		attJWKOwnKid := jwkJSONOf(t, &k.attacker.PublicKey, "attacker", jwa.ES256)
		cert := selfSigned(t, k.attacker)
		x5t := sha256.Sum256(cert)
		oct := []byte("attacker-chosen-hmac-key-of-32-b")
		octJWK := `{"kty":"oct","k":"` + b64(oct) + `","alg":"HS256"}`
		byAttacker := es256(k.attacker)
		primary.run(t, []attack{
			{"jwk: attacker key, kid ec-1", forge(`{"alg":"ES256","kid":"ec-1","jwk":`+attJWK+`}`, claimsJSON(true), byAttacker), tokengate.ErrSignature},
			{"jwk: attacker key, no kid", forge(`{"alg":"ES256","jwk":`+attJWK+`}`, claimsJSON(true), byAttacker), tokengate.ErrSignature},
			{"jwk: attacker key, its own kid", forge(`{"alg":"ES256","kid":"attacker","jwk":`+attJWKOwnKid+`}`, claimsJSON(true), byAttacker), tokengate.ErrUnknownKey},
			{"jwk: oct key, HS256 with it", forge(`{"alg":"HS256","jwk":`+octJWK+`}`, claimsJSON(true), hs256(oct)), tokengate.ErrAlgorithm},
			{"jwk: oct key, HS256 with it, no iss", forge(`{"alg":"HS256","jwk":`+octJWK+`}`, claimsJSON(false), hs256(oct)), tokengate.ErrSignature},
			{"jku: attacker JWKS, attacker kid", forge(`{"alg":"ES256","kid":"attacker","jku":"`+srv.URL+`/jwks.json"}`, claimsJSON(true), byAttacker), tokengate.ErrUnknownKey},
			{"jku: attacker JWKS, kid ec-1", forge(`{"alg":"ES256","kid":"ec-1","jku":"`+srv.URL+`/jwks.json"}`, claimsJSON(true), byAttacker), tokengate.ErrSignature},
			{"x5u: attacker certificate", forge(`{"alg":"ES256","kid":"ec-1","x5u":"`+srv.URL+`/cert.pem"}`, claimsJSON(true), byAttacker), tokengate.ErrSignature},
			{"x5c: attacker certificate chain", forge(`{"alg":"ES256","x5c":["`+base64.StdEncoding.EncodeToString(cert)+`"]}`, claimsJSON(true), byAttacker), tokengate.ErrSignature},
			{"x5t#S256: attacker certificate thumbprint", forge(`{"alg":"ES256","x5t#S256":"`+b64(x5t[:])+`"}`, claimsJSON(true), byAttacker), tokengate.ErrSignature},
			// Decisions, not attacks: the parameters are ignored, so a token
			// the right key signed verifies without a fetch.
			{"accepted: jku on a token signed by ec-1 is ignored", forge(`{"alg":"ES256","kid":"ec-1","jku":"`+srv.URL+`/jwks.json"}`, claimsJSON(true), es256(k.ec)), nil},
			{"accepted: x5u on a token signed by ec-1 is ignored", forge(`{"alg":"ES256","kid":"ec-1","x5u":"`+srv.URL+`/cert.pem"}`, claimsJSON(true), es256(k.ec)), nil},
		})
		assert.Zero(t, hits.Load(), "a URL named by a token was fetched")
	})

	t.Run("hostile kid", func(t *testing.T) {
		kids := []struct {
			name, kid string
			hmacKey   string // the key the injection would have yielded
		}{
			{"path traversal to /dev/null", "../../../../../../dev/null", ""},
			{"absolute path", "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"},
			{"SQL injection", "x' UNION SELECT 'attacker-secret' --", "attacker-secret"},
			{"SQL tautology", "' OR '1'='1", "1"},
			{"NUL byte after a real kid", "ec-1\u0000", ""},
			{"NUL only", "\u0000", ""},
			{"CRLF header injection", "ec-1\r\nX-Injected: 1", ""},
			{"URL", "https://attacker.example/key.pem", ""},
			{"command substitution", "$(curl attacker.example)", ""},
			{"format verbs", "%s%s%s%n", ""},
		}
		var cases []attack
		for _, kd := range kids {
			kidJSON, err := json.Marshal(kd.kid)
			require.NoError(t, err)
			cases = append(cases,
				attack{kd.name + ", key set", forge(`{"alg":"ES256","kid":`+string(kidJSON)+`}`, claimsJSON(true), es256(k.attacker)), tokengate.ErrUnknownKey},
				attack{kd.name + ", HMAC secret", forge(`{"alg":"HS256","kid":`+string(kidJSON)+`}`, claimsJSON(false), hs256([]byte(kd.hmacKey))), tokengate.ErrSignature},
			)
		}
		big := strings.Repeat("A", 10<<10)
		cases = append(cases,
			attack{"10 KB kid, key set", forge(`{"alg":"ES256","kid":"`+big+`"}`, claimsJSON(true), es256(k.attacker)), tokengate.ErrMalformed},
			attack{"10 KB kid, HMAC secret", forge(`{"alg":"HS256","kid":"`+big+`"}`, claimsJSON(false), hs256(nil)), tokengate.ErrMalformed},
			attack{"kid a number", forge(`{"alg":"ES256","kid":1}`, claimsJSON(true), es256(k.ec)), tokengate.ErrMalformed},
			attack{"kid an object", forge(`{"alg":"ES256","kid":{"$ne":null}}`, claimsJSON(true), es256(k.ec)), tokengate.ErrMalformed},
			attack{"kid an array", forge(`{"alg":"ES256","kid":["ec-1"]}`, claimsJSON(true), es256(k.ec)), tokengate.ErrMalformed},
			attack{"kid invalid UTF-8", forge("{\"alg\":\"ES256\",\"kid\":\"ec-1\xff\"}", claimsJSON(true), es256(k.ec)), tokengate.ErrMalformed},
		)
		primary.run(t, cases)
	})

	t.Run("header parameters", func(t *testing.T) {
		signed := func(h string) string { return forge(h, claimsJSON(false), hs256(k.secret)) }
		inner := forge(hdrHS256, claimsJSON(false), hs256(k.secret))
		jweSeg := b64([]byte(`{"alg":"RSA-OAEP","enc":"A256GCM"}`))
		primary.run(t, []attack{
			{"crit known (b64)", signed(`{"alg":"HS256","b64":false,"crit":["b64"]}`), tokengate.ErrMalformed},
			{"crit unknown", signed(`{"alg":"HS256","crit":["urn:example:unknown"],"urn:example:unknown":1}`), tokengate.ErrMalformed},
			{"crit naming a registered parameter", signed(`{"alg":"HS256","crit":["alg"]}`), tokengate.ErrMalformed},
			{"crit empty", signed(`{"alg":"HS256","crit":[]}`), tokengate.ErrMalformed},
			{"crit null", signed(`{"alg":"HS256","crit":null}`), tokengate.ErrMalformed},
			{"b64 false", signed(`{"alg":"HS256","b64":false}`), tokengate.ErrMalformed},
			{"b64 true", signed(`{"alg":"HS256","b64":true}`), tokengate.ErrMalformed},
			{"b64 false, payload unencoded", unencodedPayload(`{"alg":"HS256","b64":false,"crit":["b64"]}`, claimsJSON(false), k.secret), tokengate.ErrMalformed},
			{"JWE header enc in three segments", signed(`{"alg":"HS256","enc":"A256GCM"}`), tokengate.ErrMalformed},
			{"JWE header zip", signed(`{"alg":"HS256","zip":"DEF"}`), tokengate.ErrMalformed},
			{"JWE compact, five segments", jweSeg + "." + b64([]byte("encrypted-key-bytes")) + ".AAAAAAAAAAAAAAAA." + b64([]byte("ciphertext")) + ".AAAAAAAAAAAAAAAAAAAAAA", tokengate.ErrMalformed},
			{"four segments", inner + ".c2ln", tokengate.ErrMalformed},
			{"two segments", inner[:strings.LastIndexByte(inner, '.')], tokengate.ErrMalformed},
			{"nested JWS, cty JWT", forge(`{"alg":"HS256","cty":"JWT"}`, inner, hs256(k.secret)), tokengate.ErrMalformed},
			{"nested JWS, cty jwt", forge(`{"alg":"HS256","cty":"jwt"}`, inner, hs256(k.secret)), tokengate.ErrMalformed},
			{"cty with a claim-set payload", signed(`{"alg":"HS256","cty":"JWT"}`), tokengate.ErrMalformed},
			{"header not an object", forge(`["HS256"]`, claimsJSON(false), hs256(k.secret)), tokengate.ErrMalformed},
			{"header invalid JSON", forge(`{"alg":"HS256"`, claimsJSON(false), hs256(k.secret)), tokengate.ErrMalformed},
			{"header with trailing data", forge(`{"alg":"HS256"}{}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrMalformed},
		})
	})

	t.Run("JSON serialization", func(t *testing.T) {
		valid := forge(hdrES256, claimsJSON(true), es256(k.ec))
		p := strings.Split(valid, ".")
		general, err := json.Marshal(map[string]any{"payload": p[1], "signatures": []map[string]string{{"protected": p[0], "signature": p[2]}}})
		require.NoError(t, err)
		flat, err := json.Marshal(map[string]string{"payload": p[1], "protected": p[0], "signature": p[2]})
		require.NoError(t, err)
		unprotected, err := json.Marshal(map[string]any{"payload": p[1], "header": map[string]string{"alg": "ES256", "kid": "ec-1"}, "signature": p[2]})
		require.NoError(t, err)
		primary.run(t, []attack{
			{"general", string(general), tokengate.ErrMalformed},
			{"flattened", string(flat), tokengate.ErrMalformed},
			{"flattened with an unprotected header", string(unprotected), tokengate.ErrMalformed},
			{"general, base64url-encoded as one segment", b64(general), tokengate.ErrMalformed},
		})
	})

	t.Run("ECDSA signature", func(t *testing.T) {
		n := elliptic.P256().Params().N
		payload := claimsJSON(true)
		in := b64([]byte(hdrES256)) + "." + b64([]byte(payload))
		r, s := es256RS(k.ec, []byte(in))
		with := func(sig []byte) string { return in + "." + b64(sig) }
		zero, one := big.NewInt(0), big.NewInt(1)
		der, err := asn1.Marshal(struct{ R, S *big.Int }{r, s})
		require.NoError(t, err)
		valid := rawRS(r, s, 32)
		// A signature whose r has a leading zero byte: its 63-byte form is
		// what a verifier that trims or left-pads would take.
		var short []byte
		for range 4096 {
			rr, ss := es256RS(k.ec, []byte(in))
			if rr.BitLen() <= 248 {
				short = append(rr.Bytes(), rawRS(zero, ss, 32)[32:]...)
				require.Len(t, short, 63)
				break
			}
		}
		require.NotNil(t, short, "no r below 2^248 in 4096 signatures")
		otherIn := b64([]byte(hdrES256)) + "." + b64([]byte(claimsJSON(true)))
		primary.run(t, []attack{
			{"r=s=0 (CVE-2022-21449)", with(rawRS(zero, zero, 32)), tokengate.ErrSignature},
			{"r=s=1", with(rawRS(one, one, 32)), tokengate.ErrSignature},
			{"r=s=n", with(rawRS(n, n, 32)), tokengate.ErrSignature},
			{"r=0, s valid", with(rawRS(zero, s, 32)), tokengate.ErrSignature},
			{"r valid, s=0", with(rawRS(r, zero, 32)), tokengate.ErrSignature},
			{"r=n, s valid", with(rawRS(n, s, 32)), tokengate.ErrSignature},
			{"r valid, s=n", with(rawRS(r, n, 32)), tokengate.ErrSignature},
			{"r and s swapped", with(rawRS(s, r, 32)), tokengate.ErrSignature},
			{"DER-encoded signature", with(der), tokengate.ErrSignature},
			{"63 bytes: r's leading zero dropped", with(short), tokengate.ErrSignature},
			{"63 bytes: last byte cut", with(valid[:63]), tokengate.ErrSignature},
			{"65 bytes: leading zero", with(append([]byte{0}, valid...)), tokengate.ErrSignature},
			{"65 bytes: trailing zero", with(append(append([]byte{}, valid...), 0)), tokengate.ErrSignature},
			{"128 bytes: r and s as 64-byte integers", with(rawRS(r, s, 64)), tokengate.ErrSignature},
			{"ES384-sized signature of zeros", with(make([]byte, 96)), tokengate.ErrSignature},
			{"signature of another payload", with(es256(k.ec)([]byte(otherIn))), tokengate.ErrSignature},
			{"signed by another key", with(es256(k.attacker)([]byte(in))), tokengate.ErrSignature},
			// High S: (r, n-s) verifies as well as (r, s). RFC 7518 does not
			// ask for low S and Go's signers produce either; see SECURITY.md.
			{"accepted: high-S form of a valid signature", with(rawRS(r, new(big.Int).Sub(n, s), 32)), nil},
		})
	})

	t.Run("base64", func(t *testing.T) {
		// A token whose encoding uses '-' or '_', so that the standard
		// alphabet spells it differently, and whose payload length leaves
		// unused bits in its last character.
		var tok string
		for range 200 {
			p := claimsJSON(false)
			for len(p)%3 != 1 {
				p = p[:len(p)-1] + " }"
			}
			tok = forge(hdrHS256, p, hs256(k.secret))
			if strings.ContainsAny(tok, "-_") {
				break
			}
		}
		require.True(t, strings.ContainsAny(tok, "-_"))
		seg := strings.Split(tok, ".")
		pad := func(s string) string { return s + strings.Repeat("=", max(1, (4-len(s)%4)%4)) }
		join := func(h, p, s string) string { return h + "." + p + "." + s }
		primary.run(t, []attack{
			{"padding on the header", join(pad(seg[0]), seg[1], seg[2]), tokengate.ErrMalformed},
			{"padding on the payload", join(seg[0], pad(seg[1]), seg[2]), tokengate.ErrMalformed},
			{"padding on the signature", join(seg[0], seg[1], pad(seg[2])), tokengate.ErrMalformed},
			{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(tok), tokengate.ErrMalformed},
			{"non-canonical trailing bits in the signature", join(seg[0], seg[1], flipUnusedBit(seg[2])), tokengate.ErrMalformed},
			{"non-canonical trailing bits in the payload", join(seg[0], flipUnusedBit(seg[1]), seg[2]), tokengate.ErrMalformed},
			{"newline in the payload", join(seg[0], seg[1][:8]+"\n"+seg[1][8:], seg[2]), tokengate.ErrMalformed},
			{"CRLF in the signature", join(seg[0], seg[1], seg[2][:8]+"\r\n"+seg[2][8:]), tokengate.ErrMalformed},
			{"space in the header", join(seg[0][:4]+" "+seg[0][4:], seg[1], seg[2]), tokengate.ErrMalformed},
			{"tab in the payload", join(seg[0], seg[1][:8]+"\t"+seg[1][8:], seg[2]), tokengate.ErrMalformed},
			{"percent-encoded character", join(seg[0], seg[1][:8]+"%2D"+seg[1][8:], seg[2]), tokengate.ErrMalformed},
			{"impossible length", join(seg[0], impossibleLength(seg[1]), seg[2]), tokengate.ErrMalformed},
			{"empty header", join("", seg[1], seg[2]), tokengate.ErrMalformed},
			{"empty payload (detached content)", join(seg[0], "", seg[2]), tokengate.ErrMalformed},
		})
	})

	t.Run("duplicate and case-variant names", func(t *testing.T) {
		hs := func(h string) string { return forge(h, claimsJSON(false), hs256(k.secret)) }
		ps := func(p string) string { return forge(hdrHS256, p, hs256(k.secret)) }
		es := func(p string) string { return forge(hdrES256, p, es256(k.ec)) }
		exp := fmt.Sprintf(`"exp":%d`, atkNowUnix+3600)
		aud := `"aud":"` + atkAudience + `"`
		primary.run(t, []attack{
			{"header: alg twice", hs(`{"alg":"HS256","alg":"HS256"}`), tokengate.ErrMalformed},
			{"header: alg none then HS256", hs(`{"alg":"none","alg":"HS256"}`), tokengate.ErrMalformed},
			{"header: alg twice, one escaped", hs(`{"alg":"HS256","\u0061lg":"HS256"}`), tokengate.ErrMalformed},
			{"header: alg and ALG", hs(`{"alg":"HS256","ALG":"none"}`), tokengate.ErrMalformed},
			{"header: alg and Alg", hs(`{"Alg":"none","alg":"HS256"}`), tokengate.ErrMalformed},
			{"header: kid and KID", hs(`{"alg":"HS256","kid":"a","KID":"b"}`), tokengate.ErrMalformed},
			{"header: kid and Kelvin-sign kid", hs(`{"alg":"HS256","kid":"a","\u212aid":"b"}`), tokengate.ErrMalformed},
			{"header: Alg alone (no alg)", hs(`{"Alg":"HS256"}`), tokengate.ErrAlgorithm},
			{"payload: exp twice", ps(claimsWith(aud, `"exp":1`, exp)), tokengate.ErrMalformed},
			{"payload: exp twice, same value", ps(claimsWith(aud, exp, exp)), tokengate.ErrMalformed},
			{"payload: exp twice, one escaped", ps(claimsWith(aud, `"\u0065xp":1`, exp)), tokengate.ErrMalformed},
			{"payload: exp and EXP", ps(claimsWith(aud, exp, `"EXP":1`)), tokengate.ErrMalformed},
			{"payload: aud and AUD", ps(claimsWith(aud, exp, `"AUD":"https://evil.example"`)), tokengate.ErrMalformed},
			{"payload: sub and SUB", ps(claimsWith(aud, exp, `"sub":"alice"`, `"SUB":"mallory"`)), tokengate.ErrMalformed},
			{"payload: sub and long-s sub", ps(claimsWith(aud, exp, `"sub":"alice"`, `"ſub":"mallory"`)), tokengate.ErrMalformed},
			{"payload: jti and Jti", ps(claimsWith(aud, exp, `"Jti":"x"`)), tokengate.ErrMalformed},
			{"payload: unknown claims org_id and ORG_ID", ps(claimsWith(aud, exp, `"org_id":"a"`, `"ORG_ID":"b"`)), tokengate.ErrMalformed},
			{"payload: iss and ISS", es(claimsWith(`"iss":"`+atkIssuer+`"`, `"ISS":"https://evil.example"`, aud, exp)), tokengate.ErrMalformed},
			{"payload: ISS before iss", es(claimsWith(`"ISS":"https://evil.example"`, `"iss":"`+atkIssuer+`"`, aud, exp)), tokengate.ErrMalformed},
			{"payload: duplicate name in a nested object", ps(claimsWith(aud, exp, `"tokenBalances":{"0xa":{"1":"1","1":"9"}}`)), tokengate.ErrMalformed},
			// Names match exactly: a lone "ISS" is an unknown claim, so this
			// token has no iss and meets the keys for tokens without one.
			{"accepted: ISS alone is not iss", ps(claimsWith(`"ISS":"https://evil.example"`, aud, exp)), nil},
		})
	})

	t.Run("registered claim types", func(t *testing.T) {
		var cases []attack
		values := []struct{ name, json string }{
			{"a string of digits", fmt.Sprintf(`"%d"`, atkNowUnix+3600)},
			{"an RFC 3339 date", `"2023-11-14T23:13:20Z"`},
			{"null", `null`},
			{"true", `true`},
			{"false", `false`},
			{"an array", fmt.Sprintf(`[%d]`, atkNowUnix+3600)},
			{"an object", fmt.Sprintf(`{"$date":%d}`, atkNowUnix+3600)},
			{"0", `0`},
			{"negative", `-1`},
			{"negative zero", `-0`},
			{"1e300", `1e300`},
			{"past year 9999", `253402300800`},
		}
		for _, claim := range []string{"exp", "nbf", "iat"} {
			for _, v := range values {
				members := []string{`"aud":"` + atkAudience + `"`, `"` + claim + `":` + v.json}
				if claim != "exp" {
					members = append(members, fmt.Sprintf(`"exp":%d`, atkNowUnix+3600))
				}
				cases = append(cases, attack{claim + " " + v.name, forge(hdrHS256, claimsWith(members...), hs256(k.secret)), tokengate.ErrMalformed})
			}
		}
		cases = append(cases,
			attack{"exp missing", forge(hdrHS256, claimsWith(`"aud":"`+atkAudience+`"`), hs256(k.secret)), tokengate.ErrMalformed},
			attack{"payload not an object", forge(hdrHS256, `[1]`, hs256(k.secret)), tokengate.ErrMalformed},
			attack{"payload null", forge(hdrHS256, `null`, hs256(k.secret)), tokengate.ErrMalformed},
			attack{"payload a string", forge(hdrHS256, `"exp"`, hs256(k.secret)), tokengate.ErrMalformed},
			attack{"payload invalid UTF-8", forge(hdrHS256, "{\"sub\":\"\xff\",\"exp\":1700003600}", hs256(k.secret)), tokengate.ErrMalformed},
		)
		primary.run(t, cases)
	})

	t.Run("issuer and audience look-alikes", func(t *testing.T) {
		// No WithKeys here: a token whose iss is not atkIssuer meets no key.
		target := newAtkTarget(t, tokengate.WithIssuer(atkIssuer, tokengate.KeySet(k.publicSet(t))))
		exp := fmt.Sprintf(`"exp":%d`, atkNowUnix+3600)
		aud := `"aud":"` + atkAudience + `"`
		iss := `"iss":"` + atkIssuer + `"`
		es := func(members ...string) string {
			return forge(hdrES256, claimsWith(append(members, exp)...), es256(k.ec))
		}
		var cases []attack
		for _, v := range []struct{ name, iss string }{
			{"trailing slash", atkIssuer + "/"},
			{"leading space", " " + atkIssuer},
			{"trailing space", atkIssuer + " "},
			{"upper case", strings.ToUpper(atkIssuer)},
			{"upper-case scheme", "HTTPS://issuer.example"},
			{"http instead of https", "http://issuer.example"},
			{"trailing dot in the host", "https://issuer.example."},
			{"a path", atkIssuer + "/tenant"},
			{"a suffix domain", "https://issuer.example.evil.test"},
			{"userinfo", "https://issuer.example@evil.test"},
			{"default port", "https://issuer.example:443"},
			{"percent-encoded dot", "https://issuer%2Eexample"},
			{"Cyrillic i", "https://\u0456ssuer.example"},
			{"NUL suffix", atkIssuer + "\u0000"},
			{"empty", ""},
		} {
			j, err := json.Marshal(v.iss)
			require.NoError(t, err)
			cases = append(cases, attack{"iss " + v.name, es(`"iss":`+string(j), aud), tokengate.ErrIssuer})
		}
		cases = append(cases,
			attack{"iss missing", es(aud), tokengate.ErrIssuer},
			attack{"iss null", es(`"iss":null`, aud), tokengate.ErrIssuer},
			attack{"iss an array", es(`"iss":["`+atkIssuer+`"]`, aud), tokengate.ErrMalformed},
			attack{"iss an object", es(`"iss":{"iss":"`+atkIssuer+`"}`, aud), tokengate.ErrMalformed},
			attack{"iss a number", es(`"iss":1`, aud), tokengate.ErrMalformed},
		)
		for _, v := range []struct{ name, aud string }{
			{"trailing slash", atkAudience + "/"},
			{"leading space", " " + atkAudience},
			{"trailing space", atkAudience + " "},
			{"upper case", strings.ToUpper(atkAudience)},
			{"http instead of https", "http://api.example"},
			{"a suffix domain", "https://api.example.evil.test"},
			{"a prefix", "https://api.example/v2"},
			{"empty", ""},
		} {
			j, err := json.Marshal(v.aud)
			require.NoError(t, err)
			cases = append(cases,
				attack{"aud " + v.name, es(iss, `"aud":`+string(j)), tokengate.ErrAudience},
				attack{"aud " + v.name + " in an array", es(iss, `"aud":[`+string(j)+`]`), tokengate.ErrAudience})
		}
		cases = append(cases,
			attack{"aud missing", es(iss), tokengate.ErrAudience},
			attack{"aud empty array", es(iss, `"aud":[]`), tokengate.ErrAudience},
			attack{"aud null", es(iss, `"aud":null`), tokengate.ErrMalformed},
			attack{"aud nested array", es(iss, `"aud":[["`+atkAudience+`"]]`), tokengate.ErrMalformed},
			attack{"aud an object", es(iss, `"aud":{"0":"`+atkAudience+`"}`), tokengate.ErrMalformed},
			attack{"aud a number", es(iss, `"aud":1`), tokengate.ErrMalformed},
			attack{"aud array holding null", es(iss, `"aud":[null,"`+atkAudience+`"]`), tokengate.ErrMalformed},
			attack{"aud array holding a number", es(iss, `"aud":[1,"`+atkAudience+`"]`), tokengate.ErrMalformed},
			attack{"accepted: aud array naming the audience among others", es(iss, `"aud":["https://other.example","`+atkAudience+`"]`), nil},
		)
		target.run(t, cases)
	})

	t.Run("size", func(t *testing.T) {
		primary.run(t, oversizeAttacks(k))
	})

	t.Run("deeply nested JSON", func(t *testing.T) {
		primary.run(t, nestingAttacks(k))
	})
}

// oversizeAttacks are tokens over the size caps.
func oversizeAttacks(k *atkKeys) []attack {
	bigHeader := `{"alg":"HS256","x":"` + strings.Repeat("a", 8<<10) + `"}`
	return []attack{
		{"1 MB of dots", strings.Repeat(".", 1<<20), tokengate.ErrMalformed},
		{"1 MB without dots", strings.Repeat("A", 1<<20), tokengate.ErrMalformed},
		{"8 KiB header", forge(bigHeader, claimsJSON(false), hs256(k.secret)), tokengate.ErrMalformed},
		{"one byte over 16 KiB, signed", tokenOfLength(k.secret, 16<<10+1), tokengate.ErrMalformed},
		{"accepted: exactly 16 KiB, signed", tokenOfLength(k.secret, 16<<10), nil},
	}
}

// nestingAttacks are tokens with deeply nested JSON, within the size caps.
// Header and payload may nest 32 levels: deeper is refused before the JSON
// decoder sees it, whoever signed it.
func nestingAttacks(k *atkKeys) []attack {
	forged := hs256([]byte("not-the-secret"))
	arrays := func(d int) string { return strings.Repeat("[", d) + strings.Repeat("]", d) }
	objects := func(d int) string { return strings.Repeat(`{"a":`, d) + "1" + strings.Repeat("}", d) }
	aud := `"aud":"` + atkAudience + `"`
	exp := fmt.Sprintf(`"exp":%d`, atkNowUnix+3600)
	return []attack{
		{"header: 700 nested arrays", forge(`{"alg":"HS256","x":`+arrays(700)+`}`, claimsJSON(false), forged), tokengate.ErrMalformed},
		{"header: 700 nested arrays as kid", forge(`{"alg":"HS256","kid":`+arrays(700)+`}`, claimsJSON(false), forged), tokengate.ErrMalformed},
		{"header: 33 levels, signed", forge(`{"alg":"HS256","x":`+arrays(32)+`}`, claimsJSON(false), hs256(k.secret)), tokengate.ErrMalformed},
		{"payload: 5000 nested arrays", forge(hdrHS256, claimsJSON(false, `"x":`+arrays(5000)), forged), tokengate.ErrMalformed},
		{"payload: 1800 nested objects", forge(hdrHS256, claimsJSON(false, `"x":`+objects(1800)), forged), tokengate.ErrMalformed},
		{"payload: 11000 unclosed arrays", forge(hdrHS256, `{"x":`+strings.Repeat("[", 11000), forged), tokengate.ErrMalformed},
		{"payload: 33 levels, signed", forge(hdrHS256, claimsWith(aud, exp, `"x":`+arrays(32)), hs256(k.secret)), tokengate.ErrMalformed},
		{"payload: 32 levels, forged", forge(hdrHS256, claimsWith(aud, exp, `"x":`+arrays(31)), forged), tokengate.ErrSignature},
		{"payload: 20 nested arrays as aud, signed", forge(hdrHS256, claimsWith(`"aud":`+arrays(20), exp), hs256(k.secret)), tokengate.ErrMalformed},
		{"payload: 20 nested arrays as tokenIds, signed", forge(hdrHS256, claimsWith(aud, `"tokenIds":`+arrays(20), exp), hs256(k.secret)), tokengate.ErrMalformed},
		{"accepted: 32 levels in an unknown claim, signed", forge(hdrHS256, claimsWith(aud, exp, `"x":`+arrays(31)), hs256(k.secret)), nil},
	}
}

// TestHostileTokensCheap: the oversized and deeply nested tokens are refused
// with bounded work. The size caps come first, so an oversized token costs
// a few small allocations whatever its length; a nested one costs about its
// own size.
func TestHostileTokensCheap(t *testing.T) {
	k := newAtkKeys(t)
	m := newMiddleware(t, tokengate.WithKeys(tokengate.HMACSecret(k.secret)), tokengate.WithClock(atkNow))
	check := func(t *testing.T, tok string, maxAllocs float64, maxBytes uint64) {
		ctx := context.Background()
		allocs := testing.AllocsPerRun(20, func() { _, _ = m.Verify(ctx, tok) })
		assert.LessOrEqual(t, allocs, maxAllocs)
		// TotalAlloc counts every goroutine: keep the quietest of three
		// measurements.
		perCall := uint64(1 << 62)
		for range 3 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			const runs = 50
			for range runs {
				_, _ = m.Verify(ctx, tok)
			}
			runtime.ReadMemStats(&after)
			perCall = min(perCall, (after.TotalAlloc-before.TotalAlloc)/runs)
		}
		assert.LessOrEqual(t, perCall, maxBytes, "bytes allocated per refusal")
	}
	for _, a := range oversizeAttacks(k) {
		if a.want == nil {
			continue
		}
		t.Run(a.name, func(t *testing.T) { check(t, a.tok, 8, 1<<10) })
	}
	for _, a := range nestingAttacks(k) {
		if a.want == nil {
			continue
		}
		// The decoded segments, and no more than a valid token costs.
		t.Run(a.name, func(t *testing.T) { check(t, a.tok, 40, 2*uint64(len(a.tok))+(16<<10)) })
	}
}

// publicKeyMaterial lists the spellings of a public key an attacker may try
// as an HMAC secret.
func publicKeyMaterial(t *testing.T, pub any, kid string) []struct {
	name string
	b    []byte
} {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pemText := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	type material = struct {
		name string
		b    []byte
	}
	out := []material{
		{"PEM (PKIX) with trailing newline", pemText},
		{"PEM (PKIX) without trailing newline", []byte(strings.TrimRight(string(pemText), "\n"))},
		{"DER (PKIX)", der},
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		pkcs1 := x509.MarshalPKCS1PublicKey(p)
		out = append(out,
			material{"PEM (PKCS #1)", pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: pkcs1})},
			material{"DER (PKCS #1)", pkcs1},
			material{"JWK JSON", []byte(jwkJSONOf(t, p, kid, jwa.RS256))},
			material{"modulus bytes", p.N.Bytes()},
			material{"modulus base64url", []byte(b64(p.N.Bytes()))},
		)
	case *ecdsa.PublicKey:
		e, err := p.ECDH()
		require.NoError(t, err)
		out = append(out,
			material{"JWK JSON", []byte(jwkJSONOf(t, p, kid, jwa.ES256))},
			material{"uncompressed point", e.Bytes()},
			material{"x coordinate", e.Bytes()[1 : 1+(len(e.Bytes())-1)/2]},
		)
	}
	return out
}

// jwkJSONOf is the public JWK of pub with kid and alg, as JSON text.
func jwkJSONOf(t *testing.T, pub any, kid string, alg jwa.SignatureAlgorithm) string {
	t.Helper()
	jk, err := jwk.FromRaw(pub)
	require.NoError(t, err)
	require.NoError(t, jk.Set(jwk.KeyIDKey, kid))
	require.NoError(t, jk.Set(jwk.AlgorithmKey, alg))
	b, err := json.Marshal(jk)
	require.NoError(t, err)
	return string(b)
}

// selfSigned is a DER certificate for k's public key, signed by k.
func selfSigned(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "issuer.example"},
		NotBefore:    atkNow().Add(-time.Hour),
		NotAfter:     atkNow().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	require.NoError(t, err)
	return der
}

func ps256(k *rsa.PrivateKey) atkSigner {
	return func(in []byte) []byte {
		d := sha256.Sum256(in)
		sig, err := rsa.SignPSS(rand.Reader, k, crypto.SHA256, d[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		if err != nil {
			panic(err)
		}
		return sig
	}
}

// flipUnusedBit sets the lowest unused bit of the last character of an
// unpadded base64url segment whose length leaves unused bits, so that it
// decodes to the same bytes under a lenient decoder.
func flipUnusedBit(seg string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(seg)%4 == 0 {
		panic("no unused bits")
	}
	last := strings.IndexByte(alphabet, seg[len(seg)-1])
	return seg[:len(seg)-1] + string(alphabet[last|1])
}

// unencodedPayload is an RFC 7797 compact token: payload as is, signed over
// header.payload.
func unencodedPayload(header, payload string, secret []byte) string {
	in := b64([]byte(header)) + "." + payload
	return in + "." + b64(hs256(secret)([]byte(in)))
}

// impossibleLength appends characters to a base64url segment until its
// length is 1 modulo 4, which no byte string encodes to.
func impossibleLength(seg string) string {
	seg += "A"
	for len(seg)%4 != 1 {
		seg += "A"
	}
	return seg
}

// tokenOfLength is a valid HS256 token without iss (signed by secret,
// audience atkAudience) of exactly n bytes.
func tokenOfLength(secret []byte, n int) string {
	for _, typ := range []string{"", `,"typ":"JWT"`, `,"typ":"at+jwt"`} {
		h := `{"alg":"HS256"` + typ + `}`
		for size := (n - 200) * 3 / 4; size < n; size++ {
			p := fmt.Sprintf(`{"aud":"%s","exp":%d,"jti":"%s","x":"%s"}`, atkAudience, atkNowUnix+3600, randomJTI(), strings.Repeat("a", size))
			tok := forge(h, p, hs256(secret))
			if len(tok) == n {
				return tok
			}
			if len(tok) > n {
				break
			}
		}
	}
	panic(fmt.Sprintf("no token of %d bytes", n))
}
