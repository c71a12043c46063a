package tokengate_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tokengate/tokengate"
)

func TestNewErrors(t *testing.T) {
	rsa1024, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	edPub, edPriv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	secret := make([]byte, 32)
	smallE := rsa2048.PublicKey
	smallE.E = 3

	privJWK, err := jwk.FromRaw(p384)
	require.NoError(t, err)
	privSet := jwk.NewSet()
	require.NoError(t, privSet.AddKey(privJWK))
	encJWK, err := jwk.FromRaw(&p384.PublicKey)
	require.NoError(t, err)
	require.NoError(t, encJWK.Set(jwk.KeyUsageKey, "enc"))
	encSet := jwk.NewSet()
	require.NoError(t, encSet.AddKey(encJWK))

	ok := tokengate.WithKeys(tokengate.HMACSecret(secret))
	tests := []struct {
		name string
		opts []tokengate.Option
	}{
		{"no key source", nil},
		{"only an audience", []tokengate.Option{tokengate.WithAudience("a")}},
		{"nil option", []tokengate.Option{ok, nil}},
		{"HS256 secret of 31 bytes", []tokengate.Option{tokengate.WithKeys(tokengate.HMACSecret(make([]byte, 31)))}},
		{"HS384 secret of 47 bytes", []tokengate.Option{tokengate.WithKeys(tokengate.HMACKey(jwa.HS384, make([]byte, 47)))}},
		{"HS512 secret of 63 bytes", []tokengate.Option{tokengate.WithKeys(tokengate.HMACKey(jwa.HS512, make([]byte, 63)))}},
		{"HMACKey with RS256", []tokengate.Option{tokengate.WithKeys(tokengate.HMACKey(jwa.RS256, secret))}},
		{"RSA of 1024 bits", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.RS256, &rsa1024.PublicKey))}},
		{"RSA exponent 3", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.RS256, &smallE))}},
		{"RSA private key", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.RS256, rsa2048))}},
		{"P-384 key for ES256", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.ES256, &p384.PublicKey))}},
		{"EC key for RS256", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.RS256, &p384.PublicKey))}},
		{"Ed25519 private key", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.EdDSA, edPriv))}},
		{"PublicKey with HS256", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.HS256, secret))}},
		{"PublicKey with none", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.NoSignature, edPub))}},
		{"KeySet with private key", []tokengate.Option{tokengate.WithKeys(tokengate.KeySet(privSet))}},
		{"KeySet with use enc", []tokengate.Option{tokengate.WithKeys(tokengate.KeySet(encSet))}},
		{"KeySet empty", []tokengate.Option{tokengate.WithKeys(tokengate.KeySet(jwk.NewSet()))}},
		{"key outside WithAlgorithms", []tokengate.Option{ok, tokengate.WithAlgorithms(jwa.ES256)}},
		{"WithAlgorithms none", []tokengate.Option{ok, tokengate.WithAlgorithms(jwa.NoSignature)}},
		{"WithAlgorithms empty", []tokengate.Option{ok, tokengate.WithAlgorithms()}},
		{"WithIssuer empty iss", []tokengate.Option{tokengate.WithIssuer("", tokengate.HMACSecret(secret))}},
		{"WithIssuer nil keys", []tokengate.Option{tokengate.WithIssuer("https://a", nil)}},
		{"WithIssuer twice", []tokengate.Option{tokengate.WithIssuer("https://a", tokengate.HMACSecret(secret)), tokengate.WithIssuer("https://a", tokengate.HMACSecret(secret))}},
		{"WithKeys nil", []tokengate.Option{tokengate.WithKeys(nil)}},
		{"WithKeys twice", []tokengate.Option{ok, ok}},
		{"WithAudience empty", []tokengate.Option{ok, tokengate.WithAudience()}},
		{"WithAudience empty value", []tokengate.Option{ok, tokengate.WithAudience("a", "")}},
		{"WithClockSkew negative", []tokengate.Option{ok, tokengate.WithClockSkew(-1)}},
		{"WithClockSkew an hour", []tokengate.Option{ok, tokengate.WithClockSkew(3600e9)}},
		{"WithMaxLifetime zero", []tokengate.Option{ok, tokengate.WithMaxLifetime(0)}},
		{"WithExtractor nil", []tokengate.Option{ok, tokengate.WithExtractor(nil)}},
		{"FirstOf with a nil extractor", []tokengate.Option{ok, tokengate.WithExtractor(tokengate.FirstOf(tokengate.FromAuthHeader(), nil))}},
		{"FirstOf of nothing", []tokengate.Option{ok, tokengate.WithExtractor(tokengate.FirstOf())}},
		{"nil RSA key", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.RS256, (*rsa.PublicKey)(nil)))}},
		{"nil EC key", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.ES256, (*ecdsa.PublicKey)(nil)))}},
		{"nil Ed25519 key", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.EdDSA, ed25519.PublicKey(nil)))}},
		{"nil key", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.ES256, nil))}},
		{"EC point off the curve", []tokengate.Option{tokengate.WithKeys(tokengate.PublicKey(jwa.ES256,
			offCurve()))}},
		{"WithErrorHandler nil", []tokengate.Option{ok, tokengate.WithErrorHandler(nil)}},
		{"WithLogger nil", []tokengate.Option{ok, tokengate.WithLogger(nil)}},
		{"WithRealm with quote", []tokengate.Option{ok, tokengate.WithRealm(`a"b`)}},
		{"WithRealm empty", []tokengate.Option{ok, tokengate.WithRealm("")}},
		{"WithClock nil", []tokengate.Option{ok, tokengate.WithClock(nil)}},
		{"JWKS relative URL", []tokengate.Option{tokengate.WithIssuer("https://a", tokengate.JWKS("/jwks.json"))}},
		{"JWKS file URL", []tokengate.Option{tokengate.WithIssuer("https://a", tokengate.JWKS("file:///etc/passwd"))}},
		{"JWKS nil client", []tokengate.Option{tokengate.WithIssuer("https://a", tokengate.JWKS("https://a/jwks", tokengate.JWKSClient(nil)))}},
		{"JWKS zero timeout", []tokengate.Option{tokengate.WithIssuer("https://a", tokengate.JWKS("https://a/jwks", tokengate.JWKSTimeout(0)))}},
		{"JWKS refresh bounds reversed", []tokengate.Option{tokengate.WithIssuer("https://a", tokengate.JWKS("https://a/jwks", tokengate.JWKSRefresh(2e9, 1e9)))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tokengate.New(tt.opts...)
			assert.Nil(t, m)
			require.ErrorIs(t, err, tokengate.ErrConfig)
			assert.Regexp(t, `^tokengate: `, err.Error())
		})
	}
}

