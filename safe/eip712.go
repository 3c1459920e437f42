package safe

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
)

// MaxTypedDataSize bounds the typed-data JSON ParseTypedData accepts.
const MaxTypedDataSize = 1 << 20

// maxTypedDepth bounds how deeply structs and arrays may nest.
const maxTypedDepth = 64

// maxSafeJSONInt is 2^53: JSON numbers beyond it are rounded by JavaScript
// wallets, so the hash they sign would differ from the number written.
var maxSafeJSONInt = new(big.Int).Lsh(big.NewInt(1), 53)

// TypedData is EIP-712 typed data as a wallet receives it for
// eth_signTypedData_v4: {"types", "primaryType", "domain", "message"}.
// Integers in Domain and Message are json.Number or strings.
type TypedData struct {
	Types       map[string][]TypedField
	PrimaryType string
	Domain      map[string]any
	Message     map[string]any

	field string // the input's name for errors, e.g. "--typed-data"
}

// TypedField is one member of a struct type.
type TypedField struct {
	Name string
	Type string
}

// TypedDataHashes are the hashes of EIP-712 typed data.
type TypedDataHashes struct {
	// DomainHash is hashStruct(EIP712Domain, domain), the domain separator.
	DomainHash common.Hash
	// MessageHash is hashStruct(primaryType, message).
	MessageHash common.Hash
	// Hash is keccak256(0x19 ‖ 0x01 ‖ DomainHash ‖ MessageHash): what is signed.
	Hash common.Hash
}

// ParseTypedData reads EIP-712 typed data from JSON: the object a wallet
// receives, or that object encoded as a JSON string (as eth_signTypedData_v4
// passes it). It checks the type definitions; values are checked when
// hashing. Errors name field (e.g. "--typed-data") and the JSON path at fault.
func ParseTypedData(field string, data []byte) (*TypedData, error) {
	if len(data) > MaxTypedDataSize {
		return nil, bulwark.Invalid(field, "typed data is %d bytes, more than the %d this accepts", len(data), MaxTypedDataSize)
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, bulwark.Invalid(field, "not valid JSON: %s", jsonErr(err))
	}
	if s, ok := v.(string); ok { // the object encoded as a JSON string
		if v, err = decodeJSON([]byte(s)); err != nil {
			return nil, bulwark.Invalid(field, "the JSON string does not hold valid JSON: %s", jsonErr(err))
		}
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, bulwark.Invalid(field, "want a JSON object with types, primaryType, domain and message, got %s", jsonKind(v))
	}
	td := &TypedData{Types: map[string][]TypedField{}, field: field}

	rawTypes, ok := top["types"].(map[string]any)
	if !ok {
		return nil, bulwark.Invalid(field, "types: want an object of struct definitions, got %s", jsonKind(top["types"]))
	}
	names := sortedKeys(rawTypes)
	for _, name := range names {
		def := rawTypes[name]
		if !isIdentifier(name) {
			return nil, bulwark.Invalid(field, "types: %s is not a valid type name", Quote(name))
		}
		if isAtomicName(name) {
			return nil, bulwark.Invalid(field, "types: %s is an atomic type and cannot be redefined", Quote(name))
		}
		list, ok := def.([]any)
		if !ok {
			return nil, bulwark.Invalid(field, "types.%s: want an array of {name, type}, got %s", name, jsonKind(def))
		}
		seen := map[string]bool{}
		fields := make([]TypedField, 0, len(list))
		for i, item := range list {
			obj, ok := item.(map[string]any)
			fname, ok1 := obj["name"].(string)
			ftype, ok2 := obj["type"].(string)
			if !ok || !ok1 || !ok2 {
				return nil, bulwark.Invalid(field, "types.%s[%d]: want {\"name\": …, \"type\": …} with string values", name, i)
			}
			if !isIdentifier(fname) {
				return nil, bulwark.Invalid(field, "types.%s[%d]: %s is not a valid field name", name, i, Quote(fname))
			}
			if seen[fname] {
				return nil, bulwark.Invalid(field, "types.%s: field %s is defined twice", name, fname)
			}
			seen[fname] = true
			fields = append(fields, TypedField{Name: fname, Type: ftype})
		}
		td.Types[name] = fields
	}
	for _, name := range names {
		for i, f := range td.Types[name] {
			if err := td.checkType(f.Type); err != nil {
				return nil, bulwark.Invalid(field, "types.%s[%d] (%s): %s", name, i, f.Name, err)
			}
		}
	}
	if _, ok := td.Types["EIP712Domain"]; !ok {
		return nil, bulwark.Invalid(field, "types: EIP712Domain is not defined; typed data for signing must define its domain type")
	}

	td.PrimaryType, ok = top["primaryType"].(string)
	if !ok || td.PrimaryType == "" {
		return nil, bulwark.Invalid(field, "primaryType: want the name of the signed struct type, got %s", jsonKind(top["primaryType"]))
	}
	if td.PrimaryType == "EIP712Domain" {
		return nil, bulwark.Invalid(field, "primaryType EIP712Domain (a domain-only signature) is not supported")
	}
	if _, ok := td.Types[td.PrimaryType]; !ok {
		return nil, bulwark.Invalid(field, "primaryType %s is not defined in types", Quote(td.PrimaryType))
	}
	if td.Domain, ok = top["domain"].(map[string]any); !ok {
		return nil, bulwark.Invalid(field, "domain: want an object, got %s", jsonKind(top["domain"]))
	}
	if td.Message, ok = top["message"].(map[string]any); !ok {
		return nil, bulwark.Invalid(field, "message: want an object, got %s", jsonKind(top["message"]))
	}
	return td, nil
}

