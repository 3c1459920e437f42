package ethrpc

import (
	"bytes"
	"encoding/binary"
	"math"
	"unsafe"
)

// A validating JSON skipper and a reader of a response object's members,
// so that a response is checked and split into its members in one pass
// over the body instead of encoding/json's three (validate, decode, and
// again for the result kept raw).

// maxDepth bounds nesting as encoding/json does.
const maxDepth = 10000

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] (a
// '"'), and whether it is a valid JSON string; escaped tells whether it
// has a backslash escape.
func skipString(data []byte, i int) (end int, escaped, ok bool) {
	i++
	for i < len(data) {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control character: most of an answer is long hex strings.
		for i+8 <= len(data) && !specialByte(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		if i >= len(data) {
			break
		}
		c := data[i]
		switch {
		case c == '"':
			return i + 1, escaped, true
		case c == '\\':
			escaped = true
			if i+1 >= len(data) {
				return 0, false, false
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) {
					return 0, false, false
				}
				for _, h := range data[i+2 : i+6] {
					if !isHex(h) {
						return 0, false, false
					}
				}
				i += 6
			default:
				return 0, false, false
			}
		case c < 0x20:
			return 0, false, false
		default:
			i++
		}
	}
	return 0, false, false
}

// specialByte reports whether one of the eight bytes in x is a '"', a
// '\\' or below 0x20 (the bytes a JSON string reader must look at), by
// the exact word tests for a zero byte and a byte below n.
func specialByte(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q := x ^ (ones * '"')
	b := x ^ (ones * '\\')
	return ((q-ones)&^q|(b-ones)&^b|(x-ones*0x20)&^x)&highs != 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// skipNumber returns the index after the number starting at data[i].
func skipNumber(data []byte, i int) (int, bool) {
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	default:
		return 0, false
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || !isDigit(data[i]) {
			return 0, false
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || !isDigit(data[i]) {
			return 0, false
		}
		for i < len(data) && isDigit(data[i]) {
			i++
		}
	}
	return i, true
}

// skipValue returns the index after the JSON value that starts at
// data[i] (after any whitespace), and whether it is valid JSON.
func skipValue(data []byte, i int) (int, bool) {
	var (
		buf   [64]byte
		stack = buf[:0] // the open containers, '{' or '['
		ok    bool
	)
	for {
		// A value.
		i = skipSpace(data, i)
		if i >= len(data) {
			return 0, false
		}
		switch data[i] {
		case '{', '[':
			open := data[i]
			if len(stack) >= maxDepth {
				return 0, false
			}
			i = skipSpace(data, i+1)
			if i < len(data) && data[i] == open+2 { // '}' or ']'
				i++
				break
			}
			stack = append(stack, open)
			if open == '{' {
				if i, ok = skipKey(data, i); !ok {
					return 0, false
				}
			}
			continue
		case '"':
			if i, _, ok = skipString(data, i); !ok {
				return 0, false
			}
		case 't':
			if i, ok = skipLiteral(data, i, "true"); !ok {
				return 0, false
			}
		case 'f':
			if i, ok = skipLiteral(data, i, "false"); !ok {
				return 0, false
			}
		case 'n':
			if i, ok = skipLiteral(data, i, "null"); !ok {
				return 0, false
			}
		default:
			if i, ok = skipNumber(data, i); !ok {
				return 0, false
			}
		}
		// After a value: close containers, or go on after a comma.
		for {
			if len(stack) == 0 {
				return i, true
			}
			i = skipSpace(data, i)
			if i >= len(data) {
				return 0, false
			}
			top := stack[len(stack)-1]
			if data[i] == top+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if data[i] != ',' {
				return 0, false
			}
			i++
			if top == '{' {
				if i, ok = skipKey(data, skipSpace(data, i)); !ok {
					return 0, false
				}
			}
			break
		}
	}
}

// skipKey skips an object member's name and the colon after it.
func skipKey(data []byte, i int) (int, bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, false
	}
	i, _, ok := skipString(data, i)
	if !ok {
		return 0, false
	}
	i = skipSpace(data, i)
	if i >= len(data) || data[i] != ':' {
		return 0, false
	}
	return i + 1, true
}

func skipLiteral(data []byte, i int, lit string) (int, bool) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return 0, false
	}
	return i + len(lit), true
}

