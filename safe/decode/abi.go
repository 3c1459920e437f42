package decode

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// A small, strict Solidity ABI decoder for the functions Bulwark declares
// (abis.go). It is written for hostile input: every offset and length is
// checked against the data before it is used, nothing is copied (byte values
// alias the input), every element and byte decoded is charged to a budget, and
// values the Solidity ABI v2 decoder would refuse (dirty address or integer
// bits, a bool other than 0 or 1) are refused with the byte offset at fault
// instead of being masked the way older compilers did: a decoder that shows
// a cleaned value the contract may read differently would be guessing.

type abiKind uint8

const (
	abiAddress abiKind = iota
	abiBool
	abiUint
	abiInt
	abiBytes      // dynamic bytes
	abiString     // dynamic string: bytes shown as text
	abiFixedBytes // bytes1 … bytes32
	abiSlice      // T[]
	abiTuple      // (T1,T2,…)
)

// abiType is a parsed ABI type. size is the bit width of uintN/intN or the
// byte width of bytesN.
type abiType struct {
	kind   abiKind
	size   int
	elem   *abiType
	fields []abiParam
	str    string // canonical form, e.g. "(address,bool,bytes)[]"
	dyn    bool
	head   int // bytes the type takes in its enclosing head
}

// abiParam is a named parameter or tuple component.
type abiParam struct {
	name string
	typ  *abiType
}

// abiFunc is a parsed function declaration.
type abiFunc struct {
	name     string
	params   []abiParam
	sig      string // canonical signature, e.g. "transfer(address,uint256)"
	selector [4]byte
}

// parseFunc parses a declaration such as
// "aggregate3((address target,bool allowFailure,bytes callData)[] calls)".
// Only the types Bulwark's declarations use are accepted.
func parseFunc(decl string) (*abiFunc, error) {
	open := strings.IndexByte(decl, '(')
	if open <= 0 || !strings.HasSuffix(decl, ")") {
		return nil, fmt.Errorf("declaration %q: want name(type name,…)", decl)
	}
	p := &sigParser{s: decl, i: open}
	params, err := p.tuple()
	if err != nil {
		return nil, fmt.Errorf("declaration %q: %v", decl, err)
	}
	if p.i != len(decl) {
		return nil, fmt.Errorf("declaration %q: trailing text at %d", decl, p.i)
	}
	f := &abiFunc{name: decl[:open], params: params}
	f.sig = f.name + tupleString(params)
	copy(f.selector[:], crypto.Keccak256([]byte(f.sig)))
	return f, nil
}

type sigParser struct {
	s string
	i int
}

// tuple parses "(param,param,…)" starting at the opening parenthesis.
func (p *sigParser) tuple() ([]abiParam, error) {
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, fmt.Errorf("want '(' at %d", p.i)
	}
	p.i++
	var out []abiParam
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return out, nil
	}
	for {
		t, err := p.typ()
		if err != nil {
			return nil, err
		}
		name := ""
		if p.i < len(p.s) && p.s[p.i] == ' ' {
			p.i++
			start := p.i
			for p.i < len(p.s) && (isIdent(p.s[p.i])) {
				p.i++
			}
			name = p.s[start:p.i]
		}
		out = append(out, abiParam{name: name, typ: t})
		if p.i >= len(p.s) {
			return nil, fmt.Errorf("unterminated parameter list")
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ')':
			p.i++
			return out, nil
		default:
			return nil, fmt.Errorf("unexpected %q at %d", p.s[p.i], p.i)
		}
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *sigParser) typ() (*abiType, error) {
	var t *abiType
	if p.i < len(p.s) && p.s[p.i] == '(' {
		fields, err := p.tuple()
		if err != nil {
			return nil, err
		}
		t = newTuple(fields)
	} else {
		start := p.i
		for p.i < len(p.s) && isIdent(p.s[p.i]) {
			p.i++
		}
		var err error
		if t, err = elementary(p.s[start:p.i]); err != nil {
			return nil, err
		}
	}
	for strings.HasPrefix(p.s[p.i:], "[]") {
		p.i += 2
		t = &abiType{kind: abiSlice, elem: t, str: t.str + "[]", dyn: true, head: 32}
	}
	return t, nil
}

func newTuple(fields []abiParam) *abiType {
	t := &abiType{kind: abiTuple, fields: fields, str: tupleString(fields)}
	for _, f := range fields {
		t.dyn = t.dyn || f.typ.dyn
		t.head += f.typ.head
	}
	if t.dyn {
		t.head = 32
	}
	return t
}

