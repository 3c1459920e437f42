package ethrpc

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

// jsonError is the "error" member of a JSON-RPC response.
type jsonError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

// response is one decoded JSON-RPC response. Exactly one of Result and
// Error is set; a JSON null result is kept as the bytes "null".
type response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *jsonError      `json:"error"`
}

// Reasons a response body is malformed. Their texts are shown to users
// (after "node at URL sent a malformed response to METHOD: "), so they say
// what was wrong without quoting the body.
// They are constants of their own type so that the package keeps no
// variables.
type decodeError string

func (e decodeError) Error() string { return string(e) }

const (
	errNotJSON        decodeError = "the body is not JSON"
	errNotObject      decodeError = "expected a JSON object"
	errNotArray       decodeError = "expected a JSON array for a batch"
	errNoResult       decodeError = "the response has neither a result nor an error"
	errIDMismatch     decodeError = "the response answers another request (id mismatch)"
	errEmptyBody      decodeError = "the body is empty"
	errMissingInBatch decodeError = "the batch response has no answer for this call"
)

// encodeRequest appends one JSON-RPC 2.0 request object to dst.
func encodeRequest(dst []byte, id uint64, method string, params []any) ([]byte, error) {
	if params == nil {
		params = []any{}
	}
	p, ok := appendParams(nil, params)
	if !ok {
		var err error
		if p, err = json.Marshal(params); err != nil {
			return dst, err
		}
	}
	m, ok := appendPlainString(nil, method)
	if !ok {
		var err error
		if m, err = json.Marshal(method); err != nil {
			return dst, err
		}
	}
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `,"method":`...)
	dst = append(dst, m...)
	dst = append(dst, `,"params":`...)
	dst = append(dst, p...)
	dst = append(dst, '}')
	return dst, nil
}

// appendParams appends params as json.Marshal encodes them when they are
// of the kinds a block read sends (a block number or tag, a hex quantity,
// a flag, a plain string); false for anything else, left to json.Marshal.
func appendParams(dst []byte, params []any) ([]byte, bool) {
	dst = append(dst, '[')
	for i, p := range params {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		switch v := p.(type) {
		case bool:
			dst, ok = strconv.AppendBool(dst, v), true
		case hexutil.Uint64:
			dst = append(dst, `"0x`...)
			dst, ok = append(strconv.AppendUint(dst, uint64(v), 16), '"'), true
		case BlockRef:
			if !v.isHash() {
				dst, ok = appendPlainString(dst, v.String())
			}
		case string:
			dst, ok = appendPlainString(dst, v)
		}
		if !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
}

// appendPlainString appends s as a JSON string when it needs no escape
// (printable ASCII but for the quote, the backslash and the characters
// json.Marshal escapes for HTML); false otherwise.
func appendPlainString(dst []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return dst, false
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"'), true
}

// decodeResponse parses the body answering a single request with the given
// id. A response whose error has a null id (a node that could not read the
// request) is accepted; a result for another id is not.
func decodeResponse(body []byte, id uint64) (*response, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, errEmptyBody
	}
	if body[0] != '{' {
		if json.Valid(body) {
			return nil, errNotObject
		}
		return nil, errNotJSON
	}
	r, err := decodeOne(body)
	if err != nil {
		return nil, err
	}
	if got, ok := parseID(r.ID); !ok || got != id {
		if r.Error == nil {
			return nil, errIDMismatch
		}
	}
	return r, nil
}

// decodeBatchResponse parses the body answering a batch whose requests had
// the given ids. out[i] answers ids[i] and is nil when the node sent no
// usable answer for it (missing, duplicated or malformed element). When the
// node answered the whole batch with one error object instead of an array,
// that error is returned as whole.
func decodeBatchResponse(body []byte, ids []uint64) (out []*response, whole *jsonError, err error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, nil, errEmptyBody
	}
	switch body[0] {
	case '[':
	case '{':
		r, err := decodeOne(body)
		if err != nil {
			return nil, nil, err
		}
		if r.Error != nil {
			return nil, r.Error, nil
		}
		return nil, nil, errNotArray
	default:
		if json.Valid(body) {
			return nil, nil, errNotArray
		}
		return nil, nil, errNotJSON
	}
	// Checked and split in one pass; each element then read without
	// checking it again.
	var elems [][]byte
	sc := scanner{}
	end, ok := sc.elements(body, 0, func(j int) (int, bool) {
		v, end, ok := sc.value(body, j)
		elems = append(elems, v)
		return end, ok
	})
	if !ok || end != len(body) {
		return nil, nil, errNotJSON
	}
	pos := make(map[uint64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	out = make([]*response, len(ids))
	for _, raw := range elems {
		r, err := (scanner{valid: true}).response(raw)
		if err != nil {
			continue
		}
		id, ok := parseID(r.ID)
		if !ok {
			continue
		}
		i, ok := pos[id]
		if !ok || out[i] != nil {
			continue
		}
		out[i] = r
	}
	return out, nil, nil
}

// decodeOne decodes one response object and checks that it carries a
// result or an error.
func decodeOne(raw []byte) (*response, error) { return scanner{}.response(raw) }

// response is decodeOne with s's skipping.
func (s scanner) response(raw []byte) (*response, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return nil, errNotObject
	}
	var (
		r      response
		errRaw []byte
		seen   uint8
	)
	// One pass over the body; encoding/json (three passes) only for what
	// the fast path leaves to it: invalid JSON (to fail as before), names
	// with escapes or beyond ASCII, a member given twice.
	fast := s.objectMembers(raw, func(name, value []byte) bool {
		var bit uint8
		switch {
		case asciiFold(name, "id"):
			bit, r.ID = 1, value
		case asciiFold(name, "result"):
			bit, r.Result = 2, value
		case asciiFold(name, "error"):
			bit, errRaw = 4, value
		default:
			return true
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	if fast {
		if errRaw != nil && string(errRaw) != "null" {
			r.Error = new(jsonError)
			if err := json.Unmarshal(errRaw, r.Error); err != nil {
				return nil, errNotJSON
			}
		}
	} else {
		r = response{}
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, errNotJSON
		}
	}
	if r.Error == nil && r.Result == nil {
		return nil, errNoResult
	}
	if r.Error != nil {
		r.Result = nil
	}
	return &r, nil
}

// parseID reads a response id written as a JSON number or as a string of
// digits (some proxies quote ids).
func parseID(raw json.RawMessage) (uint64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	if len(raw) == 0 {
		return 0, false
	}
	id, err := strconv.ParseUint(string(raw), 10, 64)
	return id, err == nil
}

// asciiFold reports whether name equals the lower-case ASCII want but for
// case, as encoding/json matches member names.
func asciiFold(name []byte, want string) bool {
	if len(name) != len(want) {
		return false
	}
	for i := range name {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}
