package onchaintest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// Node is the JSON-RPC endpoint of a dev node whose accounts are unlocked
// (anvil's are): transactions are sent with eth_sendTransaction and signed
// by the node.
type Node struct {
	URL string
}

// Call sends one JSON-RPC request and returns its result, or an error
// holding the node's JSON-RPC error.
func (n Node) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	var msg struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		return nil, fmt.Errorf("tokengate: onchaintest: %s: status %d, answer not JSON", method, resp.StatusCode)
	}
	if msg.Error != nil {
		return nil, fmt.Errorf("tokengate: onchaintest: %s: JSON-RPC error %d: %s", method, msg.Error.Code, msg.Error.Message)
	}
	return msg.Result, nil
}

// Accounts returns the node's unlocked accounts (eth_accounts).
func (n Node) Accounts(ctx context.Context) ([]string, error) {
	raw, err := n.Call(ctx, "eth_accounts")
	if err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil || len(out) == 0 {
		return nil, errors.New("tokengate: onchaintest: eth_accounts: no accounts")
	}
	return out, nil
}

// Deploy deploys the contract whose creation bytecode (hex) is code, with
// constructor arguments args (see [Node.Send]), from the unlocked account
// from, and returns its address once mined.
func (n Node) Deploy(ctx context.Context, from, code string, args ...any) (string, error) {
	data, err := encodeArgs(args)
	if err != nil {
		return "", err
	}
	r, err := n.transact(ctx, map[string]any{"from": from, "data": "0x" + code + hex.EncodeToString(data), "gas": "0x989680"})
	if err != nil {
		return "", err
	}
	if r.ContractAddress == "" {
		return "", errors.New("tokengate: onchaintest: deploy: no contract address in the receipt")
	}
	return r.ContractAddress, nil
}

// Send calls the function signature (such as "mint(address,uint256)", one of
// the test contracts' functions) of contract to, in a transaction from the
// unlocked account from, and waits until it is mined; a revert is an error.
// args are the function's arguments in order: a string "0x…" address, an
// int, an int64 or a *big.Int for an integer, a []byte for bytes.
func (n Node) Send(ctx context.Context, from, to, signature string, args ...any) error {
	sel, ok := selectors[signature]
	if !ok {
		return fmt.Errorf("tokengate: onchaintest: unknown function %q", signature)
	}
	data, err := encodeArgs(args)
	if err != nil {
		return err
	}
	_, err = n.transact(ctx, map[string]any{"from": from, "to": to, "data": "0x" + sel + hex.EncodeToString(data), "gas": "0x989680"})
	return err
}

type receipt struct {
	Status          string `json:"status"`
	ContractAddress string `json:"contractAddress"`
}

// transact sends tx and returns its receipt; anvil mines each transaction
// at once.
func (n Node) transact(ctx context.Context, tx map[string]any) (*receipt, error) {
	raw, err := n.Call(ctx, "eth_sendTransaction", tx)
	if err != nil {
		return nil, err
	}
	var hash string
	if err := json.Unmarshal(raw, &hash); err != nil {
		return nil, errors.New("tokengate: onchaintest: eth_sendTransaction: no hash")
	}
	for {
		raw, err := n.Call(ctx, "eth_getTransactionReceipt", hash)
		if err != nil {
			return nil, err
		}
		if string(raw) != "null" {
			var r receipt
			if err := json.Unmarshal(raw, &r); err != nil {
				return nil, errors.New("tokengate: onchaintest: malformed receipt")
			}
			if r.Status != "0x1" {
				return nil, errors.New("tokengate: onchaintest: transaction reverted")
			}
			return &r, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// encodeArgs ABI-encodes args: addresses and integers as words in place,
// []byte as a dynamic tail.
func encodeArgs(args []any) ([]byte, error) {
	head := make([]byte, 0, 32*len(args))
	var tail []byte
	for _, a := range args {
		var w [32]byte
		switch v := a.(type) {
		case string:
			b, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(v), "0x"))
			if err != nil || len(b) != 20 {
				return nil, fmt.Errorf("tokengate: onchaintest: %q is not an address", v)
			}
			copy(w[12:], b)
		case int:
			big.NewInt(int64(v)).FillBytes(w[:])
		case int64:
			big.NewInt(v).FillBytes(w[:])
		case *big.Int:
			v.FillBytes(w[:])
		case []byte:
			big.NewInt(int64(32*len(args) + len(tail))).FillBytes(w[:])
			var l [32]byte
			big.NewInt(int64(len(v))).FillBytes(l[:])
			tail = append(tail, l[:]...)
			tail = append(tail, v...)
			if pad := len(v) % 32; pad != 0 {
				tail = append(tail, make([]byte, 32-pad)...)
			}
		default:
			return nil, fmt.Errorf("tokengate: onchaintest: cannot encode %T", a)
		}
		head = append(head, w[:]...)
	}
	return append(head, tail...), nil
}

// DeployERC20 deploys the test ERC-20 (onchain/testdata/ERC20.sol) with
// the given decimals from from, which alone may mint:
// Send(ctx, from, token, "mint(address,uint256)", to, amount). Holders
// move tokens with "transfer(address,uint256)".
func (n Node) DeployERC20(ctx context.Context, from string, decimals int) (string, error) {
	return n.Deploy(ctx, from, ERC20Bytecode, decimals)
}

// DeployERC721 deploys the test ERC-721 (onchain/testdata/ERC721.sol) from
// from, which alone may mint: "mint(address,uint256)". Owners move tokens
// with "transferFrom(address,address,uint256)". Its ownerOf reverts for a
// token that does not exist.
func (n Node) DeployERC721(ctx context.Context, from string) (string, error) {
	return n.Deploy(ctx, from, ERC721Bytecode)
}

// DeployERC1155 deploys the test ERC-1155 (onchain/testdata/ERC1155.sol)
// from from, which alone may mint: "mint(address,uint256,uint256)" (to,
// id, amount). Holders move tokens with
// "safeTransferFrom(address,address,uint256,uint256,bytes)".
func (n Node) DeployERC1155(ctx context.Context, from string) (string, error) {
	return n.Deploy(ctx, from, ERC1155Bytecode)
}
