package demo

import (
	"math/big"
	"time"

	"github.com/tokengate/tokengate"
)

// MeResponse is the JSON answer of GET /api/me: the verified claims.
type MeResponse struct {
	Subject         string    `json:"subject"`
	Issuer          string    `json:"issuer,omitempty"`
	Audience        []string  `json:"audience,omitempty"`
	ExpiresAt       time.Time `json:"expiresAt"`
	Chain           string    `json:"chain,omitempty"`
	WalletAddress   string    `json:"walletAddress,omitempty"`
	ContractAddress string    `json:"contractAddress,omitempty"`
	TokenBalance    string    `json:"tokenBalance,omitempty"` // exact decimal, "" when absent
	TokenIDs        []string  `json:"tokenIds,omitempty"`
	ID              string    `json:"id,omitempty"`
}

// Me is the answer of GET /api/me for the verified claims c.
func Me(c *tokengate.Claims) MeResponse {
	resp := MeResponse{
		Subject:         c.Subject,
		Issuer:          c.Issuer,
		Audience:        c.Audience,
		ExpiresAt:       c.ExpiresAt.UTC(),
		Chain:           c.Chain,
		WalletAddress:   c.WalletAddress,
		ContractAddress: c.ContractAddress,
		TokenIDs:        c.TokenIDs,
		ID:              c.ID,
	}
	if c.TokenBalance != nil {
		resp.TokenBalance = decimal(c.TokenBalance)
	}
	return resp
}

// HolderResponse is the JSON answer of GET /api/holders.
type HolderResponse struct {
	Welcome       string `json:"welcome"` // always "holder"
	WalletAddress string `json:"walletAddress,omitempty"`
}

// Holder is the answer of GET /api/holders for the verified claims c, which
// met the route's requirements.
func Holder(c *tokengate.Claims) HolderResponse {
	return HolderResponse{Welcome: "holder", WalletAddress: c.WalletAddress}
}

// decimal formats r exactly when it has a finite decimal expansion (its
// denominator is 2^a·5^b, as for every balance a token carries as a decimal
// string: "0.1337", "42") and rounded to 18 places otherwise.
func decimal(r *big.Rat) string {
	d := new(big.Int).Set(r.Denom())
	twos := d.TrailingZeroBits()
	d.Rsh(d, twos)
	fives := uint(0)
	five, q, rem := big.NewInt(5), new(big.Int), new(big.Int)
	for {
		q.QuoRem(d, five, rem)
		if rem.Sign() != 0 {
			break
		}
		d, q = q, d
		fives++
	}
	if d.Cmp(big.NewInt(1)) != 0 {
		return r.FloatString(18)
	}
	return r.FloatString(int(max(twos, fives)))
}