func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

func jsonErr(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " at byte " + strconv.FormatInt(se.Offset, 10)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "nothing"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return "an unexpected value"
}

// Hash computes the domain hash, the message hash and the EIP-712 hash of
// td as eth_signTypedData_v4 defines them. Every field of a struct must be
// present, no other keys may be present, integers must fit their type, and
// bytes must be 0x-hex: data a wallet might read differently is refused
// rather than guessed at.
func (td *TypedData) Hash() (TypedDataHashes, error) {
	h := typedHasher{td: td, typeHashes: map[string]common.Hash{}}
	domain, err := h.hashStruct("EIP712Domain", td.Domain, "domain", 0)
	if err != nil {
		return TypedDataHashes{}, err
	}
	message, err := h.hashStruct(td.PrimaryType, td.Message, "message", 0)
	if err != nil {
		return TypedDataHashes{}, err
	}
	return TypedDataHashes{DomainHash: domain, MessageHash: message, Hash: TypedHash(domain, message)}, nil
}

// EncodeType returns the EIP-712 encodeType string of a struct type: the
// type followed by the types it references, sorted by name.
func (td *TypedData) EncodeType(name string) string {
	deps := map[string]bool{}
	td.collect(name, deps)
	delete(deps, name)
	others := make([]string, 0, len(deps))
	for d := range deps {
		others = append(others, d)
	}
	sort.Strings(others)
	var b strings.Builder
	for _, t := range append([]string{name}, others...) {
		b.WriteString(t)
		b.WriteByte('(')
		for i, f := range td.Types[t] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.Type)
			b.WriteByte(' ')
			b.WriteString(f.Name)
		}
		b.WriteByte(')')
	}
	return b.String()
}

func (td *TypedData) collect(name string, seen map[string]bool) {
	if seen[name] {
		return
	}
	if _, ok := td.Types[name]; !ok {
		return
	}
	seen[name] = true
	for _, f := range td.Types[name] {
		td.collect(baseType(f.Type), seen)
	}
}

// baseType strips every array suffix: "Person[2][]" → "Person".
func baseType(t string) string {
	if i := strings.IndexByte(t, '['); i >= 0 {
		return t[:i]
	}
	return t
}

// checkType checks a field type: atomic or a defined struct, with
// well-formed array suffixes.
func (td *TypedData) checkType(t string) error {
	base := baseType(t)
	for rest := t[len(base):]; rest != ""; {
		end := strings.IndexByte(rest, ']')
		if rest[0] != '[' || end < 0 {
			return errors.New("malformed array type " + Quote(t))
		}
		if n := rest[1:end]; n != "" {
			if _, err := arrayLen(n); err != nil {
				return errors.New("array length in " + Quote(t) + " " + err.Error())
			}
		}
		rest = rest[end+1:]
	}
	if _, ok := td.Types[base]; ok {
		return nil
	}
	if _, err := atomicKind(base); err != nil {
		return err
	}
	return nil
}

func arrayLen(n string) (int, error) {
	if len(n) > 6 || n[0] == '0' {
		return 0, errors.New("must be a number from 1 to 999999")
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return 0, errors.New("must be a number from 1 to 999999")
		}
	}
	return strconv.Atoi(n)
}

type atomic struct {
	kind   string // "address", "bool", "string", "bytes", "bytesN", "uint", "int"
	size   int    // N of bytesN (bytes); bits of uintN/intN
	signed bool
}

func isAtomicName(name string) bool {
	_, err := atomicKind(name)
	return err == nil
}