// skipValidValue returns the index after the value starting at data[i],
// data known to be valid JSON.
func skipValidValue(data []byte, i int) int {
	depth := 0
	for i < len(data) {
		switch data[i] {
		case '"':
			i = skipValidString(data, i)
			if depth == 0 {
				return i
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		default:
			if depth == 0 {
				// A number or a literal, up to what follows it.
				for i < len(data) && !isSpace(data[i]) && data[i] != ',' && data[i] != '}' && data[i] != ']' {
					i++
				}
				return i
			}
		}
		i++
	}
	return i
}

// skipValidString returns the index after the valid JSON string starting
// at data[i]: after the first quote not escaped.
func skipValidString(data []byte, i int) int {
	i++
	for {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return len(data)
		}
		j := i + q
		k := j
		for k > i && data[k-1] == '\\' {
			k--
		}
		if (j-k)%2 == 0 {
			return j + 1
		}
		i = j + 1
	}
}

// scanner reads JSON values; valid says the data is known to be valid
// JSON (a result the client checked as it read the response), so that a
// value is skipped without checking it again, strings found with
// bytes.IndexByte.
type scanner struct{ valid bool }

// skip returns the index after the value starting at data[i] (after any
// whitespace), and whether it is valid JSON.
func (s scanner) skip(data []byte, i int) (int, bool) {
	if s.valid {
		return skipValidValue(data, skipSpace(data, i)), true
	}
	return skipValue(data, i)
}

// objectMembers calls f with the name (unquoted, when it has no escapes)
// and the raw value of each member of the JSON object data, which must be
// the whole of data but for surrounding whitespace. It reports false when
// data is not valid JSON (checked unless s.valid), not an object, or a
// name has an escape or a byte beyond ASCII (encoding/json matches such
// names by Unicode case folding: the caller falls back to it), or when f
// returns false.
func (s scanner) objectMembers(data []byte, f func(name, value []byte) bool) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	end, ok := s.members(data, i, func(name []byte, j int) (int, bool) {
		v, end, ok := s.value(data, j)
		return end, ok && f(name, v)
	})
	return ok && skipSpace(data, end) == len(data)
}

// The readers below walk a document once, from where a value starts to
// where it ends: a reader of an object or array hands each member or
// element's start to a function that reads it (descending into what it
// decodes, skipping the rest) and returns the index after it, so that no
// value is skipped to find its end and then read again.

// members reads the object starting at data[i] (a '{'), calling f with
// each member's name (unquoted) and the index where its value starts
// (after any whitespace); f returns the index after the value. members
// returns the index after the object. It reports false when the object
// is not valid JSON (checked unless s.valid), a name has an escape or a
// byte beyond ASCII (encoding/json matches such names by Unicode case
// folding: the caller falls back to it), or f reports false.
func (s scanner) members(data []byte, i int, f func(name []byte, j int) (int, bool)) (int, bool) {
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, false
		}
		var end int
		if s.valid {
			end = skipValidString(data, i)
			if end-1 <= i || bytes.IndexByte(data[i+1:end-1], '\\') >= 0 {
				return 0, false
			}
		} else {
			var escaped, ok bool
			if end, escaped, ok = skipString(data, i); !ok || escaped {
				return 0, false
			}
		}
		name := data[i+1 : end-1]
		for _, c := range name {
			if c >= 0x80 {
				return 0, false
			}
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return 0, false
		}
		j := skipSpace(data, i+1)
		if j >= len(data) {
			return 0, false
		}
		var ok bool
		if i, ok = f(name, j); !ok {
			return 0, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// elements reads the array starting at data[i] (a '['), calling f with
// the index where each element starts; f returns the index after it.
// elements returns the index after the array, or false when the array is
// not valid JSON (checked unless s.valid) or f reports false.
func (s scanner) elements(data []byte, i int, f func(j int) (int, bool)) (int, bool) {
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, true
	}
	for {
		if i >= len(data) {
			return 0, false
		}
		var ok bool
		if i, ok = f(i); !ok {
			return 0, false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return 0, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, true
		default:
			return 0, false
		}
	}
}

// value returns the value starting at data[j] and the index after it,
// checked unless s.valid.
func (s scanner) value(data []byte, j int) ([]byte, int, bool) {
	end, ok := s.skip(data, j)
	if !ok || end <= j {
		return nil, 0, false
	}
	return data[j:end], end, true
}

// nullAt reports whether the literal null starts at data[j] (what follows
// it is the reader's to check).
func nullAt(data []byte, j int) bool {
	return len(data)-j >= 4 && string(data[j:j+4]) == "null"
}

