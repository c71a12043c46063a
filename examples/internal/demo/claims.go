package demo

import (
	"math/big"
	"time"

	"github.com/tokengate/tokengate"
)

// demoContract is the ERC-721 collection of the demo tokens.
const demoContract = "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D"

// HolderClaims are the claims of the embedded issuer's holder token, shaped
// like a Picket access token for a wallet that holds tokens 1 and 42 of an
// ERC-721 collection on Ethereum; it passes the requirements of
// /api/holders. The issuer fills in iss, iat and a random jti.
func HolderClaims(audience []string) tokengate.Claims {
	return walletClaims(audience, "0x71C7656EC7ab88b098defB751B7401B5f6d8976F", big.NewRat(1337, 10000), "1", "42")
}

// NonHolderClaims are the claims of the embedded issuer's other token: a
// valid token of a wallet that holds only token 7, which fails the
// TokenID("42") requirement of /api/holders.
func NonHolderClaims(audience []string) tokengate.Claims {
	return walletClaims(audience, "0x8ba1f109551bD432803012645Ac136ddd64DBA72", big.NewRat(1, 20), "7")
}

func walletClaims(audience []string, wallet string, balance *big.Rat, tokenIDs ...string) tokengate.Claims {
	return tokengate.Claims{
		Subject:         wallet,
		Audience:        audience,
		ExpiresAt:       time.Now().Add(time.Hour),
		Chain:           "ethereum",
		WalletAddress:   wallet,
		ContractAddress: demoContract,
		TokenBalance:    balance,
		TokenIDs:        tokenIDs,
	}
}
