package wallet

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// privyAccount is one element of an identity token's linked_accounts.
// Address and chain_type are kept raw and decoded only for wallet entries,
// so that the members of entries this package skips are not judged.
type privyAccount struct {
	Type      string         `json:"type"`
	Address   jsontext.Value `json:"address"`
	ChainType jsontext.Value `json:"chain_type"`
}

// Privy reads the linked_accounts claim of a Privy identity token and passes
// each of its wallets to add. The access token carries no wallets.
//
// raw must be a JSON string whose content is a JSON array of objects: Privy
// documents linked_accounts as "a stringified array"
// (https://docs.privy.io/user-management/users/identity-tokens), and its own
// SDK rejects any other form ("Unable to parse identity token" unless
// typeof claim === 'string' and JSON.parse yields an array:
// privy-io/node-sdk src/lib/identity-token.ts, parseLinkedAccountsClaim).
// A bare JSON array is therefore rejected too.
//
// Every entry must have a non-empty string "type". Wallet entries, following
// the fields that SDK file reads:
//
//   - "type":"wallet" with "address" and "chain_type": "ethereum" becomes
//     namespace "eip155", "solana" stays "solana", "bitcoin-segwit" and
//     "bitcoin-taproot" become "bip122" (Bitcoin's CAIP-2 namespace), and
//     Privy's other chain types ("cosmos", "stellar", "sui", "aptos",
//     "movement", "tron", "near", "ton", "starknet", "spark") are kept as the
//     namespace. A chain_type that is none of these and is not CAIP-2
//     namespace syntax is an error.
//   - "type":"smart_wallet" with "address": an EVM smart account, namespace
//     "eip155". The identity token gives smart wallets no chain_type; one
//     that is present must be "ethereum".
//
// All other types (email, phone, farcaster, google_oauth, twitter_oauth,
// passkey, custom_auth, ...) are skipped, and so is "cross_app", whose
// embedded_wallets and smart_wallets belong to another Privy app's login.
//
// On any malformed input it returns an error starting "privy
// linked_accounts:" and add is not called; on success add is called once per
// wallet entry, in order.
func Privy(raw []byte, add Add) error {
	const claim = "privy linked_accounts"
	if k := jsontext.Value(raw).Kind(); k != '"' {
		return fmt.Errorf("%s: want a JSON string holding an array, have %s", claim, kindName(k))
	}
	// The string's content, unescaped; whitespace is trimmed first because
	// AppendUnquote takes exactly one string literal.
	lit := bytes.Trim(raw, " \t\n\r")
	inner, err := jsontext.AppendUnquote(make([]byte, 0, len(lit)), lit)
	if err != nil {
		return fmt.Errorf("%s: %w", claim, jsonError(err))
	}
	return readWallets(claim, inner, add, privyEntry)
}

// privyEntry is the wallet of one linked account, if it is one.
func privyEntry(a *privyAccount) (found, bool, error) {
	var ns string
	switch a.Type {
	case "":
		return found{}, false, errors.New("type missing or empty")
	case "wallet":
		ct, err := reqString(a.ChainType, "chain_type")
		if err != nil {
			return found{}, false, err
		}
		if ns = privyNamespace(ct); ns == "" {
			return found{}, false, errors.New("chain_type is not a supported chain type")
		}
	case "smart_wallet":
		ct, ok, err := optString(a.ChainType, "chain_type")
		if err != nil {
			return found{}, false, err
		}
		if ok && ct != "ethereum" {
			return found{}, false, errors.New("smart_wallet chain_type is not \"ethereum\"")
		}
		ns = nsEVM
	default:
		return found{}, false, nil
	}
	addr, err := reqString(a.Address, "address")
	if err != nil {
		return found{}, false, err
	}
	if err := checkAddress(ns, addr); err != nil {
		return found{}, false, err
	}
	return found{ns, addr}, true, nil
}

// privyNamespace maps a Privy chain_type to a CAIP-2 namespace, or "".
func privyNamespace(ct string) string {
	switch ct {
	case "ethereum":
		return nsEVM
	case "solana":
		return nsSolana
	case "bitcoin-segwit", "bitcoin-taproot":
		return "bip122"
	}
	if validNamespace(ct) {
		return ct
	}
	return ""
}
