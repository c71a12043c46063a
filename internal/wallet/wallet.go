// Package wallet reads the wallet claims of wallet-login providers (Privy,
// Dynamic, Web3Auth) and derives wallet addresses from public keys.
//
// Each reader takes one claim's raw JSON value, exactly as it appears in a
// verified token payload, and reports every wallet it holds through an [Add]
// callback. The readers are strict: a value of the wrong JSON type, an entry
// that is not an object, a duplicate member name, a wallet entry without a
// usable address, an address that is invalid for its chain, or more than
// [MaxEntries] entries makes the whole claim malformed, and then add is not
// called at all. A wallet entry is never dropped silently; entries that are
// not wallets (e-mail, phone, social accounts, ...) are skipped.
//
// Chains are reported as CAIP-2 namespaces ("eip155", "solana", "bip122",
// ...): none of these claims names a chain id. EVM ("eip155") addresses are
// "0x" followed by 40 hex digits in the case the token uses, or EIP-55
// checksummed when derived from a key; they compare case-insensitively.
// Solana addresses are base58 strings of 32 bytes. For any other namespace
// the address format is unknown here, so it is only bounded: 1 to 128
// printable ASCII characters without spaces.
package wallet

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/tokengate/tokengate/internal/jsonerr"
)

// Add receives one wallet: chain is a CAIP-2 chain id ("eip155:1") or a bare
// namespace ("eip155", "solana"), and address is the address as the token
// gives it, or as derived from the token's public key. The readers in this
// package always pass a bare namespace, since none of these claims names a
// chain id.
type Add func(chain, address string)

// MaxEntries is the most entries a claim array may hold, wallet or not. A
// longer array is treated as malformed, which bounds the work per token.
const MaxEntries = 100

// Namespaces used by the readers.
const (
	nsEVM    = "eip155"
	nsSolana = "solana"
)

// found is one wallet waiting to be reported.
type found struct{ chain, address string }

// readWallets reads raw, an array of T (see eachObject), asks entry for the
// wallet of each element (ok false: the element is not a wallet), and
// reports the wallets in order once the whole claim has been read. Errors
// are prefixed with claim, and then add is never called.
func readWallets[T any](claim string, raw []byte, add Add, entry func(e *T) (w found, ok bool, err error)) error {
	var buf [8]found
	ws := buf[:0]
	err := eachObject(raw, func(_ int, e *T) error {
		w, ok, err := entry(e)
		if ok {
			ws = append(ws, w)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", claim, err)
	}
	for _, w := range ws {
		add(w.chain, w.address)
	}
	return nil
}

// eachObject reads raw, which must be a JSON array of at most MaxEntries
// objects, decoding each element into a fresh T and passing it to fn.
// Duplicate member names and invalid UTF-8 are rejected (the jsontext and
// json defaults); unknown members are ignored.
func eachObject[T any](raw []byte, fn func(i int, e *T) error) error {
	if k := jsontext.Value(raw).Kind(); k != '[' {
		return fmt.Errorf("want a JSON array, have %s", kindName(k))
	}
	dec := jsontext.NewDecoder(bytes.NewBuffer(raw)) // a bytes.Buffer is parsed in place, not copied
	if _, err := dec.ReadToken(); err != nil {       // '['
		return jsonError(err)
	}
	for i := 0; ; i++ {
		k := dec.PeekKind()
		if k == ']' {
			break
		}
		if k == 0 { // a syntax or I/O error: ReadToken reports it
			_, err := dec.ReadToken()
			return jsonError(err)
		}
		if i == MaxEntries {
			return fmt.Errorf("more than %d entries", MaxEntries)
		}
		if k != '{' {
			return fmt.Errorf("entry %d: want a JSON object, have %s", i, kindName(k))
		}
		var e T
		if err := json.UnmarshalDecode(dec, &e); err != nil {
			return fmt.Errorf("entry %d: %w", i, jsonError(err))
		}
		if err := fn(i, &e); err != nil {
			return fmt.Errorf("entry %d: %w", i, err)
		}
	}
	if _, err := dec.ReadToken(); err != nil { // ']'
		return jsonError(err)
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			return errors.New("data after the array")
		}
		return jsonError(err)
	}
	return nil
}

// optString decodes an optional string member: absent (v empty) reports
// ok == false; present, it must be a JSON string (null is not one).
func optString(v jsontext.Value, name string) (s string, ok bool, err error) {
	if len(v) == 0 {
		return "", false, nil
	}
	if k := v.Kind(); k != '"' {
		return "", false, fmt.Errorf("%s: want a JSON string, have %s", name, kindName(k))
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, fmt.Errorf("%s: %w", name, jsonError(err))
	}
	return s, true, nil
}

// reqString decodes a required, non-empty string member.
func reqString(v jsontext.Value, name string) (string, error) {
	s, ok, err := optString(v, name)
	switch {
	case err != nil:
		return "", err
	case !ok:
		return "", fmt.Errorf("%s missing", name)
	case s == "":
		return "", fmt.Errorf("%s empty", name)
	}
	return s, nil
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "no valid JSON value"
}

// validNamespace reports whether ns has CAIP-2 namespace syntax,
// [-a-z0-9]{3,8} (https://github.com/ChainAgnostic/CAIPs/blob/main/CAIPs/caip-2.md).
func validNamespace(ns string) bool {
	if len(ns) < 3 || len(ns) > 8 {
		return false
	}
	for i := 0; i < len(ns); i++ {
		c := ns[i]
		if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}

// checkAddress reports whether addr is an address of namespace ns, as the
// package doc describes.
func checkAddress(ns, addr string) error {
	var ok bool
	switch ns {
	case nsEVM:
		ok = isEVMAddress(addr)
	case nsSolana:
		ok = isSolanaAddress(addr)
	default:
		ok = isBoundedAddress(addr)
	}
	if !ok {
		return fmt.Errorf("address is not a valid %s address", ns)
	}
	return nil
}

// jsonError is err, a JSON decoding error, without its text, which quotes
// the claim (see jsonerr.Kind).
func jsonError(err error) error {
	return errors.New(jsonerr.Kind(err))
}