func TestNewAccepts(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	edPub, _, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	pubJWK, err := jwk.FromRaw(&ecKey.PublicKey)
	require.NoError(t, err)
	require.NoError(t, pubJWK.Set(jwk.KeyIDKey, "k1"))
	set := jwk.NewSet()
	require.NoError(t, set.AddKey(pubJWK))
	raw, err := json.Marshal(set)
	require.NoError(t, err)
	parsed, err := jwk.Parse(raw)
	require.NoError(t, err)

	for name, src := range map[string]tokengate.KeySource{
		"RS256":  tokengate.PublicKey(jwa.RS256, &rsaKey.PublicKey),
		"PS256":  tokengate.PublicKey(jwa.PS256, &rsaKey.PublicKey),
		"ES256":  tokengate.PublicKey(jwa.ES256, &ecKey.PublicKey),
		"EdDSA":  tokengate.PublicKey(jwa.EdDSA, edPub),
		"HS512":  tokengate.HMACKey(jwa.HS512, make([]byte, 64)),
		"KeySet": tokengate.KeySet(parsed),
	} {
		t.Run(name, func(t *testing.T) {
			m, err := tokengate.New(tokengate.WithKeys(src))
			require.NoError(t, err)
			require.NoError(t, m.Close())
			require.NoError(t, m.Close(), "Close twice")
		})
	}
}
