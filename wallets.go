package tokengate

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
