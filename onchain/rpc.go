package onchain

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/tokengate/tokengate"
)

const (
	// maxBatch is the most calls sent in one JSON-RPC batch, besides its
	// eth_chainId; more are split into several requests.
	maxBatch = 100
	// maxResponse caps the body of a JSON-RPC answer (a batch of maxBatch
	// answers is about 15 KiB).
	maxResponse = 1 << 20
	// maxHeaderBytes caps the headers of a JSON-RPC answer with the
	// default client (net/http's own cap is 10 MB).
	maxHeaderBytes = 64 << 10
)

// rpcMessage is one JSON-RPC 2.0 answer. It is decoded strictly (see
// unmarshal): member names match exactly, a name given twice or a member
// not named here makes the whole answer malformed.
type rpcMessage struct {
	JSONRPC string         `json:"jsonrpc"`
	ID      jsontext.Value `json:"id"`
	Result  jsontext.Value `json:"result"`
	Error   *rpcError      `json:"error"`
}

type rpcError struct {
	Code    int64          `json:"code"`
	Message string         `json:"message"`
	Data    jsontext.Value `json:"data"` // a revert's data; not used
}

// unmarshal decodes a node's JSON strictly: names are case-sensitive and
// duplicate names are refused (the defaults of go-json-experiment/json),
// and so are unknown members.
func unmarshal(raw []byte, v any) error {
	return json.Unmarshal(raw, v, json.RejectUnknownMembers(true))
}

// reverted reports whether e is a node's "execution reverted" answer to
// eth_call: code 3 (EIP-1474's execution error; geth for a revert with
// data, anvil for any revert), or code -32000 with a message starting
// "execution reverted" (geth, for a revert without data).
// Any other error is the node failing, whatever its message says: a
// gateway's "-32603 upstream: execution reverted (timeout)" is not a revert.
func (e *rpcError) reverted() bool {
	return e.Code == 3 || (e.Code == -32000 && strings.HasPrefix(e.Message, "execution reverted"))
}

// fetch reads keys from ep, in batches of at most maxBatch calls each with
// an eth_chainId, sent one after another, and returns their values in
// order. One deadline, Timeout from now, covers all of it (the waits for an
// in-flight slot and every batch), so a request is never held longer. Any
// failure is an error wrapping tokengate.ErrUnavailable.
func (c *Client) fetch(ep *endpoint, keys []key) ([]value, error) {
	ctx, cancel := context.WithTimeout(c.base, c.timeout)
	defer cancel()
	vals := make([]value, 0, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), maxBatch)
		got, err := c.batch(ctx, ep, keys[:n])
		if err != nil {
			return nil, fmt.Errorf("%w: onchain %s at %s: %w", tokengate.ErrUnavailable, ep.name, ep.display, err)
		}
		vals = append(vals, got...)
		keys = keys[n:]
	}
	return vals, nil
}

// batch sends one JSON-RPC batch under ctx: eth_chainId (id 0), then one
// eth_call at "latest" per key (ids 1…). It holds one of ep's in-flight
// slots while it runs, and gives it back on every return.
func (c *Client) batch(ctx context.Context, ep *endpoint, keys []key) ([]value, error) {
	select {
	case ep.slots <- struct{}{}:
		defer func() { <-ep.slots }()
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for one of the endpoint's in-flight slots: %w", ctx.Err())
	}

	body := requestBody(keys)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("cannot build the request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, unURL(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", unURL(err))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	if len(raw) > maxResponse {
		return nil, fmt.Errorf("answer larger than %d bytes", maxResponse)
	}
	return decodeBatch(raw, ep.chain, keys)
}