func atomicKind(t string) (atomic, error) {
	switch t {
	case "address", "bool", "string", "bytes":
		return atomic{kind: t}, nil
	case "int", "uint":
		return atomic{}, errors.New("type " + t + " has no size in EIP-712: write " + t + "256")
	}
	if n, ok := strings.CutPrefix(t, "bytes"); ok {
		size, err := strconv.Atoi(n)
		if err != nil || size < 1 || size > 32 || strconv.Itoa(size) != n {
			return atomic{}, errors.New("unknown type " + Quote(t) + " (bytesN has N from 1 to 32)")
		}
		return atomic{kind: "bytesN", size: size}, nil
	}
	for _, p := range []string{"uint", "int"} {
		if n, ok := strings.CutPrefix(t, p); ok {
			bits, err := strconv.Atoi(n)
			if err != nil || bits < 8 || bits > 256 || bits%8 != 0 || strconv.Itoa(bits) != n {
				return atomic{}, errors.New("unknown type " + Quote(t) + " (" + p + "N has N from 8 to 256 in steps of 8)")
			}
			return atomic{kind: p, size: bits, signed: p == "int"}, nil
		}
	}
	return atomic{}, errors.New("unknown type " + Quote(t) + ": not an EIP-712 atomic type and not defined in types")
}

type typedHasher struct {
	td         *TypedData
	typeHashes map[string]common.Hash
}

func (h *typedHasher) invalid(path, format string, args ...any) error {
	field := h.td.field
	if field == "" {
		field = "typedData"
	}
	return bulwark.Invalid(field, path+": "+format, args...)
}

func (h *typedHasher) typeHash(name string) common.Hash {
	if th, ok := h.typeHashes[name]; ok {
		return th
	}
	th := crypto.Keccak256Hash([]byte(h.td.EncodeType(name)))
	h.typeHashes[name] = th
	return th
}

