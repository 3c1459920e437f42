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
//
// The whole body is checked to be valid JSON (errNotJSON otherwise), but
// the results are not checked as the body is split: decode[i], when not
// nil, reads the result answering ids[i] and reports whether it read it,
// which it does only when the result is valid JSON (a reader that checks
// as it goes, such as scanner{}'s); a result it does not read, and every
// other result, is checked on its own. So a result is walked once when it
// is read, not checked first and read again.
func decodeBatchResponse(body []byte, ids []uint64, decode []func([]byte) bool) (out []*response, whole *jsonError, err error) {
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
	// Split in one pass, each element's members read as it goes, all
	// but the results checked.
	var elems []batchElem
	end, ok := scanner{}.elements(body, 0, func(j int) (int, bool) {
		e, end, ok := splitElement(body, j)
		elems = append(elems, e)
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
	for k := range elems {
		e := &elems[k]
		if e.r == nil {
			continue
		}
		id, ok := parseID(e.r.ID)
		if !ok {
			continue
		}
		i, ok := pos[id]
		if !ok || out[i] != nil {
			continue
		}
		out[i] = e.r
		if e.result != nil && e.r.Error == nil && i < len(decode) && decode[i] != nil && decode[i](e.result) {
			e.result = nil // read, and so checked
		}
	}
	for _, e := range elems {
		if e.result != nil {
			if end, ok := skipValue(e.result, 0); !ok || end != len(e.result) {
				return nil, nil, errNotJSON
			}
		}
	}
	return out, nil, nil
}

// batchElem is one element of a batch answer as splitElement reads it:
// the response (nil when it is not one) and its result when that is not
// checked yet.
type batchElem struct {
	r      *response
	result []byte
}

// splitElement reads the element of a batch answer starting at data[j]
// (not a space) and returns the index after it. All of the element but
// its result member's value is checked; that value, found by its
// brackets and quotes (exactly, when it is valid JSON), is returned to be
// checked. false when the element is not valid JSON but for its result.
func splitElement(data []byte, j int) (batchElem, int, bool) {
	if data[j] == '{' {
		var (
			r      response
			result []byte
			errRaw []byte
			seen   uint8
		)
		sc := scanner{}
		end, ok := sc.members(data, j, func(name []byte, j int) (int, bool) {
			var bit uint8
			var v []byte
			var end int
			var ok bool
			if asciiFold(name, "result") {
				end = skipValidValue(data, j)
				bit, v, ok = 2, data[j:end], end > j
			} else {
				v, end, ok = sc.value(data, j)
				switch {
				case !ok:
				case asciiFold(name, "id"):
					bit = 1
				case asciiFold(name, "error"):
					bit = 4
				default:
					return end, true
				}
			}
			if !ok || seen&bit != 0 {
				return 0, false
			}
			seen |= bit
			switch bit {
			case 1:
				r.ID = v
			case 2:
				result = v
			case 4:
				errRaw = v
			}
			return end, true
		})
		if ok {
			e := batchElem{result: result}
			r.Result = result
			if errRaw != nil && string(errRaw) != "null" {
				r.Error = new(jsonError)
				if json.Unmarshal(errRaw, r.Error) != nil {
					return e, end, true // unusable
				}
			}
			if r.Error == nil && r.Result == nil {
				return e, end, true // unusable
			}
			if r.Error != nil {
				r.Result = nil
			}
			e.r = &r
			return e, end, true
		}
		// Names with escapes or beyond ASCII, a member given twice, or
		// invalid JSON: checked whole, then read as before.
	}
	end, ok := skipValue(data, j)
	if !ok {
		return batchElem{}, 0, false
	}
	r, err := (scanner{valid: true}).response(data[j:end])
	if err != nil {
		return batchElem{}, end, true
	}
	return batchElem{r: r}, end, true
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