// requestBody is the JSON of the batch for keys.
func requestBody(keys []key) []byte {
	var b bytes.Buffer
	b.Grow(64 + 200*len(keys))
	b.WriteString(`[{"jsonrpc":"2.0","id":0,"method":"eth_chainId","params":[]}`)
	for i, k := range keys {
		b.WriteString(`,{"jsonrpc":"2.0","id":`)
		b.WriteString(strconv.Itoa(i + 1))
		b.WriteString(`,"method":"eth_call","params":[{"to":"`)
		b.WriteString(k.contract.hexString())
		b.WriteString(`","data":"`)
		b.WriteString(k.calldata())
		b.WriteString(`"},"latest"]}`)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// calldata is the eth_call data of k.
func (k key) calldata() string {
	switch k.call {
	case callDecimals:
		return calldata(selDecimals)
	case callBalance:
		return calldata(selBalanceOf, addressWord(k.wallet))
	case callOwner:
		return calldata(selOwnerOf, k.id)
	default: // callBalanceID
		return calldata(selBalanceOfID, addressWord(k.wallet), k.id)
	}
}

// decodeBatch checks a batch answer strictly, the node's chain id first,
// and decodes each call's result.
func decodeBatch(raw []byte, chain uint64, keys []key) ([]value, error) {
	var msgs []rpcMessage
	if err := unmarshal(raw, &msgs); err != nil {
		var one rpcMessage
		if unmarshal(raw, &one) == nil && one.Error != nil {
			return nil, fmt.Errorf("batch refused: JSON-RPC error %d %q", one.Error.Code, short(one.Error.Message))
		}
		return nil, errors.New("answer is not a JSON-RPC batch")
	}
	if len(msgs) != len(keys)+1 {
		return nil, fmt.Errorf("batch of %d calls answered with %d messages", len(keys)+1, len(msgs))
	}
	byID := make([]*rpcMessage, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		id, err := strconv.ParseUint(string(m.ID), 10, 32)
		if err != nil || id >= uint64(len(msgs)) || byID[id] != nil {
			return nil, errors.New("batch answer with a missing, unknown or repeated id")
		}
		if m.JSONRPC != "2.0" || (m.Error == nil) == (m.Result == nil) {
			return nil, errors.New("malformed JSON-RPC message")
		}
		byID[id] = m
	}

	if m := byID[0]; m.Error != nil {
		return nil, fmt.Errorf("eth_chainId: JSON-RPC error %d %q", m.Error.Code, short(m.Error.Message))
	}
	got, err := decodeQuantity(byID[0].Result)
	if err != nil {
		return nil, fmt.Errorf("eth_chainId: %w", err)
	}
	if got != chain {
		return nil, fmt.Errorf("node is on chain %d, not %d", got, chain)
	}

	vals := make([]value, len(keys))
	for i, k := range keys {
		m := byID[i+1]
		if m.Error != nil {
			if k.call == callOwner && m.Error.reverted() {
				vals[i].reverted = true // no such token: not held
				continue
			}
			return nil, fmt.Errorf("eth_call: JSON-RPC error %d %q", m.Error.Code, short(m.Error.Message))
		}
		var s string
		if err := unmarshal(m.Result, &s); err != nil {
			return nil, errors.New("eth_call: result is not a string")
		}
		if err := k.decode(s, &vals[i]); err != nil {
			return nil, fmt.Errorf("eth_call: %w", err)
		}
	}
	return vals, nil
}

// decode reads the result s of k into v.
func (k key) decode(s string, v *value) error {
	var err error
	switch k.call {
	case callDecimals:
		v.decimals, err = decodeDecimals(s)
	case callOwner:
		v.owner, err = decodeAddress(s)
	default:
		v.n, err = decodeUint(s)
	}
	return err
}

// decodeQuantity reads a JSON string holding a hex quantity ("0x7a69") of
// at most 16 digits.
func decodeQuantity(raw jsontext.Value) (uint64, error) {
	var s string
	if err := unmarshal(raw, &s); err != nil {
		return 0, errors.New("not a quantity")
	}
	h, ok := strings.CutPrefix(s, "0x")
	if !ok || h == "" || len(h) > 16 {
		return 0, errors.New("not a quantity")
	}
	n, err := strconv.ParseUint(h, 16, 64)
	if err != nil {
		return 0, errors.New("not a quantity")
	}
	return n, nil
}

// unURL drops the URL from a transport error (it may hold an API key),
// keeping the cause.
func unURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// short cuts a node's error message to 80 bytes for messages and logs.
func short(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
