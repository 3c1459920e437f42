package ethrpc

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

// objectMembers calls f with the name (unquoted, when it has no escapes)
// and the raw value of each member of the JSON object data, which must be
// the whole of data but for surrounding whitespace. It reports false when
// data is not valid JSON, not an object, or a name has an escape or a
// byte beyond ASCII (encoding/json matches such names by Unicode case
// folding: the caller falls back to it), or when f returns false.
func objectMembers(data []byte, f func(name, value []byte) bool) bool {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return false
		}
		end, escaped, ok := skipString(data, i)
		if !ok || escaped {
			return false
		}
		name := data[i+1 : end-1]
		for _, c := range name {
			if c >= 0x80 {
				return false
			}
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		start := skipSpace(data, i+1)
		if i, ok = skipValue(data, start); !ok {
			return false
		}
		if !f(name, data[start:i]) {
			return false
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}
