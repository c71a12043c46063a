package tokengate

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/lestrrat-go/jwx/v2/jwa"
)

// maxProofJTI bounds a proof's jti.
const maxProofJTI = 256

// proof is a DPoP proof whose signature verified with the key in its own
// header: the claims the checks compare, and that key's thumbprint.
type proof struct {
	jkt                string
	jti, htm, htu, ath string
	nonce              string
	hasNonce           bool
	iat                time.Time
}

// proofHeader is the JOSE header of a proof: the members read, and those
// refused when present.
type proofHeader struct {
	Typ  string         `json:"typ"`
	Alg  string         `json:"alg"`
	JWK  jsontext.Value `json:"jwk"`
	Crit jsontext.Value `json:"crit"`
	B64  jsontext.Value `json:"b64"`
	Enc  jsontext.Value `json:"enc"`
	Zip  jsontext.Value `json:"zip"`
}

// proofClaims is the payload of a proof (RFC 9449 §4.2).
type proofClaims struct {
	JTI   *string  `json:"jti"`
	HTM   *string  `json:"htm"`
	HTU   *string  `json:"htu"`
	IAT   *float64 `json:"iat"`
	ATH   *string  `json:"ath"`
	Nonce *string  `json:"nonce"`
}

// checkProof applies RFC 9449 §4.3 to the proof of r, sent with token,
// whose verified claims are c: one DPoP header holding a proof that
// verifies with its own key (parseProof), htm and htu of this request, ath
// of this token, the token bound to that key, the server's nonce (with
// DPoPNonces), iat within the window, and last, when all else passed, its
// jti spent.
func (m *Middleware) checkProof(r *http.Request, token string, c *Claims) error {
	dp := m.cfg.dpop
	jkt, err := boundKey(c)
	switch {
	case err != nil:
		return err
	case jkt == "":
		return fmt.Errorf("%w: the token has no cnf.jkt", ErrDPoPBinding)
	}
	vs := r.Header.Values("DPoP")
	switch {
	case len(vs) == 0:
		return fmt.Errorf("%w: no DPoP header", ErrDPoPProof)
	case len(vs) > 1:
		return fmt.Errorf("%w: %d DPoP headers", ErrDPoPProof, len(vs))
	}
	p, err := dp.parseProof(strings.TrimSpace(vs[0]), jkt)
	if err != nil {
		return err
	}
	if p.htm != r.Method {
		return fmt.Errorf("%w: htm is not the request method", ErrDPoPProof)
	}
	if htu, ok := normalizeHTU(p.htu); !ok || htu != dp.requestURL(r) {
		return fmt.Errorf("%w: htu is not the request URL", ErrDPoPProof)
	}
	if p.ath != accessTokenHash(token) {
		return fmt.Errorf("%w: ath is not the hash of the access token", ErrDPoPProof)
	}
	if subtle.ConstantTimeCompare([]byte(p.jkt), []byte(jkt)) != 1 {
		return fmt.Errorf("%w: cnf.jkt is not the proof key's thumbprint", ErrDPoPBinding)
	}
	now := m.cfg.now()
	if dp.nonces != nil {
		if err := dp.nonces.check(p.nonce, p.hasNonce, now); err != nil {
			return err
		}
	}
	if p.iat.Before(now.Add(-dp.maxAge)) {
		return fmt.Errorf("%w: iat is too old", ErrDPoPProof)
	}
	if p.iat.After(now.Add(dp.futureSkew)) {
		return fmt.Errorf("%w: iat is in the future", ErrDPoPProof)
	}
	return dp.spend(r, p, now)
}

// spend records the proof's jti, scoped to its key, until the proof is too
// old to pass anyway. The store keeps its own clock (time.Now, or Redis's),
// so the record's end is that much time from now, as the Middleware's clock
// measures it.
func (dp *dpopConfig) spend(r *http.Request, p *proof, now time.Time) error {
	sum := sha256.Sum256([]byte(p.jkt + "\x00" + p.jti))
	left := p.iat.Add(dp.maxAge + time.Second).Sub(now)
	fresh, err := dp.store.Use(r.Context(), "dpop:"+hex.EncodeToString(sum[:]), time.Now().Add(left))
	switch {
	case err != nil:
		return fmt.Errorf("%w: DPoP proof: %w", ErrStoreUnavailable, err)
	case !fresh:
		return fmt.Errorf("%w: jti already used", ErrDPoPProof)
	}
	return nil
}

