package tokengate

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzCompactForm: the form check and the header decoding never panic; what
// the form check accepts is three canonical base64url segments within the
// size caps (so no two spellings of one token both pass), and a header that
// decodes has no two names equal under case folding and is not nested too
// deep. What it accepts is an RFC 6750 b64token (verifyToken checks that
// only for what it refuses). It answers as the form check first written
// (refParseCompact) does, and verifyToken's parseMode (a header cache, the
// payload in an array of its own) changes no answer (see checkParseModes).
func FuzzCompactForm(f *testing.F) {
	for _, s := range []string{
		"eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.c2ln",
		"eyJhbGciOiJIUzI1NiJ9..c2ln",
		"eyJhbGciOiJub25lIn0.e30.",
		"a.b.c.d.e",
		"eyJhbGciOiJIUzI1NiJ9=.e30.c2ln",
		"eyJhbGciOiJIUzI1NiJ9.e30.c2l+",
		"eyJhbGciOiJIUzI1NiJ9.e30.c2lo",
		"eyJhbGciOiJIUzI1NiIsIkFMRyI6Im5vbmUifQ.e30.c2ln", // alg and ALG
		"eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiYjY0Il0sImI2NCI6ZmFsc2V9.e30.c2ln",
		`{"payload":"e30","signatures":[]}`,
		strings.Repeat(".", 100),
		"eyJhbGciOiJIUzI1NiJ9.e30.c2ln.",
		"eyJhbGciOiJIUzI1NiJ9.e3.0.c2ln",
		"eyJhbGciOiJIUzI1NiJ9.e30c2ln",
		".e30.c2ln",
		"eyJhbGciOiJIUzI1NiJ9.e30.",
		"eyJhbGciOiJIUzI1NiJ9.e3=.c2ln",
		"eyJhbGci\nOiJIUzI1NiJ9.e30.c2ln",
		strings.Repeat("a", maxHeaderBytes+1) + ".e.30.c2ln",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		checkParseModes(t, tok)
		c, _, err := parseCompact(tok, nil, parseMode{})
		if err != nil {
			return
		}
		if !isB64Token(tok) {
			t.Fatalf("accepted a token that is not a b64token: %q", tok)
		}
		segs := strings.Split(tok, ".")
		if len(segs) != 3 || len(tok) > maxTokenBytes || len(segs[0]) > maxHeaderBytes {
			t.Fatalf("accepted a token of the wrong shape: %q", tok)
		}
		if len(c.header) == 0 || len(c.signature) == 0 {
			t.Fatalf("accepted an empty header or signature: %q", tok)
		}
		for i, b := range [][]byte{c.header, c.payload, c.signature} {
			if got := base64.RawURLEncoding.EncodeToString(b); got != segs[i] {
				t.Fatalf("segment %d is not canonical: %q decodes to what encodes as %q", i, segs[i], got)
			}
		}
		if string(c.signingInput) != segs[0]+"."+segs[1] {
			t.Fatalf("signing input %q, want %q", c.signingInput, segs[0]+"."+segs[1])
		}
		if !tooDeep(c.header) {
			var got, ref header
			err, refErr := decodeHeader(c.header, &got), refDecodeHeader(string(c.header), &ref)
			if (err == nil) != (refErr == nil) {
				t.Fatalf("decode says %v, the reference decoder %v: %q", err, refErr, c.header)
			}
			if err == nil && got != ref {
				t.Fatalf("decode read %+v, the reference decoder %+v: %q", got, ref, c.header)
			}
		}
		var h header
		if err := h.decode(c.header); err != nil {
			return
		}
		if caseVariantNamesReference(t, c.header) || maxDepthReference(t, c.header) > maxJSONDepth {
			t.Fatalf("accepted a header with case-variant names or nested too deep: %q", c.header)
		}
		if h.Crit || h.B64 || h.Enc || h.Zip || h.Cty != "" {
			t.Fatalf("accepted a refused header member: %q", c.header)
		}
	})
}

