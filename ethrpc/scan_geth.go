package ethrpc

// fastGethTraces decodes a debug_traceBlockByNumber result with geth's
// callTracer as encoding/json decodes it into []gethTxTrace, in one pass
// and without reflection, for the answers nodes give; false for anything
// else (invalid JSON, unexpected types, escapes, repeated members, a call
// tree deeper than the EVM allows), left to encoding/json and its errors.
// FuzzGethFast holds the two equal.
func fastGethTraces(data []byte) ([]gethTxTrace, bool) {
	return scanner{}.gethTraces(data)
}

// gethTraces is fastGethTraces with s's skipping.
func (s scanner) gethTraces(data []byte) ([]gethTxTrace, bool) {
	out := make([]gethTxTrace, 0, 64)
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '[' {
		return out, false
	}
	end, ok := s.elements(data, i, func(j int) (int, bool) {
		out = append(out, gethTxTrace{})
		switch {
		case nullAt(data, j):
			return j + 4, true // encoding/json leaves the element zero
		case data[j] == '{':
			return s.gethTxTrace(&out[len(out)-1], data, j)
		}
		return 0, false
	})
	return out, ok && skipSpace(data, end) == len(data)
}

// gethTxTrace decodes one transaction's object, starting at data[i],
// into w.
func (s scanner) gethTxTrace(w *gethTxTrace, data []byte, i int) (int, bool) {
	var seen uint8
	return s.members(data, i, func(name []byte, j int) (int, bool) {
		var (
			bit uint8
			end int
			v   []byte
			ok  = true
		)
		switch {
		case asciiFold(name, "result"):
			bit = 1
			switch {
			case nullAt(data, j):
				w.Result, end = nil, j+4
			case data[j] == '{':
				w.Result = new(gethFrame)
				end, ok = s.gethFrame(w.Result, data, j, 0)
			default:
				ok = false
			}
		case asciiFold(name, "txhash"):
			bit = 2
			if v, end, ok = s.value(data, j); ok {
				ok = setOptString(&w.TxHash, v)
			}
		case asciiFold(name, "error"):
			bit = 4
			if v, end, ok = s.value(data, j); ok {
				ok = setString(&w.Error, v)
			}
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

// gethFrame decodes the frame object starting at data[i], depth calls
// below the transaction's, into f and its calls.
func (s scanner) gethFrame(f *gethFrame, data []byte, i, depth int) (int, bool) {
	if depth >= maxCallDepth {
		return 0, false // encoding/json decodes it; gethWalk refuses it
	}
	var seen uint8
	return s.members(data, i, func(name []byte, j int) (int, bool) {
		var (
			bit uint8
			end int
			v   []byte
			ok  = true
		)
		if asciiFold(name, "calls") {
			bit = 32
			switch {
			case nullAt(data, j):
				f.Calls, end = nil, j+4
			case data[j] == '[':
				f.Calls = make([]gethFrame, 0, 4)
				end, ok = s.elements(data, j, func(j int) (int, bool) {
					f.Calls = append(f.Calls, gethFrame{})
					switch {
					case nullAt(data, j):
						return j + 4, true // encoding/json leaves the element zero
					case data[j] == '{':
						return s.gethFrame(&f.Calls[len(f.Calls)-1], data, j, depth+1)
					}
					return 0, false
				})
			default:
				ok = false
			}
		} else {
			if v, end, ok = s.value(data, j); !ok {
				return 0, false
			}
			switch {
			case asciiFold(name, "type"):
				bit, ok = 1, setString(&f.Type, v)
			case asciiFold(name, "from"):
				bit, ok = 2, setOptString(&f.From, v)
			case asciiFold(name, "to"):
				bit, ok = 4, setOptString(&f.To, v)
			case asciiFold(name, "value"):
				bit, ok = 8, setOptString(&f.Value, v)
			case asciiFold(name, "error"):
				bit, ok = 16, setString(&f.Error, v)
			default:
				return end, true
			}
		}
		if !ok || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		return end, true
	})
}

// setOptString decodes v into *dst as encoding/json does a *string field:
// null sets it to nil, a string to a new one; false for anything else.
func setOptString(dst **string, v []byte) bool {
	if jsonNull(v) {
		*dst = nil
		return true
	}
	b, ok := plainBytes(v)
	if ok {
		s := intern(b)
		*dst = &s
	}
	return ok
}
