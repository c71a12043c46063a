package wallet

import (
	"errors"

	"github.com/go-json-experiment/json/jsontext"
)

// dynamicCredential is one element of verified_credentials; members are
// decoded only for the entries that are wallets.
type dynamicCredential struct {
	Format  jsontext.Value `json:"format"`
	Address jsontext.Value `json:"address"`
	Chain   jsontext.Value `json:"chain"`
}

// Dynamic reads the verified_credentials claim of a Dynamic JWT, a JSON
// array of objects, and passes each blockchain credential to add.
//
// Shapes, from Dynamic's docs: the JwtVerifiedCredential schema
// (https://www.dynamic.xyz/docs/api-reference/schemas/JwtVerifiedCredential)
// gives "format" (required; one of blockchain, email, oauth, passkey,
// phoneNumber, externalUser), "address" and "chain"; the JWT payload page
// (https://docs.dynamic.xyz/react-sdk/references/user-payload) shows a
// wallet entry as {"address", "chain":"eip155", "id", "wallet_name"}, with no
// "format" member.
//
// An entry with "format":"blockchain" is a wallet and must carry a string
// "address" and a string "chain" that is a CAIP-2 namespace ("eip155",
// "solana", ...); it is reported as add(chain, address). An entry without
// "format" but with "address" (the older documented shape) is read the same
// way; one with neither is malformed. Entries of other formats are skipped.
//
// On any malformed input it returns an error starting "dynamic
// verified_credentials:" and add is not called; on success add is called
// once per wallet entry, in order.
func Dynamic(raw []byte, add Add) error {
	return readWallets("dynamic verified_credentials", raw, add, dynamicEntry)
}

// dynamicEntry is the wallet of one credential, if it is one.
func dynamicEntry(c *dynamicCredential) (found, bool, error) {
	format, ok, err := optString(c.Format, "format")
	switch {
	case err != nil:
		return found{}, false, err
	case !ok && len(c.Address) == 0:
		return found{}, false, errors.New("format missing")
	case ok && format != "blockchain":
		return found{}, false, nil
	}
	addr, err := reqString(c.Address, "address")
	if err != nil {
		return found{}, false, err
	}
	ns, err := reqString(c.Chain, "chain")
	if err != nil {
		return found{}, false, err
	}
	if !validNamespace(ns) {
		return found{}, false, errors.New("chain is not a CAIP-2 namespace")
	}
	if err := checkAddress(ns, addr); err != nil {
		return found{}, false, err
	}
	return found{ns, addr}, true, nil
}
