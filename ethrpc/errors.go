package ethrpc

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// RPCError is an error the node returned in a JSON-RPC response: an
// execution error such as a revert, a rejected parameter, an unknown method
// or a node-side limit. The Client returns it wrapped in a *bulwark.Error;
// use errors.As to reach it:
//
//	var rerr *ethrpc.RPCError
//	if errors.As(err, &rerr) && rerr.Reverted() { … rerr.RevertData() … }
type RPCError struct {
	// Method is the JSON-RPC method that failed, e.g. "eth_call".
	Method string
	// Code is the JSON-RPC error code, e.g. 3 or -32000 for a revert,
	// -32601 for an unknown method, -32005 for a rate limit.
	Code int
	// Message is the node's message, e.g. "execution reverted: not owner".
	Message string
	// Data is the error's "data" member as the node sent it (for a revert,
	// usually a hex string of the revert data), or nil.
	Data json.RawMessage
}

// Error returns the method, the node's message and the code.
func (e *RPCError) Error() string {
	return fmt.Sprintf("%s: %s (code %d)", e.Method, e.Message, e.Code)
}

// Reverted reports whether the error is an EVM revert (code 3, or any
// message mentioning "revert" as older nodes send with -32000).
func (e *RPCError) Reverted() bool {
	return e.Code == 3 || strings.Contains(strings.ToLower(e.Message), "revert")
}

// RateLimited reports whether the node refused the call because of a limit
// on requests, which is worth retrying later.
func (e *RPCError) RateLimited() bool {
	if e.Reverted() {
		return false
	}
	m := strings.ToLower(e.Message)
	for _, s := range []string{"rate limit", "rate-limit", "ratelimit", "too many requests", "limit exceeded", "request limit", "capacity exceeded", "exceeded the quota"} {
		if strings.Contains(m, s) {
			return true
		}
	}
	// -32005 also means "query returned more than N results", which a
	// retry cannot fix. Some providers put the HTTP status 429 in the code.
	return (e.Code == -32005 || e.Code == 429) && !strings.Contains(m, "result")
}

// RevertData returns the revert data carried in Data: a hex string, or an
// object whose "data" member is one. It returns nil when there is none.
func (e *RPCError) RevertData() []byte {
	return hexData(e.Data, 0)
}

func hexData(raw json.RawMessage, depth int) []byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || depth > 2 {
		return nil
	}
	switch raw[0] {
	case '"':
		var b hexutil.Bytes
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil
		}
		return b
	case '{':
		var obj struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil
		}
		return hexData(obj.Data, depth+1)
	}
	return nil
}

// RevertReason decodes the revert data as Solidity's Error(string) or
// Panic(uint256) and returns the reason, or "" when it is neither.
func (e *RPCError) RevertReason() string {
	data := e.RevertData()
	if len(data) < 4 {
		return ""
	}
	reason, err := abi.UnpackRevert(data)
	if err != nil {
		return ""
	}
	return reason
}

// rpcError turns a JSON-RPC error object into the *bulwark.Error a user
// sees, keeping the *RPCError as its cause.
func (c *Client) rpcError(method string, je *jsonError) *bulwark.Error {
	re := &RPCError{Method: method, Code: je.Code, Message: je.Message, Data: je.Data}
	msg := clean(je.Message, 300)
	lower := strings.ToLower(je.Message)
	var code, text string
	switch {
	case re.Reverted():
		code = bulwark.EINVALID
		text = fmt.Sprintf("%s: %s", method, msg)
		if reason := re.RevertReason(); reason != "" && !strings.Contains(msg, reason) {
			text += ": " + clean(reason, 200)
		}
	case re.RateLimited():
		code = bulwark.EUNAVAILABLE
		text = fmt.Sprintf("node rate limit: node at %s refused %s: %s (code %d)", c.safeURL, method, msg, je.Code)
	case je.Code == -32601:
		code = bulwark.EUNAVAILABLE
		text = fmt.Sprintf("node at %s does not support %s (method not found; is that API enabled on the node?)", c.safeURL, method)
	case strings.Contains(lower, "batch too large") || strings.Contains(lower, "batch size"):
		code = bulwark.EINVALID
		text = fmt.Sprintf("node at %s rejected a batch: %s (lower the maximum batch size)", c.safeURL, msg)
	case strings.Contains(lower, "not found") || strings.Contains(lower, "missing trie node") || strings.Contains(lower, "pruned"):
		code = bulwark.ENOTFOUND
		text = fmt.Sprintf("node at %s cannot answer %s: %s (an archive node may be needed for old state)", c.safeURL, method, msg)
	default:
		code = bulwark.EINVALID
		text = fmt.Sprintf("node at %s rejected %s: %s (code %d)", c.safeURL, method, msg, je.Code)
	}
	return &bulwark.Error{Code: code, Message: text, Err: re}
}

// clean makes a node-supplied text safe to show: printable characters only,
// at most max runes.
func clean(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			r = ' '
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// redactURL returns the node URL fit for messages, logs and alerts: its
// scheme, host and port only. Hosted nodes put their API key in the user
// info, the path (Infura's /v3/KEY, Alchemy's /v2/KEY) or the query, and a
// key can be any string, so all three are dropped rather than guessed at;
// "/…" marks that a path or query was there. An unparseable URL is not
// shown at all.
func redactURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Scheme == "" {
		return "(unparseable URL)"
	}
	out := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery {
		out += "/…"
	}
	return out
}
