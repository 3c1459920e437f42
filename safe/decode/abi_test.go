package decode

import (
	"bytes"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// allTables is every declaration table, for tests that walk them all.
func allTables() []*fnTable {
	return []*fnTable{safeFns, multiSendFns, multiSendCallOnlyFns, signMessageLibFns, createCallFns, safeMigrationFns,
		safeToL2MigrationFns, safeToL2SetupFns, simulateTxAccessorFns, proxyFactoryFns, defaultCallbackHandlerFns,
		compatibilityFallbackHandlerFns, extensibleFallbackHandlerFns, tokenCallbackHandlerFns, tokenFns, multicall3Fns, controlFns, timelockFns}
}

// gethArguments converts a declaration's parameters into go-ethereum ABI
// arguments, an implementation independent of abi.go.
func gethArguments(t testing.TB, params []abiParam) abi.Arguments {
	t.Helper()
	var out abi.Arguments
	for i, p := range params {
		typ, comps := gethTypeString(p.typ)
		at, err := abi.NewType(typ, "", comps)
		if err != nil {
			t.Fatalf("abi.NewType(%s): %v", typ, err)
		}
		out = append(out, abi.Argument{Name: fmt.Sprintf("a%d", i), Type: at})
	}
	return out
}

func gethTypeString(t *abiType) (string, []abi.ArgumentMarshaling) {
	switch t.kind {
	case abiSlice:
		s, c := gethTypeString(t.elem)
		return s + "[]", c
	case abiTuple:
		var comps []abi.ArgumentMarshaling
		for i, f := range t.fields {
			s, c := gethTypeString(f.typ)
			comps = append(comps, abi.ArgumentMarshaling{Name: fmt.Sprintf("f%d", i), Type: s, Components: c})
		}
		return "tuple", comps
	}
	return t.str, nil
}

// randomValue fills a Go value of the type go-ethereum packs for typ.
func randomValue(r *rand.Rand, typ abi.Type) reflect.Value {
	v := reflect.New(typ.GetType()).Elem()
	switch typ.T {
	case abi.AddressTy:
		var a common.Address
		fillRandom(r, a[:])
		v.Set(reflect.ValueOf(a))
	case abi.BoolTy:
		v.SetBool(r.IntN(2) == 1)
	case abi.UintTy, abi.IntTy:
		b := make([]byte, typ.Size/8)
		fillRandom(r, b)
		n := new(big.Int).SetBytes(b)
		if typ.T == abi.IntTy && b[0]&0x80 != 0 {
			n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(typ.Size)))
		}
		switch v.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			v.SetUint(n.Uint64())
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			v.SetInt(n.Int64())
		default:
			v.Set(reflect.ValueOf(n))
		}
	case abi.BytesTy:
		b := make([]byte, r.IntN(80))
		fillRandom(r, b)
		v.SetBytes(b)
	case abi.StringTy:
		b := make([]byte, r.IntN(80))
		fillRandom(r, b)
		v.SetString(string(b))
	case abi.FixedBytesTy:
		b := make([]byte, typ.Size)
		fillRandom(r, b)
		reflect.Copy(v, reflect.ValueOf(b))
	case abi.SliceTy:
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := 0; i < n; i++ {
			s.Index(i).Set(randomValue(r, *typ.Elem))
		}
		v.Set(s)
	case abi.TupleTy:
		for i, et := range typ.TupleElems {
			v.Field(i).Set(randomValue(r, *et))
		}
	default:
		panic("unhandled type " + typ.String())
	}
	return v
}

func fillRandom(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
}

// sameValue compares a decoded value with the Go value go-ethereum packed.
func sameValue(got any, want reflect.Value, typ abi.Type) bool {
	switch typ.T {
	case abi.AddressTy:
		return got == want.Interface().(common.Address)
	case abi.BoolTy:
		return got == want.Bool()
	case abi.UintTy, abi.IntTy:
		g, ok := got.(*big.Int)
		if !ok {
			return false
		}
		switch want.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return g.IsUint64() && g.Uint64() == want.Uint()
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return g.IsInt64() && g.Int64() == want.Int()
		}
		return g.Cmp(want.Interface().(*big.Int)) == 0
	case abi.BytesTy:
		g, ok := got.([]byte)
		return ok && bytes.Equal(g, want.Bytes())
	case abi.StringTy:
		g, ok := got.(string)
		return ok && g == want.String()
	case abi.FixedBytesTy:
		g, ok := got.([]byte)
		w := make([]byte, want.Len())
		reflect.Copy(reflect.ValueOf(w), want)
		return ok && bytes.Equal(g, w)
	case abi.SliceTy:
		g, ok := got.([]any)
		if !ok || len(g) != want.Len() {
			return false
		}
		for i := range g {
			if !sameValue(g[i], want.Index(i), *typ.Elem) {
				return false
			}
		}
		return true
	case abi.TupleTy:
		g, ok := got.([]Arg)
		if !ok || len(g) != len(typ.TupleElems) {
			return false
		}
		for i, et := range typ.TupleElems {
			if !sameValue(g[i].Value, want.Field(i), *et) {
				return false
			}
		}
		return true
	}
	return false
}

