// Package onchain checks holdings live on EVM chains, over Ethereum
// JSON-RPC (eth_call), as tokengate requirements.
//
// Wallet-login tokens carry holdings as a snapshot from login time. The
// requirements of a [Client] read the chain instead, so a holder who sold
// after logging in loses access within [MaxAge]:
//
//	oc, err := onchain.New(onchain.RPC("eip155:1", "https://eth.example/v1/KEY"))
//	...
//	defer oc.Close()
//	holders := m.Require(oc.ERC20("eip155:1", "0xA0b8…eB48", "100"))
//
// # Requirements
//
// [Client.ERC20] (balanceOf ≥ min whole tokens, decimals() read once per
// contract and hour, see [DecimalsMaxAge]), [Client.ERC721] (ownerOf any of some ids, or balanceOf > 0)
// and [Client.ERC1155] (balanceOf(wallet, id) ≥ min). They check the EVM
// wallets of the token: Claims.Wallets on the requirement's chain or on the
// namespace "eip155", and walletAddress; any one holding is enough. A token
// without such a wallet, or whose wallets do not hold, fails with a
// tokengate.UnmetError (403). Mistakes in their arguments (a chain without
// [RPC], a malformed contract, min or id) are reported by their Validate
// method, which tokengate calls when the route is built. They report
// DoesIO, so tokengate runs them after the requirements that are checked
// locally: a request that fails a local check costs no call.
//
// # Reads, cache and load
//
// Each read is one eth_call at "latest", cached per (chain, contract, call,
// wallet or token id) for [MaxAge] in a bounded cache ([CacheSize]; when
// it is full of reads in flight, a new read fails at once). The calls a
// request misses go in one JSON-RPC batch, with an eth_chainId: no answer
// is used unless the node says it is on the configured chain.
// Concurrent requests that miss the same read share one call. So one
// instance makes at most one call per distinct wallet and contract (and
// token id) per MaxAge, and at most [MaxInFlight] requests at once to an
// endpoint.
//
// # Failures
//
// A node that is unreachable, slower than [Timeout] (one deadline for all
// the reads of a request), answers a status other than 200, a JSON-RPC
// error (other than the revert of ownerOf for a token that does not exist:
// code 3, or -32000 with a message starting "execution reverted"), anything
// malformed (member names exact, none repeated or unknown; results must be
// exactly one 32-byte word; an address word has 12 zero bytes), or is on
// another chain, makes the requirement fail with an error wrapping
// tokengate.ErrUnavailable: tokengate answers 503 with Retry-After. It
// never passes and never answers 403 then. Failures are not cached: the next request reads again, so
// access comes back as soon as the node does. With [Logger], each failed
// read is logged at Warn, naming the endpoint by scheme and host only (its
// URL may hold an API key).
//
// # Testing
//
// Package onchaintest runs a local anvil node and deploys minimal ERC-20,
// ERC-721 and ERC-1155 contracts to it; the tests of this package use it.
package onchain
