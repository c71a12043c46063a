package onchain_test

import (
	"os"
	"strings"
	"testing"

	"github.com/tokengate/tokengate/onchain/onchaintest"
)

// TestContractsGenerated: the bytecode in onchaintest is the one gen.sh
// wrote beside the Solidity sources.
func TestContractsGenerated(t *testing.T) {
	for name, code := range map[string]string{
		"ERC20": onchaintest.ERC20Bytecode, "ERC721": onchaintest.ERC721Bytecode, "ERC1155": onchaintest.ERC1155Bytecode,
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + name + ".bin")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(raw)); got != code {
				t.Fatalf("testdata/%s.bin differs from onchaintest.%sBytecode: run onchain/testdata/gen.sh", name, name)
			}
		})
	}
}
