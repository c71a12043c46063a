package tokengate

import "fmt"

// WalletAccount is one wallet a token proves: its chain and its address.
// [Claims.Wallets] lists them, read from the token's issuer's own claim
// shapes.
type WalletAccount struct {
	// Chain is a CAIP-2 chain id ("eip155:1",
	// "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"), or the namespace alone
	// ("eip155", "solana") when the token names no chain.
	Chain string
	// Address is the address as the token gives it, or derived from the
	// public key the token gives (Web3Auth). EVM addresses compare
	// case-insensitively.
	Address string
}

// readInto reads the wallet claim from c's verified payload and appends its
// wallets to c.Wallets. An absent claim adds none (a provider's access
// tokens often carry no wallets); a malformed one, null included, refuses
// the token with [ErrMalformed], never drops a wallet silently.
func (wc *walletClaim) readInto(c *Claims) error {
	raw, ok := memberValue(c.raw, wc.name)
	if !ok {
		return nil
	}
	err := wc.read([]byte(raw), func(chain, addr string) {
		c.Wallets = append(c.Wallets, WalletAccount{Chain: chain, Address: addr})
	})
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformed, wc.name, err)
	}
	return nil
}

// memberValue returns the JSON text of the top-level member name of
// payload, a claim set decodeClaims has accepted; false when it is absent.
// A null member is present: its text is "null".
func memberValue(payload, name string) (string, bool) {
	if payload == "" {
		return "", false
	}
	w := getWalker(payload)
	defer putWalker(w)
	var val string
	_ = w.document(func(n string) error {
		start := w.i
		w.skip()
		if n == name {
			val = w.s[start:w.i]
		}
		return nil
	})
	return val, val != ""
}
