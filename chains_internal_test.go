package tokengate

import "testing"

// TestChainForms: every slug, number and namespace form a token or a
// requirement may use, and the CAIP-2 id each becomes.
func TestChainForms(t *testing.T) {
	tests := []struct{ in, required, token string }{
		{"ethereum", "eip155:1", "eip155:1"},
		{"eth", "eip155:1", "eip155:1"},
		{"mainnet", "eip155:1", "eip155:1"},
		{" Ethereum ", "eip155:1", "eip155:1"},
		{"ETH", "eip155:1", "eip155:1"},
		{"polygon", "eip155:137", "eip155:137"},
		{"matic", "eip155:137", "eip155:137"},
		{"base", "eip155:8453", "eip155:8453"},
		{"arbitrum", "eip155:42161", "eip155:42161"},
		{"arbitrum-one", "eip155:42161", "eip155:42161"},
		{"optimism", "eip155:10", "eip155:10"},
		{"bsc", "eip155:56", "eip155:56"},
		{"bnb", "eip155:56", "eip155:56"},
		{"binance", "eip155:56", "eip155:56"},
		{"avalanche", "eip155:43114", "eip155:43114"},
		{"avax", "eip155:43114", "eip155:43114"},
		{"solana-mainnet", solanaMainnet, solanaMainnet},
		{"sol", solanaMainnet, solanaMainnet},
		{"solana", "solana", solanaMainnet}, // Picket's slug in a token is mainnet
		{" SOLANA", "SOLANA", solanaMainnet},
		{"1", "eip155:1", "eip155:1"},
		{"007", "eip155:7", "eip155:7"},
		{"eip155:007", "eip155:7", "eip155:7"},
		{"eip155", "eip155", "eip155"},
		{"eip155:1", "eip155:1", "eip155:1"},
		{"cosmos:cosmoshub-4", "cosmos:cosmoshub-4", "cosmos:cosmoshub-4"},
		{"ethereum-classic", "ethereum-classic", "ethereum-classic"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := requiredChain(tt.in); got != tt.required {
				t.Errorf("requiredChain(%q) = %q, want %q", tt.in, got, tt.required)
			}
			if got := tokenChain(tt.in); got != tt.token {
				t.Errorf("tokenChain(%q) = %q, want %q", tt.in, got, tt.token)
			}
		})
	}
}