// checkParseModes checks that parseCompact answers alike for tok in every
// parseMode: the same error, or the same segments; with a header cache that
// holds tok's header (as it does only after that header decoded), the
// header is not decoded again.
func checkParseModes(t *testing.T, tok string) {
	ref, _, refErr := parseCompact(tok, nil, parseMode{})
	want, wantErr := refParseCompact(tok)
	switch {
	case (refErr == nil) != (wantErr == nil):
		t.Fatalf("parseCompact: %v, the reference: %v: %q", refErr, wantErr, tok)
	case refErr != nil && refErr.Error() != wantErr.Error():
		t.Fatalf("parseCompact: %v, the reference: %v: %q", refErr, wantErr, tok)
	case refErr == nil && (string(ref.header) != string(want.header) || string(ref.payload) != string(want.payload) ||
		string(ref.signature) != string(want.signature) || string(ref.signingInput) != string(want.signingInput)):
		t.Fatalf("parseCompact and the reference read different segments: %q", tok)
	}
	var hc headerCache
	own := parseMode{headers: &hc, ownPayload: true}
	hseg, _, _ := strings.Cut(tok, ".")
	for _, cached := range []bool{false, true} {
		if cached {
			if _, _, err := decodeSegment(nil, []byte(hseg)); err != nil {
				return // such a header is never cached
			}
			hc.put(hseg, header{Alg: "HS256"})
			cached = len(hseg) <= maxCachedHeaderSeg
		}
		got, _, err := parseCompact(tok, make([]byte, 3), own)
		switch {
		case (err == nil) != (refErr == nil):
			t.Fatalf("parseMode %+v (cached %v): %v, parseMode{}: %v: %q", own, cached, err, refErr, tok)
		case err != nil && err.Error() != refErr.Error():
			t.Fatalf("parseMode %+v (cached %v): %v, parseMode{}: %v: %q", own, cached, err, refErr, tok)
		case err != nil:
			return
		case cached && (got.cached == nil || got.header != nil):
			t.Fatalf("a cached header was decoded: %q", tok)
		case !cached && (got.cached != nil || string(got.header) != string(ref.header)):
			t.Fatalf("header %q, want %q: %q", got.header, ref.header, tok)
		case string(got.payload) != string(ref.payload) || string(got.signature) != string(ref.signature) ||
			string(got.signingInput) != string(ref.signingInput) || got.headerSeg != ref.headerSeg:
			t.Fatalf("segments differ from parseMode{}'s: %q", tok)
		}
	}
}

// refParseCompact is the form check as first written, with strings.Cut and
// decodeSegment (encoding/base64), for parseCompact to answer alike.
func refParseCompact(token string) (compact, error) {
	if len(token) > maxTokenBytes {
		return compact{}, fmt.Errorf("%w: token longer than %d bytes", ErrMalformed, maxTokenBytes)
	}
	hseg, rest, ok1 := strings.Cut(token, ".")
	pseg, sseg, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.IndexByte(sseg, '.') >= 0 {
		return compact{}, fmt.Errorf("%w: not three dot-separated segments", ErrMalformed)
	}
	if len(hseg) > maxHeaderBytes {
		return compact{}, fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, maxHeaderBytes)
	}
	var t compact
	var err error
	t.signingInput = []byte(token[:len(hseg)+1+len(pseg)])
	if t.header, _, err = decodeSegment(nil, []byte(hseg)); err != nil {
		return compact{}, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if pseg != "" {
		if t.payload, _, err = decodeSegment(nil, []byte(pseg)); err != nil {
			return compact{}, fmt.Errorf("%w: payload: %w", ErrMalformed, err)
		}
	}
	if t.signature, _, err = decodeSegment(nil, []byte(sseg)); err != nil {
		return compact{}, fmt.Errorf("%w: signature: %w", ErrMalformed, err)
	}
	return t, nil
}

