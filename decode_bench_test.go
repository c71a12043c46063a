package tokengate

import (
	stdjson "encoding/json"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// speedPayload is the claim set of BenchmarkSpeed's token (428 bytes).
const speedPayload = `{"aud":"my-app-id","chain":"ethereum","contractAddress":"0xbc4ca0eda7647a8ab7c2061c2e118a18a936f13d",` +
	`"displayAddress":"vitalik.eth","email":"holder@example.com","exp":1795476301,"iat":1795472701,` +
	`"iss":"http://127.0.0.1:41979","jti":"3eaaf75469b3a569c23a7fcfe8667dd6","sub":"0x71C7656EC7ab88b098defB751B7401B5f6d8976F",` +
	`"tokenBalance":"0.1337","tokenIds":["1","2","3"],"walletAddress":"0x71C7656EC7ab88b098defB751B7401B5f6d8976F"}`

// typedClaims is what a generic decoder fills in one call: the string claims
// typed, the rest left raw (so these are lower bounds: the raw members still
// need a second parse, and nothing refuses case-variant names).
type typedClaims struct {
	Iss             string         `json:"iss"`
	Sub             string         `json:"sub"`
	Aud             jsontext.Value `json:"aud"`
	Exp             float64        `json:"exp"`
	Nbf             float64        `json:"nbf"`
	Iat             float64        `json:"iat"`
	Jti             string         `json:"jti"`
	Chain           string         `json:"chain"`
	WalletAddress   string         `json:"walletAddress"`
	DisplayAddress  string         `json:"displayAddress"`
	ContractAddress string         `json:"contractAddress"`
	Email           string         `json:"email"`
	TokenBalance    jsontext.Value `json:"tokenBalance"`
	TokenIDs        jsontext.Value `json:"tokenIds"`
}

// BenchmarkClaimsDecode prices the choice of claim decoder on the speed
// benchmarks' payload:
//
//	tokengate       decodePayload: jsontext validates, the walker reads
//	jsontext-tokens the reference decoder, jsontext's tokens one by one
//	json-v2         go-json-experiment/json Unmarshal into typedClaims
//	encoding-json   encoding/json Unmarshal into typedClaims (lenient:
//	                duplicate names pass, names match case-insensitively)
//
// Run it with
//
//	for i in 1 2 3 4 5 6; do go test -run '^$' -bench ClaimsDecode .; done | tee decode.txt
//	go run ./internal/benchratio < decode.txt
func BenchmarkClaimsDecode(b *testing.B) {
	pb := []byte(speedPayload)
	b.Run("tokengate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodePayload(pb); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsontext-tokens", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := refDecodeClaims(speedPayload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json-v2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c typedClaims
			if err := json.Unmarshal(pb, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c typedClaims
			if err := stdjson.Unmarshal(pb, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