// TestDeclarationsRoundTrip packs random arguments for every declared
// function with go-ethereum's ABI packer and decodes them with abi.go.
func TestDeclarationsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tbl := range allTables() {
		for _, def := range tbl.defs {
			args := gethArguments(t, def.fn.params)
			if got := crypto.Keccak256([]byte(def.fn.sig))[:4]; !bytes.Equal(got, def.fn.selector[:]) {
				t.Fatalf("%s: selector", def.fn.sig)
			}
			for round := 0; round < 20; round++ {
				vals := make([]any, len(args))
				for i, a := range args {
					vals[i] = randomValue(r, a.Type).Interface()
				}
				packed, err := args.Pack(vals...)
				if err != nil {
					t.Fatalf("%s: pack: %v", def.fn.sig, err)
				}
				budget := 1 << 20
				dec := abiDecoder{buf: packed, base: 4, budget: &budget}
				got, err := dec.tuple(def.fn.params, 0)
				if err != nil {
					t.Fatalf("%s.%s: decode of go-ethereum's encoding failed: %v", tbl.iface, def.fn.sig, err)
				}
				for i, a := range args {
					if !sameValue(got[i].Value, reflect.ValueOf(vals[i]), a.Type) {
						t.Fatalf("%s arg %d: decoded %v, packed %v", def.fn.sig, i, got[i].Value, vals[i])
					}
					if got[i].Type != def.fn.params[i].typ.str || got[i].Name != def.fn.params[i].name {
						t.Fatalf("%s arg %d: name/type %s %s", def.fn.sig, i, got[i].Name, got[i].Type)
					}
				}
				if def.staticSize >= 0 && def.staticSize != len(packed) {
					t.Fatalf("%s: static size %d, packed %d", def.fn.sig, def.staticSize, len(packed))
				}
			}
		}
	}
}

// TestABIRejects: values the Solidity ABI v2 decoder refuses, and offsets
// or lengths outside the data, are errors naming the byte offset.
func TestABIRejects(t *testing.T) {
	word := func(hexs string) []byte { return common.LeftPadBytes(common.FromHex(hexs), 32) }
	cat := func(ws ...[]byte) []byte { return bytes.Join(ws, nil) }
	fn := func(decl string) *abiFunc {
		f, err := parseFunc(decl)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, tc := range []struct {
		name, decl string
		data       []byte
		want       string
	}{
		{"dirty address", "f(address a)", cat(common.FromHex("0x01"), make([]byte, 31)), "a: at byte 4: not a canonical address"},
		{"bool 2", "f(bool b)", word("0x02"), "b: at byte 4: not a canonical bool"},
		{"uint8 overflow", "f(uint8 o)", word("0x0100"), "o: at byte 4: value does not fit a uint8"},
		{"int8 sign", "f(int8 i)", word("0x80"), "i: at byte 4: value does not fit an int8"},
		{"bytes4 padding", "f(bytes4 s)", cat(common.FromHex("0x1122334455"), make([]byte, 27)), "s: at byte 4: not a canonical bytes4"},
		{"short", "f(uint256 a,uint256 b)", word("0x01"), "b: at byte 36: truncated"},
		{"offset past end", "f(bytes d)", word("0x40"), "d: at byte 4: offset 64 is beyond the end of the calldata (36 bytes)"},
		{"huge offset", "f(bytes d)", word("0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"), "d: at byte 4: offset 0xffff"},
		{"length past end", "f(bytes d)", cat(word("0x20"), word("0x21"), make([]byte, 32)), "d: at byte 36: length 33 runs past the end"},
		{"huge length", "f(bytes d)", cat(word("0x20"), word("0xffffffffffffffffffffffffffffffff")), "d: at byte 36: length 0xffff"},
		{"array too long", "f(address[] a)", cat(word("0x20"), word("0x02"), word("0x01")), "a: at byte 36: array length 2 needs 64 bytes of heads, 32 follow"},
		{"nested", "f((address t,bytes c)[] calls)", cat(word("0x20"), word("0x01"), word("0x20"), word("0x01"), word("0x40"), word("0x05")), "calls[0].c: at byte 164: length 5 runs past the end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			budget := 1 << 20
			d := abiDecoder{buf: tc.data, base: 4, budget: &budget}
			_, err := d.tuple(fn(tc.decl).params, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// TestABIBudget: offsets that make every element alias the same bytes are
// charged per element, so the work stays proportional to the input.
func TestABIBudget(t *testing.T) {
	f, _ := parseFunc("f((address t,bytes c)[] calls)")
	n := 2000
	payload := 4096
	// calls: n tuples, every head pointing at one shared tuple.
	var buf []byte
	w := func(v int) { buf = append(buf, common.LeftPadBytes(big.NewInt(int64(v)).Bytes(), 32)...) }
	w(0x20)
	w(n)
	shared := n * 32 // relative to the start of the heads
	for i := 0; i < n; i++ {
		w(shared)
	}
	w(1)    // t
	w(0x40) // offset of c within the tuple
	w(payload)
	buf = append(buf, make([]byte, payload)...)
	budget := 64*len(buf) + 64<<10
	d := abiDecoder{buf: buf, base: 4, budget: &budget}
	_, err := d.tuple(f.params, 0)
	if err == nil || !strings.Contains(err.Error(), "budget") {
		t.Fatalf("aliased payloads decoded without exhausting the budget: %v", err)
	}
}

func TestParseFuncRejects(t *testing.T) {
	for _, decl := range []string{"f(uint)", "f(fixed128x18 s)", "f(address", "(address a)", "f(address a)x", "f(bytes33 b)", "f(uint7 a)"} {
		if _, err := parseFunc(decl); err == nil {
			t.Errorf("parseFunc(%q) accepted", decl)
		}
	}
}