// accessTokenHash is a proof's expected ath: the base64url SHA-256 of the
// token's ASCII text.
func accessTokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// parseProof checks a proof's form (the strict compact form tokens get),
// its header (typ dpop+jwt, alg from the DPoP allowlist, a public jwk; no
// crit, b64 or JWE members), that its jwk's thumbprint is wantJKT (the
// token's cnf.jkt; ErrDPoPBinding otherwise, before any signature work, so a
// key that is not the token's costs no verification), verifies its
// signature with the key of its jwk, and decodes its claims: jti, htm, htu
// and iat present, ath a string, nonce a string when present. Every other
// error wraps ErrDPoPProof and quotes nothing of the proof. Only the fuzz
// test passes an empty wantJKT, which skips the binding check.
func (dp *dpopConfig) parseProof(s, wantJKT string) (*proof, error) {
	bp := scratch.Get().(*[]byte)
	defer scratch.Put(bp)
	t, grown, err := parseCompact(s, *bp, parseMode{})
	*bp = grown
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDPoPProof, err)
	}
	var h proofHeader
	if err := decodeStrict(t.header, &h); err != nil {
		return nil, fmt.Errorf("%w: header: %s", ErrDPoPProof, err)
	}
	switch {
	case !isDPoPType(h.Typ):
		return nil, fmt.Errorf("%w: typ is not dpop+jwt", ErrDPoPProof)
	case !dp.algs.has(jwa.SignatureAlgorithm(h.Alg)):
		return nil, fmt.Errorf("%w: alg not allowed", ErrDPoPProof)
	case h.Crit != nil || h.B64 != nil || h.Enc != nil || h.Zip != nil:
		return nil, fmt.Errorf("%w: header has crit, b64, enc or zip", ErrDPoPProof)
	case h.JWK == nil:
		return nil, fmt.Errorf("%w: header has no jwk", ErrDPoPProof)
	}
	k, jkt, err := proofKey(h.JWK, jwa.SignatureAlgorithm(h.Alg))
	if err != nil {
		return nil, fmt.Errorf("%w: jwk: %v", ErrDPoPProof, err)
	}
	if wantJKT != "" && subtle.ConstantTimeCompare([]byte(jkt), []byte(wantJKT)) != 1 {
		return nil, fmt.Errorf("%w: cnf.jkt is not the proof key's thumbprint", ErrDPoPBinding)
	}
	if err := k.verifier.Verify(t.signingInput, t.signature, k.raw); err != nil {
		return nil, fmt.Errorf("%w: signature does not verify with its jwk", ErrDPoPProof)
	}
	var pc proofClaims
	if err := decodeStrict(t.payload, &pc); err != nil {
		return nil, fmt.Errorf("%w: payload: %s", ErrDPoPProof, err)
	}
	switch {
	case pc.JTI == nil || *pc.JTI == "" || len(*pc.JTI) > maxProofJTI:
		return nil, fmt.Errorf("%w: jti is missing, empty or longer than %d bytes", ErrDPoPProof, maxProofJTI)
	case pc.HTM == nil || pc.HTU == nil:
		return nil, fmt.Errorf("%w: htm or htu is missing", ErrDPoPProof)
	case pc.IAT == nil || math.IsNaN(*pc.IAT) || *pc.IAT < 0 || *pc.IAT > 1e11:
		return nil, fmt.Errorf("%w: iat is missing or not a NumericDate", ErrDPoPProof)
	case pc.ATH == nil:
		return nil, fmt.Errorf("%w: ath is missing", ErrDPoPProof)
	}
	p := &proof{jkt: jkt, jti: *pc.JTI, htm: *pc.HTM, htu: *pc.HTU, ath: *pc.ATH}
	sec, frac := math.Modf(*pc.IAT)
	p.iat = time.Unix(int64(sec), int64(frac*1e9))
	if pc.Nonce != nil {
		p.nonce, p.hasNonce = *pc.Nonce, true
	}
	return p, nil
}

// decodeStrict reads a JSON object into v: bounded depth, no duplicate
// member names anywhere, names matched exactly, registered members of the
// right type. Its error names the kind of problem only.
func decodeStrict(b []byte, v any) error {
	if len(b) == 0 {
		return fmt.Errorf("empty")
	}
	if tooDeep(b) {
		return fmt.Errorf("JSON nested deeper than %d", maxJSONDepth)
	}
	if err := validJSON(b); err != nil {
		return fmt.Errorf("%s", jsonProblem(err))
	}
	if jsontext.Value(b).Kind() != '{' {
		return errNotObject
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s", jsonProblem(err))
	}
	return nil
}

// isDPoPType reports whether typ names RFC 9449's media type: "dpop+jwt",
// compared without case, with or without the "application/" prefix
// (RFC 7515 §4.1.9).
func isDPoPType(typ string) bool {
	if len(typ) > len("application/") && strings.EqualFold(typ[:len("application/")], "application/") {
		typ = typ[len("application/"):]
	}
	return strings.EqualFold(typ, "dpop+jwt")
}
