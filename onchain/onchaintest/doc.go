// Package onchaintest runs a local anvil node and deploys minimal token
// contracts to it, for tests of code that reads holdings with package
// onchain.
//
// [StartAnvil] finds the anvil binary (env TOKENGATE_ANVIL, then the cache
// folder that tokengate's .ci/run installs it into, then PATH), starts it
// on a free loopback port and stops it when the test ends. Without the
// binary, a test is skipped, unless the environment variable CI is set,
// when it fails. Install it with
//
//	npm install --prefix "${XDG_CACHE_HOME:-$HOME/.cache}/tokengate/anvil" @foundry-rs/anvil-linux-amd64
//
// A [Node] speaks JSON-RPC to any dev node with unlocked accounts (anvil's
// ten default accounts): it deploys the test contracts (ERC20Bytecode,
// ERC721Bytecode, ERC1155Bytecode, compiled from onchain/testdata by its
// gen.sh) and sends transactions to them. It signs nothing.
package onchaintest