// plainBytes returns the bytes of the JSON string v, as encoding/json
// decodes it, when it has no escapes and only ASCII (others are left to
// encoding/json).
func plainBytes(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	for _, c := range v[1 : len(v)-1] {
		if c == '\\' || c >= 0x80 {
			return nil, false
		}
	}
	return v[1 : len(v)-1], true
}

// setString decodes v into *dst as encoding/json does a string field
// (null leaves it), reporting false for anything else. The values trace
// frames repeat are not copied.
func setString(dst *string, v []byte) bool {
	if string(v) == "null" {
		return true
	}
	b, ok := plainBytes(v)
	if ok {
		*dst = intern(b)
	}
	return ok
}

// setView is setString for a value only read while data is, never kept:
// the string points into data rather than being a copy.
func setView(dst *string, v []byte) bool {
	if string(v) == "null" {
		return true
	}
	b, ok := plainBytes(v)
	if ok {
		*dst = unsafe.String(unsafe.SliceData(b), len(b))
	}
	return ok
}

// intern returns b as a string, the same string each time for the
// values that recur in a block's traces (frame and call types, a zero
// value, the usual errors) rather than a copy each.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "call":
		return "call"
	case "create":
		return "create"
	case "delegatecall":
		return "delegatecall"
	case "staticcall":
		return "staticcall"
	case "callcode":
		return "callcode"
	case "suicide":
		return "suicide"
	case "selfdestruct":
		return "selfdestruct"
	case "reward":
		return "reward"
	case "0x0":
		return "0x0"
	case "CALL":
		return "CALL"
	case "STATICCALL":
		return "STATICCALL"
	case "DELEGATECALL":
		return "DELEGATECALL"
	case "CALLCODE":
		return "CALLCODE"
	case "CREATE":
		return "CREATE"
	case "CREATE2":
		return "CREATE2"
	case "SELFDESTRUCT":
		return "SELFDESTRUCT"
	case "Reverted":
		return "Reverted"
	case "execution reverted":
		return "execution reverted"
	case "Out of gas":
		return "Out of gas"
	case "out of gas":
		return "out of gas"
	}
	return string(b)
}

