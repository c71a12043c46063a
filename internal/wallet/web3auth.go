package wallet

import (
	"errors"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// web3authWallet is one element of the wallets claim.
type web3authWallet struct {
	Address   jsontext.Value `json:"address"`
	PublicKey jsontext.Value `json:"public_key"`
	Type      jsontext.Value `json:"type"`
	Curve     jsontext.Value `json:"curve"`
}

// Web3Auth reads the wallets claim of a Web3Auth (MetaMask Embedded Wallets)
// identity token, a JSON array of objects, and passes each wallet to add.
//
// Shapes, from the docs' sample token
// (https://docs.metamask.io/embedded-wallets/authentication/id-token and
// https://web3auth.io/docs/authentication/id-token): social logins give
// {"public_key": hex, "type": "web3auth_app_key", "curve": "secp256k1" or
// "ed25519"}; external wallets give {"address", "type": "ethereum"}
// (https://web3auth.io/docs/features/server-side-verification; sample payload
// in https://web3auth.io/community/t/getting-the-wallet-public-key-after-sign-in-with-wallet-metamask-or-walletconnect/7166).
//
// Each entry has exactly one of "address" and "public_key":
//
//   - "address" with "type" "ethereum" is reported as ("eip155", address) and
//     with "type" "solana" as ("solana", address); any other or missing type
//     is an error.
//   - "public_key" with "curve" "secp256k1" is reported as ("eip155",
//     EVMAddress(key)), the EIP-55 checksummed address; the key is hex, with
//     or without "0x", compressed (33 bytes) or uncompressed (65 bytes, 0x04
//     prefix). With "curve" "ed25519" the 32-byte key is reported as
//     ("solana", Base58(key)). "type" ("web3auth_app_key",
//     "web3auth_threshold_key", ...) is not interpreted but must be a string
//     when present. Any other curve, or a key that is not valid for its curve
//     (including an empty one), is an error.
//
// On any malformed input it returns an error starting "web3auth
// wallets:" and add is not called; on success add is called once per entry,
// in order.
func Web3Auth(raw []byte, add Add) error {
	return readWallets("web3auth wallets", raw, add, web3authEntry)
}

// web3authEntry is the wallet of one entry: its address, or the address of
// its public key.
func web3authEntry(w *web3authWallet) (found, bool, error) {
	typ, _, err := optString(w.Type, "type")
	if err != nil {
		return found{}, false, err
	}
	switch hasAddr, hasKey := len(w.Address) > 0, len(w.PublicKey) > 0; {
	case hasAddr && hasKey:
		return found{}, false, errors.New("both address and public_key")
	case hasAddr:
		var ns string
		switch typ {
		case "ethereum":
			ns = nsEVM
		case "solana":
			ns = nsSolana
		default:
			return found{}, false, errors.New("type of an address entry is not \"ethereum\" or \"solana\"")
		}
		addr, err := reqString(w.Address, "address")
		if err != nil {
			return found{}, false, err
		}
		if err := checkAddress(ns, addr); err != nil {
			return found{}, false, err
		}
		return found{ns, addr}, true, nil
	case hasKey:
		ns, addr, err := web3authKey(w)
		if err != nil {
			return found{}, false, err
		}
		return found{ns, addr}, true, nil
	}
	return found{}, false, errors.New("neither address nor public_key")
}

// web3authKey derives the namespace and address of a public_key entry.
func web3authKey(w *web3authWallet) (ns, addr string, err error) {
	curve, err := reqString(w.Curve, "curve")
	if err != nil {
		return "", "", err
	}
	hexKey, ok, err := optString(w.PublicKey, "public_key")
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", errors.New("public_key missing")
	}
	key, err := decodeKey(hexKey)
	if err != nil {
		return "", "", err
	}
	switch curve {
	case "secp256k1":
		addr, err := evmAddress(key)
		if err != nil {
			return "", "", err
		}
		return nsEVM, addr, nil
	case "ed25519":
		if len(key) != 32 {
			return "", "", fmt.Errorf("ed25519 public_key: want 32 bytes, have %d", len(key))
		}
		return nsSolana, Base58(key), nil
	}
	return "", "", errors.New("curve is not \"secp256k1\" or \"ed25519\"")
}
