package tokengate

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// FuzzDPoPProof: parseProof never panics on any header and payload (signed
// with a real key, so the fuzzer reaches past the signature), and what it
// accepts has typ dpop+jwt, an allowed alg, a thumbprint, and the claims
// RFC 9449 §4.2 requires.
func FuzzDPoPProof(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	pub, err := jwk.FromRaw(&key.PublicKey)
	if err != nil {
		f.Fatal(err)
	}
	pj, _ := json.Marshal(pub)
	good := `{"typ":"dpop+jwt","alg":"ES256","jwk":` + string(pj) + `}`
	claims := `{"jti":"a","htm":"GET","htu":"https://a.example/","iat":1767225600,"ath":"x"}`
	f.Add(good, claims)
	f.Add(good, `{"jti":"a","htm":"GET","htu":"https://a.example/","iat":1767225600,"ath":"x","nonce":"n"}`)
	f.Add(good, `{"jti":"a","jti":"b","htm":"GET","htu":"u","iat":1,"ath":"x"}`)
	f.Add(`{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"oct","k":"AAAA"}}`, claims)
	f.Add(`{"typ":"dpop+jwt","alg":"none","jwk":`+string(pj)+`}`, claims)
	f.Add(`{"typ":"dpop+jwt","alg":"ES256","jwk":`+string(pj)+`,"crit":["x"]}`, claims)
	f.Add(good, `{"jti":"a","htm":"GET","htu":"u","iat":"1","ath":"x"}`)
	f.Add(good, `[]`)
	signer, err := jws.NewSigner(jwa.ES256)
	if err != nil {
		f.Fatal(err)
	}
	dp := &dpopConfig{}
	dp.setAlgs(defaultDPoPAlgs)
	enc := base64.RawURLEncoding
	f.Fuzz(func(t *testing.T, header, payload string) {
		input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
		sig, err := signer.Sign([]byte(input), key)
		if err != nil {
			t.Fatal(err)
		}
		p, err := dp.parseProof(input+"."+enc.EncodeToString(sig), "")
		if err != nil {
			return
		}
		var h proofHeader
		if decodeStrict([]byte(header), &h) != nil || !isDPoPType(h.Typ) || !dp.algs.has(jwa.SignatureAlgorithm(h.Alg)) {
			t.Fatalf("accepted header %q", header)
		}
		if p.jkt == "" || p.jti == "" || p.iat.IsZero() {
			t.Fatalf("accepted proof without jkt, jti or iat: %q", payload)
		}
	})
}

// FuzzNormalizeHTU: normalizing twice is normalizing once, and what comes
// out is an http or https URL without query or fragment.
func FuzzNormalizeHTU(f *testing.F) {
	for _, s := range []string{"https://API.example.com:443/a%7e?x#y", "http://[::1]:80", "https://a.example/%2f", "https://a.example/../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := normalizeHTU(s)
		if !ok {
			return
		}
		again, ok := normalizeHTU(n)
		if !ok || again != n {
			t.Fatalf("normalizeHTU(%q) = %q, and again %q, %v", s, n, again, ok)
		}
	})
}