func tupleString(fields []abiParam) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f.typ.str
	}
	return "(" + strings.Join(parts, ",") + ")"
}

func elementary(s string) (*abiType, error) {
	switch {
	case s == "address":
		return &abiType{kind: abiAddress, str: s, head: 32}, nil
	case s == "bool":
		return &abiType{kind: abiBool, str: s, head: 32}, nil
	case s == "bytes":
		return &abiType{kind: abiBytes, str: s, dyn: true, head: 32}, nil
	case s == "string":
		return &abiType{kind: abiString, str: s, dyn: true, head: 32}, nil
	case strings.HasPrefix(s, "bytes"):
		n, err := strconv.Atoi(s[5:])
		if err != nil || n < 1 || n > 32 {
			return nil, fmt.Errorf("bad type %q", s)
		}
		return &abiType{kind: abiFixedBytes, size: n, str: s, head: 32}, nil
	case strings.HasPrefix(s, "uint"), strings.HasPrefix(s, "int"):
		kind, digits := abiUint, strings.TrimPrefix(s, "uint")
		if !strings.HasPrefix(s, "uint") {
			kind, digits = abiInt, strings.TrimPrefix(s, "int")
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n < 8 || n > 256 || n%8 != 0 {
			return nil, fmt.Errorf("bad type %q (write uint256, not uint)", s)
		}
		return &abiType{kind: kind, size: n, str: s, head: 32}, nil
	}
	return nil, fmt.Errorf("unsupported type %q", s)
}

// Arg is one decoded argument (or tuple component). Value holds, by ABI type:
// common.Address for address, *big.Int for uintN and intN, bool for bool,
// []byte for bytes and bytesN (aliasing the decoded calldata), string for
// string (its bytes as they are, UTF-8 or not), []any for T[] and []Arg for
// a tuple.
type Arg struct {
	Name  string
	Type  string
	Value any
	pos   int // offset of the value's encoding in the call's data
}

// abiDecoder decodes from buf; base is the offset of buf[0] within the
// call's data (4, after the selector), for error messages. budget is
// charged one unit per byte and 32 per element decoded.
type abiDecoder struct {
	buf    []byte
	base   int
	budget *int
	// end is one past the last byte a value was read from (bytes and
	// strings with their padding): what follows it are trailing bytes.
	end int
}

// abiError is a decoding failure at a byte offset of the call's data.
type abiError struct {
	what string // e.g. "argument calls[2].callData"
	msg  string
}

func (e *abiError) Error() string {
	if e.what == "" {
		return e.msg
	}
	return e.what + ": " + e.msg
}

func (d *abiDecoder) fail(at int, format string, args ...any) error {
	return &abiError{msg: fmt.Sprintf("at byte %d: ", d.base+at) + fmt.Sprintf(format, args...)}
}

// within prefixes err with the path of the value that failed.
func within(err error, what string) error {
	if e, ok := err.(*abiError); ok {
		if e.what == "" {
			e.what = what
		} else if strings.HasPrefix(e.what, "[") {
			e.what = what + e.what
		} else {
			e.what = what + "." + e.what
		}
		return e
	}
	return err
}

func (d *abiDecoder) charge(at, n int) error {
	*d.budget -= n
	if *d.budget < 0 {
		return d.fail(at, "decoding budget exhausted: the calldata makes its values overlap or repeat far beyond its own size")
	}
	return nil
}

// word returns the 32-byte word at buf[at:].
func (d *abiDecoder) word(at int) ([]byte, error) {
	if at < 0 || at > len(d.buf)-32 {
		return nil, d.fail(at, "truncated: a 32-byte word needs bytes %d–%d, the data ends at byte %d", d.base+at, d.base+at+31, d.base+len(d.buf))
	}
	d.end = max(d.end, at+32)
	return d.buf[at : at+32], nil
}

// smallInt reads the word at buf[at:] as an offset or length that must lie
// within the data.
func (d *abiDecoder) smallInt(at int, what string) (int, error) {
	w, err := d.word(at)
	if err != nil {
		return 0, err
	}
	for _, b := range w[:24] {
		if b != 0 {
			return 0, d.fail(at, "%s 0x%x is beyond the end of the calldata (%d bytes)", what, new(big.Int).SetBytes(w), d.base+len(d.buf))
		}
	}
	var n uint64
	for _, b := range w[24:] {
		n = n<<8 | uint64(b)
	}
	if n > uint64(len(d.buf)) {
		return 0, d.fail(at, "%s %d is beyond the end of the calldata (%d bytes)", what, n, d.base+len(d.buf))
	}
	return int(n), nil
}

// tuple decodes params whose encoding starts at buf[at:]; dynamic values'
// offsets are relative to at.
func (d *abiDecoder) tuple(params []abiParam, at int) ([]Arg, error) {
	out := make([]Arg, len(params))
	head := at
	for i, p := range params {
		v, pos, err := d.value(p.typ, at, head)
		if err != nil {
			name := p.name
			if name == "" {
				name = "#" + strconv.Itoa(i)
			}
			return nil, within(err, name)
		}
		out[i] = Arg{Name: p.name, Type: p.typ.str, Value: v, pos: d.base + pos}
		head += p.typ.head
	}
	return out, nil
}

// value decodes a value of type t whose head slot is buf[head:] in a tuple
// that starts at at. It returns the value and the offset of its encoding.
func (d *abiDecoder) value(t *abiType, at, head int) (any, int, error) {
	if err := d.charge(head, 32); err != nil {
		return nil, head, err
	}
	if !t.dyn {
		v, err := d.static(t, head)
		return v, head, err
	}
	off, err := d.smallInt(head, "offset")
	if err != nil {
		return nil, head, err
	}
	pos := at + off
	if pos > len(d.buf) {
		return nil, head, d.fail(head, "offset %d points past the end of the data (byte %d)", off, d.base+len(d.buf))
	}
	switch t.kind {
	case abiBytes, abiString:
		n, err := d.smallInt(pos, "length")
		if err != nil {
			return nil, pos, err
		}
		start := pos + 32
		if n > len(d.buf)-start {
			return nil, pos, d.fail(pos, "length %d runs past the end of the data: %d bytes follow", n, len(d.buf)-start)
		}
		if err := d.charge(pos, n); err != nil {
			return nil, pos, err
		}
		d.end = max(d.end, start+(n+31)/32*32)
		if t.kind == abiString {
			return string(d.buf[start : start+n]), start, nil
		}
		return d.buf[start : start+n : start+n], start, nil
	case abiSlice:
		n, err := d.smallInt(pos, "length")
		if err != nil {
			return nil, pos, err
		}
		start := pos + 32
		if n > (len(d.buf)-start)/t.elem.head {
			return nil, pos, d.fail(pos, "array length %d needs %d bytes of heads, %d follow", n, n*t.elem.head, len(d.buf)-start)
		}
		elems := make([]any, n)
		for i := range elems {
			v, _, err := d.value(t.elem, start, start+i*t.elem.head)
			if err != nil {
				return nil, pos, within(err, "["+strconv.Itoa(i)+"]")
			}
			elems[i] = v
		}
		return elems, pos, nil
	case abiTuple:
		args, err := d.tuple(t.fields, pos)
		return args, pos, err
	}
	return nil, pos, d.fail(pos, "unsupported dynamic type %s", t.str)
}

// static decodes a static value at buf[at:].
func (d *abiDecoder) static(t *abiType, at int) (any, error) {
	if t.kind == abiTuple {
		return d.tuple(t.fields, at)
	}
	w, err := d.word(at)
	if err != nil {
		return nil, err
	}
	switch t.kind {
	case abiAddress:
		if !allZero(w[:12]) {
			return nil, d.fail(at, "not a canonical address: the upper 12 bytes of the word are not zero")
		}
		return common.BytesToAddress(w[12:]), nil
	case abiBool:
		if !allZero(w[:31]) || w[31] > 1 {
			return nil, d.fail(at, "not a canonical bool: the word is neither 0 nor 1")
		}
		return w[31] == 1, nil
	case abiUint:
		if !allZero(w[:32-t.size/8]) {
			return nil, d.fail(at, "value does not fit a %s", t.str)
		}
		return new(big.Int).SetBytes(w), nil
	case abiInt:
		pad := w[:32-t.size/8]
		neg := w[32-t.size/8]&0x80 != 0
		for _, b := range pad {
			if neg && b != 0xff || !neg && b != 0 {
				return nil, d.fail(at, "value does not fit an %s (bad sign extension)", t.str)
			}
		}
		n := new(big.Int).SetBytes(w)
		if neg {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), 256))
		}
		return n, nil
	case abiFixedBytes:
		if !allZero(w[t.size:]) {
			return nil, d.fail(at, "not a canonical %s: the bytes after the first %d are not zero", t.str, t.size)
		}
		return w[:t.size:t.size], nil
	}
	return nil, d.fail(at, "unsupported type %s", t.str)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