// FuzzClaims: decoding a payload into Claims never panics; nothing with
// case-variant names or nesting past the bound (by slow references) is
// accepted; accepted claims have an exp, and their times lie between the
// epoch and the year 9999.
func FuzzClaims(f *testing.F) {
	for _, s := range []string{
		picketPayload,
		`{"exp":1700000000}`,
		`{"exp":1700000000,"EXP":1}`,
		`{"exp":1,"exp":2}`,
		`{"\u0065xp":1,"exp":2}`,
		`{"sub":"a","ſub":"b","exp":1}`,
		`{"exp":"2023-11-14T22:13:20Z"}`,
		`{"exp":1e300,"nbf":-1,"iat":null}`,
		`{"exp":1,"aud":[["a"]],"tokenIds":[1,"2",{}]}`,
		`{"exp":1,"tokenBalance":"0.1337","tokenBalances":{"0xa":{"1":"2"}}}`,
		`{"exp":1,"tokenBalances":{"contractAddress":{"0xBC4C":"12.5","0xbc4d":"1"},"collection":{"c":"1"},"tokenIds":{"42":"1","042":"2"},"creatorAddress":{}}}`,
		`{"exp":1,"tokenBalances":{"0xbc4c":"12.5","0xBC4C":3}}`,
		`{"exp":1,"tokenBalances":{"0xbc4c":"12.5","contractAddress":{}}}`,
		`{"exp":1,"tokenBalances":{"contractAddress":{"0xa":"1"},"0xb":"2"}}`,
		`{"exp":1,"tokenBalances":{}}`,
		`{"exp":1,"tokenBalances":{"contractAddress":"12.5"}}`,
		`{"exp":1,"tokenBalances":{"0xa":"1","tokenIds":"2"}}`,
		`{"exp":1,"scope":"user:basic  openid ","scp":["a","b c"]}`,
		`{"exp":1,"scp":"read write"}`,
		`{"exp":1,"scope":null,"scp":[1]}`,
		`{"exp":1,"walletAddress":"0xAbC0000000000000000000000000000000000001"}`,
		`{"exp":1,"walletAddress":"7ECDhSYGxXYSCSZyEp35KHn8vvW3sVaULKTZXwcfLtV","chain":"solana"}`,
		`{"exp":1,"walletAddress":"0xabc","chain":"EIP155:0137"}`,
		`{"a\"b":1,"A\"B":2,"c\\":"\\","C\\":0}`,
		`{"x":{"iss":1,"ISS":2},"y":"{\"a\":1,\"A\":2}"}`,
		`{"n01":0,"n02":0,"n03":0,"n04":0,"n05":0,"n06":0,"n07":0,"n08":0,"n09":0,"n10":0,"n11":0,"n12":0,` +
			`"n13":0,"n14":0,"n15":0,"n16":0,"n17":0,"n18":0,"n19":0,"n20":0,"n21":0,"n22":0,"n23":0,"n24":0,` +
			`"n25":0,"n26":0,"n27":0,"n28":0,"n29":0,"n30":0,"n31":0,"n32":0,"n33":0,"N01":0}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`{"exp":1,"x":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + `}`,
		`{"exp":1,"x":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + `}`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := decodePayload(b)
		if len(b) > 0 && !tooDeep(b) {
			ref, refErr := refDecodeClaims(string(b))
			if (err == nil) != (refErr == nil) {
				t.Fatalf("decode says %v, the reference decoder %v: %q", err, refErr, b)
			}
			if err == nil {
				if diff := claimsDiff(c, ref); diff != "" {
					t.Fatalf("decode and the reference decoder differ in %s: %q", diff, b)
				}
			}
		}
		if jsontext.Value(b).IsValid() {
			// Never accept what the slow references refuse.
			variant := caseVariantNamesReference(t, b)
			deep := maxDepthReference(t, b) > maxJSONDepth
			if (variant || deep) && err == nil {
				t.Fatalf("accepted: case-variant names %v, too deep %v: %q", variant, deep, b)
			}
		}
		if err != nil {
			return
		}
		lo, hi := time.Unix(0, 0), time.Unix(maxNumericDate+1, 0)
		if c.ExpiresAt.IsZero() || !c.ExpiresAt.After(lo) || !c.ExpiresAt.Before(hi) {
			t.Fatalf("exp %v out of range: %q", c.ExpiresAt, b)
		}
		for _, v := range []time.Time{c.NotBefore, c.IssuedAt} {
			if !v.IsZero() && (!v.After(lo) || !v.Before(hi)) {
				t.Fatalf("nbf or iat %v out of range: %q", v, b)
			}
		}
		if c.TokenBalance != nil && c.TokenBalance.Sign() < 0 {
			t.Fatalf("negative tokenBalance: %q", b)
		}
		// memberValue, which reads a preset's wallet claim, finds members
		// as the decoder does, and hands out whole JSON values.
		for _, name := range []string{"sub", "walletAddress", "linked_accounts"} {
			v, ok := memberValue(c.raw, name)
			if ok && !jsontext.Value(v).IsValid() {
				t.Fatalf("memberValue(%q) = %q, not a JSON value: %q", name, v, b)
			}
		}
		if _, ok := memberValue(c.raw, "sub"); c.Subject != "" && !ok {
			t.Fatalf("memberValue missed sub: %q", b)
		}
	})
}

// balancesEqual reports whether a and b hold the same groups, keys and
// balances.
func balancesEqual(a, b *TokenBalances) bool {
	if a == nil || b == nil {
		return a == b
	}
	eq := func(x, y map[string]*big.Rat) bool {
		if (x == nil) != (y == nil) || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			if w, ok := y[k]; !ok || v.Cmp(w) != 0 {
				return false
			}
		}
		return true
	}
	return eq(a.ContractAddress, b.ContractAddress) && eq(a.Collection, b.Collection) &&
		eq(a.TokenIDs, b.TokenIDs) && eq(a.CreatorAddress, b.CreatorAddress)
}

// claimsDiff names the first typed claim in which a and b differ, or is "".
func claimsDiff(a, b *Claims) string {
	rat := func(x, y *big.Rat) bool { return (x == nil) == (y == nil) && (x == nil || x.Cmp(y) == 0) }
	switch {
	case a.Issuer != b.Issuer || a.Subject != b.Subject || a.ID != b.ID:
		return "iss, sub or id"
	case !slices.Equal(a.Audience, b.Audience) || !slices.Equal(a.TokenIDs, b.TokenIDs):
		return "aud or tokenIds"
	case !a.ExpiresAt.Equal(b.ExpiresAt) || !a.NotBefore.Equal(b.NotBefore) || !a.IssuedAt.Equal(b.IssuedAt):
		return "exp, nbf or iat"
	case a.Chain != b.Chain || a.WalletAddress != b.WalletAddress || a.DisplayAddress != b.DisplayAddress ||
		a.ContractAddress != b.ContractAddress || a.Email != b.Email:
		return "wallet claims or email"
	case !rat(a.TokenBalance, b.TokenBalance):
		return "tokenBalance"
	case !balancesEqual(a.TokenBalances, b.TokenBalances):
		return "tokenBalances"
	case !slices.Equal(a.Scopes, b.Scopes):
		return "scopes"
	case !slices.Equal(a.Wallets, b.Wallets):
		return "wallets"
	}
	return ""
}