func (h *typedHasher) hashStruct(name string, v any, path string, depth int) (common.Hash, error) {
	if depth > maxTypedDepth {
		return common.Hash{}, h.invalid(path, "nested more than %d levels deep", maxTypedDepth)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return common.Hash{}, h.invalid(path, "want an object of type %s, got %s", name, jsonKind(v))
	}
	fields := h.td.Types[name]
	for _, key := range sortedKeys(obj) {
		if !hasField(fields, key) {
			return common.Hash{}, h.invalid(path, "%s is not a field of %s, so it would not be signed; remove it or add it to the type", Quote(key), name)
		}
	}
	th := h.typeHash(name)
	enc := make([]byte, 32*(1+len(fields)))
	copy(enc, th[:])
	for i, f := range fields {
		val, ok := obj[f.Name]
		if !ok || val == nil {
			return common.Hash{}, h.invalid(path+"."+f.Name, "missing (a %s)", f.Type)
		}
		w, err := h.encodeValue(f.Type, val, path+"."+f.Name, depth+1)
		if err != nil {
			return common.Hash{}, err
		}
		copy(enc[32*(i+1):], w[:])
	}
	return crypto.Keccak256Hash(enc), nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func hasField(fields []TypedField, name string) bool {
	for _, f := range fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

func (h *typedHasher) encodeValue(t string, v any, path string, depth int) ([32]byte, error) {
	if depth > maxTypedDepth {
		return [32]byte{}, h.invalid(path, "nested more than %d levels deep", maxTypedDepth)
	}
	if strings.HasSuffix(t, "]") {
		open := strings.LastIndexByte(t, '[')
		elem, n := t[:open], t[open+1:len(t)-1]
		arr, ok := v.([]any)
		if !ok {
			return [32]byte{}, h.invalid(path, "want an array (%s), got %s", t, jsonKind(v))
		}
		if n != "" {
			if want, _ := arrayLen(n); len(arr) != want {
				return [32]byte{}, h.invalid(path, "%s has exactly %d elements, got %d", t, want, len(arr))
			}
		}
		buf := make([]byte, 0, 32*len(arr))
		for i, e := range arr {
			w, err := h.encodeValue(elem, e, path+"["+strconv.Itoa(i)+"]", depth+1)
			if err != nil {
				return [32]byte{}, err
			}
			buf = append(buf, w[:]...)
		}
		return crypto.Keccak256Hash(buf), nil
	}
	if _, ok := h.td.Types[t]; ok {
		return h.hashStruct(t, v, path, depth)
	}
	a, err := atomicKind(t)
	if err != nil { // checked at parse time; kept for TypedData built by hand
		return [32]byte{}, h.invalid(path, "%s", err)
	}
	var w [32]byte
	switch a.kind {
	case "address":
		s, ok := v.(string)
		digits, ok2 := strings.CutPrefix(s, "0x")
		if !ok || !ok2 || len(digits) != 40 || nonHex(digits) >= 0 {
			return w, h.invalid(path, "want an address (0x and 40 hex digits), got %s", valueText(v))
		}
		copy(w[12:], common.HexToAddress(digits).Bytes())
	case "bool":
		b, ok := v.(bool)
		if !ok {
			return w, h.invalid(path, "want true or false, got %s", valueText(v))
		}
		if b {
			w[31] = 1
		}
	case "string":
		s, ok := v.(string)
		if !ok {
			return w, h.invalid(path, "want a string, got %s", valueText(v))
		}
		return crypto.Keccak256Hash([]byte(s)), nil
	case "bytes":
		b, err := typedHex(v)
		if err != nil {
			return w, h.invalid(path, "want 0x-prefixed hex bytes, got %s", valueText(v))
		}
		return crypto.Keccak256Hash(b), nil
	case "bytesN":
		b, err := typedHex(v)
		if err != nil || len(b) != a.size {
			return w, h.invalid(path, "want bytes%d: 0x and exactly %d hex digits, got %s", a.size, 2*a.size, valueText(v))
		}
		copy(w[:], b)
	case "uint", "int":
		n, err := typedInt(v)
		if err != nil {
			return w, h.invalid(path, "%s", err)
		}
		if err := fitsInt(n, a.size, a.signed); err != nil {
			return w, h.invalid(path, "%s does not fit %s: %s", n, t, err)
		}
		if n.Sign() < 0 { // two's complement over 256 bits
			n = new(big.Int).Add(n, new(big.Int).Lsh(big.NewInt(1), 256))
		}
		n.FillBytes(w[:])
	}
	return w, nil
}

func typedHex(v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok {
		return nil, errors.New("not a string")
	}
	digits, ok := strings.CutPrefix(s, "0x")
	if !ok || len(digits)%2 != 0 || nonHex(digits) >= 0 {
		return nil, errors.New("not hex")
	}
	out := make([]byte, len(digits)/2)
	for i := range out {
		out[i] = unhex(digits[2*i])<<4 | unhex(digits[2*i+1])
	}
	return out, nil
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// typedInt reads an integer value: a JSON integer literal within ±2^53, or
// a string in decimal (optionally negative) or 0x-hex.
func typedInt(v any) (*big.Int, error) {
	switch x := v.(type) {
	case json.Number:
		s := string(x)
		if len(s) > 80 || strings.ContainsAny(s, ".eE") {
			return nil, errors.New("want an integer, got the number " + Quote(s))
		}
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, errors.New("want an integer, got the number " + Quote(s))
		}
		if new(big.Int).Abs(n).Cmp(maxSafeJSONInt) > 0 {
			return nil, errors.New("the JSON number " + s + " is beyond 2^53, which JavaScript wallets round; write it as a string (\"" + s + "\") so the hash is unambiguous")
		}
		return n, nil
	case string:
		s := x
		if len(s) > 80 {
			return nil, errors.New("want an integer, got the string " + Quote(s))
		}
		neg := strings.HasPrefix(s, "-")
		digits := strings.TrimPrefix(s, "-")
		base := 10
		if rest, ok := strings.CutPrefix(digits, "0x"); ok {
			base, digits = 16, rest
			if neg || digits == "" || nonHex(digits) >= 0 {
				return nil, errors.New("want an integer, got the string " + Quote(s))
			}
		} else if digits == "" || strings.Trim(digits, "0123456789") != "" {
			return nil, errors.New("want an integer, got the string " + Quote(s))
		}
		n, ok := new(big.Int).SetString(digits, base)
		if !ok {
			return nil, errors.New("want an integer, got the string " + Quote(s))
		}
		if neg {
			n.Neg(n)
		}
		return n, nil
	}
	return nil, errors.New("want an integer (a number or a decimal or 0x-hex string), got " + jsonKind(v))
}

func fitsInt(n *big.Int, bits int, signed bool) error {
	if !signed {
		if n.Sign() < 0 {
			return errors.New("negative")
		}
		if n.BitLen() > bits {
			return errors.New("too large")
		}
		return nil
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(bits-1))
	if n.Cmp(limit) >= 0 || n.Cmp(new(big.Int).Neg(limit)) < 0 {
		return errors.New("out of range")
	}
	return nil
}

// valueText renders a JSON value for an error message.
func valueText(v any) string {
	switch x := v.(type) {
	case string:
		return Quote(x)
	case json.Number:
		return Quote(string(x))
	case bool:
		return strconv.FormatBool(x)
	}
	return jsonKind(v)
}

// isIdentifier reports whether s is a Solidity-style identifier, which keeps
// encodeType strings unambiguous.
func isIdentifier(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}