// plainUint returns the JSON number v when it is a whole number without
// sign, fraction or exponent no larger than max.
func plainUint(v []byte, max uint64) (uint64, bool) {
	if len(v) == 0 || len(v) > 20 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (max-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// fastParityTraces decodes a trace_block result as encoding/json decodes
// it into []parityTrace, for the answers nodes give; false for anything
// else (invalid JSON, unexpected types, escapes, repeated members), left
// to encoding/json and its errors. FuzzParityFast holds the two equal.
// The action's addresses and amounts and the transaction hash point into
// data (they are read into a frame's addresses, amounts and hash, and
// dropped, while data is there); the types and the error are copies, the
// error being kept.
func fastParityTraces(data []byte) ([]parityTrace, bool) {
	return scanner{}.parityTraces(data)
}

// parityTraces is fastParityTraces with s's skipping.
func (s scanner) parityTraces(data []byte) ([]parityTrace, bool) {
	out := make([]parityTrace, 0, 64)
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return out, false
	}
	var sh parityShared
	end, ok := s.elements(data, i, func(j int) (int, bool) {
		if data[j] != '{' {
			return 0, false
		}
		out = append(out, parityTrace{})
		return s.parityFrame(&out[len(out)-1], &sh, data, j)
	})
	return out, ok && skipSpace(data, end) == len(data)
}

// parityShared is what the frames of one answer share: the values they
// repeat, and room for their results and trace addresses, so that each
// frame does not allocate its own.
type parityShared struct {
	// The block number, transaction hash and position of the frame
	// before: a frame's point where these do when they are the same
	// (never written through: a frame is only read).
	prev    parityTrace
	results []parityResult // results[len:] is room for the next
	addrs   []uint32       // addrs[len:] likewise
}

// result returns room for a frame's result.
func (sh *parityShared) result() *parityResult {
	if len(sh.results) == cap(sh.results) {
		sh.results = make([]parityResult, 0, 64)
	}
	sh.results = sh.results[:len(sh.results)+1]
	return &sh.results[len(sh.results)-1]
}

// parityFrame decodes the frame object starting at data[i] into w.
func (s scanner) parityFrame(w *parityTrace, sh *parityShared, data []byte, i int) (int, bool) {
	prev := &sh.prev
	var seen uint16
	return s.members(data, i, func(name []byte, j int) (int, bool) {
		var (
			bit uint16
			end int
			v   []byte
			ok  = true
		)
		// leaf reads a value that is not a container.
		leaf := func() bool {
			v, end, ok = s.value(data, j)
			return ok
		}
		switch {
		case asciiFold(name, "action"):
			bit = 1
			switch {
			case nullAt(data, j):
				end = j + 4
			case data[j] == '{':
				end, ok = s.parityAction(&w.Action, data, j)
			default:
				ok = false
			}
		case asciiFold(name, "blocknumber"):
			bit = 2
			if leaf() {
				if jsonNull(v) {
					w.BlockNumber = nil
				} else {
					var n uint64
					n, ok = plainUint(v, math.MaxUint64)
					if prev.BlockNumber == nil || *prev.BlockNumber != n {
						b := n
						prev.BlockNumber = &b
					}
					w.BlockNumber = prev.BlockNumber
				}
			}
		case asciiFold(name, "result"):
			bit = 4
			switch {
			case nullAt(data, j):
				w.Result, end = nil, j+4
			case data[j] == '{':
				w.Result = sh.result()
				var rseen bool
				end, ok = s.members(data, j, func(name []byte, j int) (int, bool) {
					v, end, ok := s.value(data, j)
					if !ok || !asciiFold(name, "address") {
						return end, ok
					}
					if rseen {
						return 0, false
					}
					rseen = true
					return end, setString(&w.Result.Address, v)
				})
			default:
				ok = false
			}
		case asciiFold(name, "error"):
			bit = 8
			ok = leaf() && setString(&w.Error, v)
		case asciiFold(name, "traceaddress"):
			bit = 16
			switch {
			case nullAt(data, j):
				w.TraceAddress, end = nil, j+4
			case data[j] == '[':
				if cap(sh.addrs)-len(sh.addrs) < 16 {
					sh.addrs = make([]uint32, 0, 512)
				}
				start := len(sh.addrs)
				end, ok = s.elements(data, j, func(j int) (int, bool) {
					e, end, ok := s.value(data, j)
					if !ok {
						return 0, false
					}
					n, ok := plainUint(e, math.MaxUint32)
					sh.addrs = append(sh.addrs, uint32(n))
					return end, ok
				})
				// Its own capacity: appending to it copies it.
				w.TraceAddress = sh.addrs[start:len(sh.addrs):len(sh.addrs)]
			default:
				ok = false
			}
		case asciiFold(name, "transactionhash"):
			bit = 32
			if leaf() {
				if jsonNull(v) {
					w.TransactionHash = nil
				} else {
					var b []byte
					b, ok = plainBytes(v)
					if prev.TransactionHash == nil || *prev.TransactionHash != string(b) {
						h := unsafe.String(unsafe.SliceData(b), len(b))
						prev.TransactionHash = &h
					}
					w.TransactionHash = prev.TransactionHash
				}
			}
		case asciiFold(name, "transactionposition"):
			bit = 64
			if leaf() {
				if jsonNull(v) {
					w.TransactionPosition = nil
				} else {
					var n uint64
					n, ok = plainUint(v, math.MaxUint32)
					if prev.TransactionPosition == nil || *prev.TransactionPosition != uint32(n) {
						p := uint32(n)
						prev.TransactionPosition = &p
					}
					w.TransactionPosition = prev.TransactionPosition
				}
			}
		case asciiFold(name, "type"):
			bit = 128
			ok = leaf() && setString(&w.Type, v)
		default:
			return s.skip(data, j)
		}
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return end, true
	})
}

// parityAction decodes a frame's action object, starting at data[i],
// into a.
func (s scanner) parityAction(a *parityAction, data []byte, i int) (int, bool) {
	var seen uint8
	return s.members(data, i, func(name []byte, j int) (int, bool) {
		var (
			bit uint8
			dst *string
		)
		set := setView
		switch {
		case asciiFold(name, "calltype"):
			set = setString
			bit, dst = 1, &a.CallType
		case asciiFold(name, "from"):
			bit, dst = 2, &a.From
		case asciiFold(name, "to"):
			bit, dst = 4, &a.To
		case asciiFold(name, "value"):
			bit, dst = 8, &a.Value
		case asciiFold(name, "address"):
			bit, dst = 16, &a.Address
		case asciiFold(name, "balance"):
			bit, dst = 32, &a.Balance
		case asciiFold(name, "refundaddress"):
			bit, dst = 64, &a.RefundAddress
		case asciiFold(name, "author"):
			bit, dst = 128, &a.Author
		default:
			return s.skip(data, j)
		}
		v, end, ok := s.value(data, j)
		if !ok || seen&bit != 0 || !set(dst, v) {
			return 0, false
		}
		seen |= bit
		return end, true
	})
}
