package wallet

import (
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/go-json-experiment/json"
)

// Addresses used in the payloads: public vectors (see address_test.go).
const (
	evm0      = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" // anvil account 0
	evm1      = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" // anvil account 1
	sol       = "2q7pyhPwAwZ3QMfZrnAbDhnh9mDUqycszcpf86VgQxhF"
	solKeyHex = "1b2f49096e3e5dbd0fcfa9c0c0cd92d9ab3b21544b34d5dd4a65d98b878b9922"
)

type wallet struct{ Chain, Address string }

type readerCase struct {
	name string
	raw  string
	want []wallet // nil with wantErr
	// wantErr: the claim is malformed.
	wantErr bool
}

func run(t *testing.T, read func([]byte, Add) error, cases []readerCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var got []wallet
			err := read([]byte(tt.raw), func(chain, addr string) {
				got = append(got, wallet{chain, addr})
			})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("err = nil, want an error; added %v", got)
				}
				if !errPrefix.MatchString(err.Error()) {
					t.Errorf("err = %q, want it to name the provider's claim", err)
				}
				if got != nil {
					t.Errorf("added %v on error, want nothing", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("added %v, want %v", got, tt.want)
			}
		})
	}
}

// jsonString is the claim value of a "stringified" JSON array: a JSON string.
func jsonString(inner string) string {
	b, err := json.Marshal(inner)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func repeatEntries(n int, entry string) string {
	return "[" + strings.TrimSuffix(strings.Repeat(entry+",", n), ",") + "]"
}

// privyCases: identity-token linked_accounts values. The shape follows
// https://docs.privy.io/user-management/users/identity-tokens ("linked_accounts
// is a stringified array") and the fields privy-io/node-sdk
// src/lib/identity-token.ts reads (its test tests/integration/lib/auth.test.ts
// builds entries {type:'email',address,lv}, {type:'wallet',address,
// chain_type:'ethereum',wallet_client_type:'privy',lv},
// {type:'github_oauth',subject,username,lv}).
var privyCases = []readerCase{
	{
		name: "sdk shape",
		raw: jsonString(`[` +
			`{"type":"email","address":"test@test.com","lv":1700000000},` +
			`{"type":"wallet","address":"` + evm0 + `","chain_type":"ethereum","wallet_client_type":"privy","id":"wlt_1","lv":1700000000},` +
			`{"type":"github_oauth","subject":"123","username":"octocat","lv":1700000000},` +
			`{"type":"wallet","address":"` + sol + `","chain_type":"solana","wallet_client_type":"phantom","lv":1700000000},` +
			`{"type":"smart_wallet","address":"` + evm1 + `","smart_wallet_type":"kernel","lv":1700000000},` +
			`{"type":"phone","phone_number":"+15555550100","lv":1700000000},` +
			`{"type":"farcaster","fid":1,"username":"f","oa":"` + evm1 + `","lv":1700000000},` +
			`{"type":"google_oauth","subject":"1","email":"a@b.example","name":null,"lv":1700000000},` +
			`{"type":"twitter_oauth","subject":"1","username":"x","pfp":"default.png","lv":1700000000},` +
			`{"type":"cross_app","subject":"s","provider_app_id":"p","embedded_wallets":[{"address":"` + evm1 + `"}],"smart_wallets":[],"lv":1700000000}` +
			`]`),
		want: []wallet{{"eip155", evm0}, {"solana", sol}, {"eip155", evm1}},
	},
	{name: "empty", raw: jsonString(`[]`), want: nil},
	{name: "no wallets", raw: jsonString(`[{"type":"email","address":"test@test.com","lv":1}]`), want: nil},
	{
		name: "whitespace around",
		raw:  " " + jsonString(` [ {"type":"wallet","address":"`+evm0+`","chain_type":"ethereum"} ] `) + "\n",
		want: []wallet{{"eip155", evm0}},
	},
	{
		name: "extended chain types",
		raw: jsonString(`[` +
			`{"type":"wallet","address":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","chain_type":"bitcoin-segwit","wallet_client_type":"privy"},` +
			`{"type":"wallet","address":"cosmos1vqpjljwsynsn58dugz0w8ut7kun7t8ls2qkmsq","chain_type":"cosmos","wallet_client_type":"privy"}` +
			`]`),
		want: []wallet{{"bip122", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}, {"cosmos", "cosmos1vqpjljwsynsn58dugz0w8ut7kun7t8ls2qkmsq"}},
	},
	{
		name: "smart wallet chain_type ethereum",
		raw:  jsonString(`[{"type":"smart_wallet","address":"` + evm1 + `","chain_type":"ethereum"}]`),
		want: []wallet{{"eip155", evm1}},
	},
	{name: "bare array", raw: `[{"type":"wallet","address":"` + evm0 + `","chain_type":"ethereum"}]`, wantErr: true},
	{name: "null", raw: `null`, wantErr: true},
	{name: "number", raw: `1`, wantErr: true},
	{name: "object", raw: `{}`, wantErr: true},
	{name: "empty input", raw: ``, wantErr: true},
	{name: "string not json", raw: jsonString(`not json`), wantErr: true},
	{name: "string holding object", raw: jsonString(`{}`), wantErr: true},
	{name: "string holding null", raw: jsonString(`null`), wantErr: true},
	{name: "string then garbage", raw: jsonString(`[]`) + ` x`, wantErr: true},
	{name: "array then garbage", raw: jsonString(`[] []`), wantErr: true},
	{name: "unterminated", raw: jsonString(`[{"type":"email"}`), wantErr: true},
	{name: "element not object", raw: jsonString(`[1]`), wantErr: true},
	{name: "element null", raw: jsonString(`[null]`), wantErr: true},
	{name: "type missing", raw: jsonString(`[{"address":"` + evm0 + `","chain_type":"ethereum"}]`), wantErr: true},
	{name: "type number", raw: jsonString(`[{"type":1}]`), wantErr: true},
	{name: "wallet without address", raw: jsonString(`[{"type":"wallet","chain_type":"ethereum"}]`), wantErr: true},
	{name: "wallet address null", raw: jsonString(`[{"type":"wallet","address":null,"chain_type":"ethereum"}]`), wantErr: true},
	{name: "wallet address number", raw: jsonString(`[{"type":"wallet","address":1,"chain_type":"ethereum"}]`), wantErr: true},
	// The SDK test's placeholder address is not a real address.
	{name: "wallet address short", raw: jsonString(`[{"type":"wallet","address":"0x1234567890","chain_type":"ethereum"}]`), wantErr: true},
	{name: "evm address as solana", raw: jsonString(`[{"type":"wallet","address":"` + evm0 + `","chain_type":"solana"}]`), wantErr: true},
	{name: "solana address as ethereum", raw: jsonString(`[{"type":"wallet","address":"` + sol + `","chain_type":"ethereum"}]`), wantErr: true},
	{name: "chain_type missing", raw: jsonString(`[{"type":"wallet","address":"` + evm0 + `"}]`), wantErr: true},
	{name: "chain_type unknown form", raw: jsonString(`[{"type":"wallet","address":"` + evm0 + `","chain_type":"Ethereum Mainnet"}]`), wantErr: true},
	{name: "smart wallet not evm", raw: jsonString(`[{"type":"smart_wallet","address":"` + sol + `"}]`), wantErr: true},
	{name: "smart wallet chain_type solana", raw: jsonString(`[{"type":"smart_wallet","address":"` + evm1 + `","chain_type":"solana"}]`), wantErr: true},
	{name: "duplicate member", raw: jsonString(`[{"type":"email","type":"wallet"}]`), wantErr: true},
	{name: "duplicate address", raw: jsonString(`[{"type":"wallet","address":"` + evm0 + `","address":"` + evm1 + `","chain_type":"ethereum"}]`), wantErr: true},
	{name: "name case differs", raw: jsonString(`[{"Type":"wallet","address":"` + evm0 + `","chain_type":"ethereum"}]`), wantErr: true},
	{name: "too many entries", raw: jsonString(repeatEntries(MaxEntries+1, `{"type":"email","address":"a@b.example"}`)), wantErr: true},
	{name: "max entries", raw: jsonString(repeatEntries(MaxEntries, `{"type":"email","address":"a@b.example"}`)), want: nil},
}

func TestPrivy(t *testing.T) { run(t, Privy, privyCases) }

// dynamicCases: verified_credentials values. Shapes from
// https://www.dynamic.xyz/docs/api-reference/schemas/JwtVerifiedCredential
// (format, address, chain, wallet_name, wallet_provider, public_identifier,
// oauth_*) and the JWT payload example in
// https://docs.dynamic.xyz/react-sdk/references/user-payload
// ({"address","chain":"eip155","id","wallet_name":"metamask"}, no format).
var dynamicCases = []readerCase{
	{
		name: "schema shape",
		raw: `[` +
			`{"id":"95b11417-f18f-457f-8804-68e361f9164f","format":"blockchain","signInEnabled":true,"address":"` + evm0 + `","chain":"eip155","name_service":{},"public_identifier":"` + evm0 + `","wallet_name":"metamask","wallet_provider":"browserExtension","lastSelectedAt":"2024-01-01T00:00:00.000Z"},` +
			`{"id":"2","format":"email","email":"a@b.example","public_identifier":"a@b.example","signInEnabled":true},` +
			`{"id":"3","format":"oauth","oauth_provider":"google","oauth_username":"u","oauth_display_name":null,"oauth_account_id":"1","oauth_emails":["a@b.example"],"oauth_metadata":{}},` +
			`{"id":"4","format":"blockchain","address":"` + sol + `","chain":"solana","wallet_name":"phantom","wallet_provider":"browserExtension"},` +
			`{"id":"5","format":"passkey","public_identifier":"k"},` +
			`{"id":"6","format":"phoneNumber","phoneNumber":"9171113333","phoneCountryCode":"1","isoCountryCode":"US"},` +
			`{"id":"7","format":"blockchain","address":"` + evm1 + `","chain":"eip155","wallet_name":"zerodev","wallet_provider":"smartContractWallet","wallet_properties":{"ecdsaProviderType":"zerodev_signer_to_ecdsa"}}` +
			`]`,
		want: []wallet{{"eip155", evm0}, {"solana", sol}, {"eip155", evm1}},
	},
	{
		name: "payload example without format",
		raw:  `[{"address":"` + evm0 + `","chain":"eip155","id":"af615228-99e5-48ee-905d-4575f0a6bfc9","wallet_name":"metamask"}]`,
		want: []wallet{{"eip155", evm0}},
	},
	{
		name: "other namespace",
		raw:  `[{"id":"1","format":"blockchain","address":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","chain":"bip122"}]`,
		want: []wallet{{"bip122", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}},
	},
	{name: "empty", raw: `[]`, want: nil},
	{name: "string", raw: jsonString(`[]`), wantErr: true},
	{name: "null", raw: `null`, wantErr: true},
	{name: "object", raw: `{"format":"blockchain"}`, wantErr: true},
	{name: "element not object", raw: `["x"]`, wantErr: true},
	{name: "garbage after", raw: `[]]`, wantErr: true},
	{name: "blockchain without address", raw: `[{"format":"blockchain","chain":"eip155"}]`, wantErr: true},
	{name: "blockchain address empty", raw: `[{"format":"blockchain","address":"","chain":"eip155"}]`, wantErr: true},
	{name: "blockchain without chain", raw: `[{"format":"blockchain","address":"` + evm0 + `"}]`, wantErr: true},
	{name: "chain not a namespace", raw: `[{"format":"blockchain","address":"` + evm0 + `","chain":"EVM"}]`, wantErr: true},
	{name: "chain with reference", raw: `[{"format":"blockchain","address":"` + evm0 + `","chain":"eip155:1"}]`, wantErr: true},
	{name: "chain number", raw: `[{"format":"blockchain","address":"` + evm0 + `","chain":1}]`, wantErr: true},
	{name: "address invalid", raw: `[{"format":"blockchain","address":"0x000123abc","chain":"eip155"}]`, wantErr: true},
	{name: "address with space", raw: `[{"format":"blockchain","address":"bc1q ar0","chain":"bip122"}]`, wantErr: true},
	{name: "format number", raw: `[{"format":1,"address":"` + evm0 + `","chain":"eip155"}]`, wantErr: true},
	{name: "format null", raw: `[{"format":null,"address":"` + evm0 + `","chain":"eip155"}]`, wantErr: true},
	{name: "no format no address", raw: `[{"id":"1","email":"a@b.example"}]`, wantErr: true},
	{name: "duplicate member", raw: `[{"format":"email","format":"blockchain","address":"` + evm0 + `","chain":"eip155"}]`, wantErr: true},
	{name: "too many entries", raw: repeatEntries(MaxEntries+1, `{"format":"email"}`), wantErr: true},
}

func TestDynamic(t *testing.T) { run(t, Dynamic, dynamicCases) }

// Public keys of the vectors in address_test.go, in the forms Web3Auth uses.
var (
	anvil0          = secp256k1.PrivKeyFromBytes(mustHexPlain("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")).PubKey()
	anvil0Comp      = fmt.Sprintf("%x", anvil0.SerializeCompressed())
	anvil0Uncomp    = fmt.Sprintf("%x", anvil0.SerializeUncompressed())
	anvil0CompUpper = strings.ToUpper(anvil0Comp)
)

func mustHexPlain(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// web3authCases: wallets values. The social-login shape is the sample token
// in https://docs.metamask.io/embedded-wallets/authentication/id-token
// ({"public_key","type":"web3auth_app_key","curve":"ed25519"|"secp256k1"},
// its keys elided there, so real keys from public vectors are used); the
// external-wallet shape {"address","type":"ethereum"} is the sample payload in
// https://web3auth.io/community/t/getting-the-wallet-public-key-after-sign-in-with-wallet-metamask-or-walletconnect/7166.
var web3authCases = []readerCase{
	{
		name: "social login",
		raw: `[{"public_key":"` + solKeyHex + `","type":"web3auth_app_key","curve":"ed25519"},` +
			`{"public_key":"` + anvil0Comp + `","type":"web3auth_app_key","curve":"secp256k1"}]`,
		want: []wallet{{"solana", sol}, {"eip155", evm0}},
	},
	{
		name: "threshold key uncompressed 0x",
		raw:  `[{"public_key":"0x` + anvil0Uncomp + `","type":"web3auth_threshold_key","curve":"secp256k1"}]`,
		want: []wallet{{"eip155", evm0}},
	},
	{
		name: "upper-case hex",
		raw:  `[{"public_key":"0X` + anvil0CompUpper + `","curve":"secp256k1"}]`,
		want: []wallet{{"eip155", evm0}},
	},
	{
		name: "external wallet",
		raw:  `[{"address":"0x809d4310d578649d8539e718030ee11e603ee8f3","type":"ethereum"}]`,
		want: []wallet{{"eip155", "0x809d4310d578649d8539e718030ee11e603ee8f3"}},
	},
	{
		name: "external solana wallet",
		raw:  `[{"address":"` + sol + `","type":"solana"}]`,
		want: []wallet{{"solana", sol}},
	},
	{name: "empty", raw: `[]`, want: nil},
	{name: "string", raw: jsonString(`[]`), wantErr: true},
	{name: "null", raw: `null`, wantErr: true},
	{name: "element not object", raw: `[[]]`, wantErr: true},
	{name: "unknown curve", raw: `[{"public_key":"` + anvil0Comp + `","curve":"p256"}]`, wantErr: true},
	{name: "curve missing", raw: `[{"public_key":"` + anvil0Comp + `","type":"web3auth_app_key"}]`, wantErr: true},
	{name: "curve number", raw: `[{"public_key":"` + anvil0Comp + `","curve":1}]`, wantErr: true},
	{name: "key not hex", raw: `[{"public_key":"zz","curve":"secp256k1"}]`, wantErr: true},
	{name: "key odd length", raw: `[{"public_key":"0` + anvil0Comp + `","curve":"secp256k1"}]`, wantErr: true},
	// A decoded token in the Web3Auth forum shows public_key '' for a
	// threshold key; it proves no wallet, and is rejected.
	{name: "key empty", raw: `[{"public_key":"","type":"web3auth_threshold_key","curve":"secp256k1"}]`, wantErr: true},
	{name: "key 0x only", raw: `[{"public_key":"0x","curve":"secp256k1"}]`, wantErr: true},
	{name: "key null", raw: `[{"public_key":null,"curve":"secp256k1"}]`, wantErr: true},
	{name: "key number", raw: `[{"public_key":2,"curve":"secp256k1"}]`, wantErr: true},
	{name: "secp256k1 64 bytes", raw: `[{"public_key":"` + anvil0Uncomp[2:] + `","curve":"secp256k1"}]`, wantErr: true},
	{name: "secp256k1 not on curve", raw: `[{"public_key":"02` + strings.Repeat("00", 32) + `","curve":"secp256k1"}]`, wantErr: true},
	{name: "ed25519 31 bytes", raw: `[{"public_key":"` + solKeyHex[2:] + `","curve":"ed25519"}]`, wantErr: true},
	{name: "ed25519 33 bytes", raw: `[{"public_key":"00` + solKeyHex + `","curve":"ed25519"}]`, wantErr: true},
	{name: "both address and key", raw: `[{"address":"` + evm0 + `","public_key":"` + anvil0Comp + `","type":"ethereum","curve":"secp256k1"}]`, wantErr: true},
	{name: "neither", raw: `[{"type":"ethereum"}]`, wantErr: true},
	{name: "address unknown type", raw: `[{"address":"` + evm0 + `","type":"bitcoin"}]`, wantErr: true},
	{name: "address without type", raw: `[{"address":"` + evm0 + `"}]`, wantErr: true},
	{name: "address invalid", raw: `[{"address":"0x809d","type":"ethereum"}]`, wantErr: true},
	{name: "address number", raw: `[{"address":1,"type":"ethereum"}]`, wantErr: true},
	{name: "type number", raw: `[{"public_key":"` + anvil0Comp + `","type":1,"curve":"secp256k1"}]`, wantErr: true},
	{name: "duplicate member", raw: `[{"address":"` + evm0 + `","address":"` + evm1 + `","type":"ethereum"}]`, wantErr: true},
	{name: "too many entries", raw: repeatEntries(MaxEntries+1, `{"address":"`+evm0+`","type":"ethereum"}`), wantErr: true},
}

func TestWeb3Auth(t *testing.T) { run(t, Web3Auth, web3authCases) }

// Independent checks for the fuzz targets: regular expressions and math/big,
// not the package's own validators.
var (
	reNamespace = regexp.MustCompile(`^[-a-z0-9]{3,8}$`)
	reEVM       = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	reSolana    = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{32,44}$`)
	reBounded   = regexp.MustCompile(`^[\x21-\x7e]{1,128}$`)
)

func solanaBytes(s string) int {
	n := new(big.Int)
	for _, c := range []byte(s) {
		n.Mul(n, big.NewInt(58))
		n.Add(n, big.NewInt(int64(strings.IndexByte(base58Alphabet, c))))
	}
	ones := len(s) - len(strings.TrimLeft(s, "1"))
	return ones + len(n.Bytes())
}

func validWallet(chain, addr string) bool {
	if !reNamespace.MatchString(chain) {
		return false
	}
	switch chain {
	case "eip155":
		return reEVM.MatchString(addr)
	case "solana":
		return reSolana.MatchString(addr) && solanaBytes(addr) == 32
	}
	return reBounded.MatchString(addr)
}

// errPrefix is how every reader's error begins: the provider and its claim.
var errPrefix = regexp.MustCompile(`^(privy linked_accounts|dynamic verified_credentials|web3auth wallets): `)

func fuzzReader(f *testing.F, read func([]byte, Add) error, cases []readerCase) {
	for _, tt := range cases {
		f.Add([]byte(tt.raw))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var got []wallet
		err := read(raw, func(chain, addr string) { got = append(got, wallet{chain, addr}) })
		if err != nil {
			if got != nil {
				t.Fatalf("added %v and returned %v", got, err)
			}
			if !errPrefix.MatchString(err.Error()) {
				t.Fatalf("err = %q, want it to name the provider's claim", err)
			}
			for _, s := range libraryText {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("err = %q holds a library's text (%q)", err, s)
				}
			}
			return
		}
		if len(got) > MaxEntries {
			t.Fatalf("added %d wallets, more than MaxEntries", len(got))
		}
		for _, w := range got {
			if !validWallet(w.Chain, w.Address) {
				t.Fatalf("added invalid wallet %q %q", w.Chain, w.Address)
			}
		}
	})
}

func FuzzPrivy(f *testing.F)    { fuzzReader(f, Privy, privyCases) }
func FuzzDynamic(f *testing.F)  { fuzzReader(f, Dynamic, dynamicCases) }
func FuzzWeb3Auth(f *testing.F) { fuzzReader(f, Web3Auth, web3authCases) }

func benchReader(b *testing.B, read func([]byte, Add) error, raw string) {
	in := []byte(raw)
	n := 0
	add := func(string, string) { n++ }
	b.ReportAllocs()
	for b.Loop() {
		if err := read(in, add); err != nil {
			b.Fatal(err)
		}
	}
	if n == 0 {
		b.Fatal("no wallets")
	}
}

func BenchmarkPrivy(b *testing.B)    { benchReader(b, Privy, privyCases[0].raw) }
func BenchmarkDynamic(b *testing.B)  { benchReader(b, Dynamic, dynamicCases[0].raw) }
func BenchmarkWeb3Auth(b *testing.B) { benchReader(b, Web3Auth, web3authCases[0].raw) }

// BenchmarkWeb3AuthExternal has no key derivation: the JSON work alone.
func BenchmarkWeb3AuthExternal(b *testing.B) { benchReader(b, Web3Auth, web3authCases[3].raw) }

// libraryText is what the errors of the libraries the readers use begin
// with or say; none of it may reach a reader's error, whose text would then
// quote the claim.
var libraryText = []string{"jsontext", "json:", "encoding/hex", "coordinate", "invalid character", "U+"}

// TestErrorsQuoteNoClaim: a reader's error names what is wrong with the
// claim in its own words, and quotes none of the claim (names, values,
// bytes, a public key), which would then reach logs.
func TestErrorsQuoteNoClaim(t *testing.T) {
	offCurve := anvil0.SerializeCompressed()
	offCurve[32] ^= 0x01 // this x has no y (see TestEVMAddressErrors)
	offCurveHex := hex.EncodeToString(offCurve)
	tests := []struct {
		name   string
		read   func([]byte, Add) error
		raw    string
		secret string
	}{
		{"duplicate member name", Dynamic, `[{"zqxName":1,"zqxName":2}]`, "zqxName"},
		{"syntax error", Dynamic, `[{"address":"a"zqx}]`, "zqx"},
		{"invalid escape", Dynamic, `[{"address":"zqx\q"}]`, `\q`},
		{"wrong type", Dynamic, `[{"address":{"zqx":1}}]`, "zqx"},
		{"truncated", Dynamic, `[{"address":"zqx`, "zqx"},
		{"invalid escape in Privy's string", Privy, `"[{\"type\":\"wallet\",\"address\":\"zqx\q\"}]"`, `\q`},
		{"duplicate name in Privy's array", Privy, `"[{\"zqxType\":\"wallet\",\"zqxType\":\"wallet\"}]"`, "zqxType"},
		{"key not on the curve", Web3Auth, `[{"public_key":"` + offCurveHex + `","type":"web3auth_app_key","curve":"secp256k1"}]`, offCurveHex[2:22]},
		{"key not hex", Web3Auth, `[{"public_key":"02zqx","type":"web3auth_app_key","curve":"secp256k1"}]`, "z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read([]byte(tt.raw), func(string, string) { t.Error("a wallet was added") })
			if err == nil {
				t.Fatal("err = nil, want an error")
			}
			msg := err.Error()
			if strings.Contains(msg, tt.secret) {
				t.Errorf("err = %q quotes the claim (%q)", msg, tt.secret)
			}
			for _, s := range libraryText {
				if strings.Contains(msg, s) {
					t.Errorf("err = %q holds a library's text (%q)", msg, s)
				}
			}
		})
	}
}
