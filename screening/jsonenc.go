package screening

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON of address decisions, written by hand: an address screening is
// the server's hot path, and encoding/json's reflection was a tenth of its
// time. The output is byte for byte what encoding/json gives for the same
// values (TestAddressDecisionJSON and FuzzAddressDecisionJSON hold it to
// that); matches, rare on the hot path, still go through encoding/json.

// appendAddressDecisionJSON appends the JSON of d (as json.Marshal(d)).
func appendAddressDecisionJSON(b []byte, d *AddressDecision) ([]byte, error) {
	b, err := appendDecisionFields(append(b, '{'), &d.Decision)
	if err != nil {
		return nil, err
	}
	return appendAddressResultsJSON(b, d)
}

// appendAddressResultsJSON appends the results member of d's JSON and its
// closing brace, after its decision's members (appendDecisionFields).
func appendAddressResultsJSON(b []byte, d *AddressDecision) ([]byte, error) {
	var err error
	b = append(b, `,"results":`...)
	if d.Results == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range d.Results {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendAddressResultJSON(b, &d.Results[i]); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendPackedJSON appends the JSON of p (as json.Marshal(p)).
func appendPackedJSON(b []byte, p *packedAddressDecision) ([]byte, error) {
	return appendPackedJSONFields(b, p, nil)
}

// appendPackedJSONFields is appendPackedJSON with the members of
// p.Decision already encoded as fields (appendDecisionFields), or encoded
// here when fields is nil.
func appendPackedJSONFields(b []byte, p *packedAddressDecision, fields []byte) ([]byte, error) {
	b = append(b, `{"packed":`...)
	b = strconv.AppendInt(b, int64(p.Packed), 10)
	b = append(b, ',')
	var err error
	if fields != nil {
		b = append(b, fields...)
	} else if b, err = appendDecisionFields(b, &p.Decision); err != nil {
		return nil, err
	}
	if p.Plain != "" {
		b = append(b, `,"plain":`...)
		b = appendJSONString(b, string(p.Plain))
	}
	b = append(b, `,"results":`...)
	if p.Results == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range p.Results {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"i":`...)
			b = appendJSONString(b, r.Input)
			if r.Hint != "" {
				b = append(b, `,"h":`...)
				b = appendJSONString(b, r.Hint)
			}
			if r.Full != nil {
				b = append(b, `,"r":`...)
				if b, err = appendAddressResultJSON(b, r.Full); err != nil {
					return nil, err
				}
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// appendDecisionFields appends the members of d, without braces.
func appendDecisionFields(b []byte, d *Decision) ([]byte, error) {
	b = append(b, `"decisionId":`...)
	b = appendJSONString(b, d.ID)
	b = append(b, `,"time":`...)
	if y := d.Time.Year(); y < 0 || y >= 10000 {
		// What encoding/json refuses too (Time.MarshalJSON).
		_, err := json.Marshal(d.Time)
		return nil, err
	}
	b = append(b, '"')
	b = appendRFC3339Nano(b, d.Time)
	b = append(b, `","kind":`...)
	b = appendJSONString(b, d.Kind)
	b = append(b, `,"use":`...)
	b = appendJSONString(b, string(d.Use))
	if d.Subject != "" {
		b = append(b, `,"subject":`...)
		b = appendJSONString(b, d.Subject)
	}
	if d.Actor != "" {
		b = append(b, `,"actor":`...)
		b = appendJSONString(b, d.Actor)
	}
	b = append(b, `,"verdict":`...)
	b = appendJSONString(b, string(d.Verdict))
	b = append(b, `,"lists":`...)
	if d.listsJSON != nil && sameMap(d.Lists, d.listsOf) {
		b = append(b, d.listsJSON...)
	} else if d.Lists == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		var keys [16]string
		ks := keys[:0]
		for k := range d.Lists {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		for i, k := range ks {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, d.Lists[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"algorithm":`...)
	b = appendJSONString(b, d.Algorithm)
	b = append(b, `,"policy":`...)
	b = appendJSONString(b, d.Policy)
	if len(d.Stale) > 0 {
		b = append(b, `,"stale":[`...)
		for i, s := range d.Stale {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"id":`...)
			b = appendJSONString(b, s.ID)
			b = append(b, `,"ageSeconds":`...)
			b = strconv.AppendInt(b, s.AgeSeconds, 10)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if d.Stored != nil {
		b = append(b, `,"stored":`...)
		b = strconv.AppendBool(b, *d.Stored)
	}
	return b, nil
}

// appendAddressResultJSON appends the JSON of r (as json.Marshal(r)).
func appendAddressResultJSON(b []byte, r *AddressResult) ([]byte, error) {
	b = append(b, `{"input":`...)
	b = appendJSONString(b, r.Input)
	for _, f := range [...]struct{ name, v string }{{`,"hint":`, r.Hint}, {`,"address":`, r.Address}, {`,"chain":`, r.Chain}, {`,"format":`, r.Format}} {
		if f.v != "" {
			b = append(b, f.name...)
			b = appendJSONString(b, f.v)
		}
	}
	b = append(b, `,"verdict":`...)
	b = appendJSONString(b, string(r.Verdict))
	b = append(b, `,"matches":`...)
	switch {
	case r.Matches == nil:
		b = append(b, "null"...)
	case len(r.Matches) == 0:
		b = append(b, "[]"...)
	default:
		m, err := json.Marshal(r.Matches)
		if err != nil {
			return nil, err
		}
		b = append(b, m...)
	}
	for _, f := range [...]struct{ name, v string }{{`,"error":`, r.Error}, {`,"note":`, r.Note}, {`,"decisionId":`, r.DecisionID}} {
		if f.v != "" {
			b = append(b, f.name...)
			b = appendJSONString(b, f.v)
		}
	}
	return append(b, '}'), nil
}

// appendAuditItemJSON appends a decision's line in its batch's audit
// entry (as json.Marshal of auditItem's struct).
func appendAuditItemJSON(b []byte, d *Decision, sumHex []byte) []byte {
	b = append(b, `{"actor":`...)
	b = appendJSONString(b, d.Actor)
	b = append(b, `,"bodySha256":"`...)
	b = append(b, sumHex...) // hex digits: nothing to escape
	b = append(b, '"')
	b = append(b, `,"id":`...)
	b = appendJSONString(b, d.ID)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, d.Kind)
	if d.Subject != "" {
		b = append(b, `,"subject":`...)
		b = appendJSONString(b, d.Subject)
	}
	b = append(b, `,"use":`...)
	b = appendJSONString(b, string(d.Use))
	b = append(b, `,"verdict":`...)
	b = appendJSONString(b, string(d.Verdict))
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// jsonPlain marks the bytes a JSON string holds as they are: ASCII from
// space on, but for " \ < > & (which encoding/json escapes).
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// appendJSONString appends s as a JSON string the way encoding/json does
// (HTML characters escaped, invalid UTF-8 replaced, U+2028 and U+2029
// escaped).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if jsonPlain[s[i]] {
			i++
			continue
		}
		if c := s[i]; c < utf8.RuneSelf { // not plain: escaped
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// sameMap reports whether a and b are the same map (not equal ones).
func sameMap(a, b map[string]string) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// appendRFC3339Nano appends t as t.AppendFormat(b, time.RFC3339Nano) does,
// by hand for a UTC time of years 0-9999 (a decision's: the layout's
// general parser was a sixtieth of an address screening's time) and
// through AppendFormat otherwise.
func appendRFC3339Nano(b []byte, t time.Time) []byte {
	year, month, day := t.Date()
	if t.Location() != time.UTC || year < 0 || year > 9999 {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	hour, minute, sec := t.Clock()
	b = append(b, byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' {
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z')
}
