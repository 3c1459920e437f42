package tracing

import (
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

func TestTraceTypeNames(t *testing.T) {
	t.Parallel()
	for _, ty := range []TraceType{TraceCall, TraceCreate, TraceSuicide, TraceReward} {
		got, err := ParseTraceType(ty.String())
		if err != nil || got != ty {
			t.Errorf("%s: got %v, %v", ty, got, err)
		}
	}
	for _, c := range []CallType{CallNone, CallPlain, CallCode, CallDelegate, CallStatic} {
		got, err := ParseCallType(c.String())
		if err != nil || got != c {
			t.Errorf("%q: got %v, %v", c, got, err)
		}
	}
	if _, err := ParseTraceType("selfdestruct"); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("unknown trace type: %v", err)
	}
	if _, err := ParseCallType("CALL"); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("unknown call type: %v", err)
	}
	if TraceType(9).String() != "trace-type(9)" || CallType(9).String() != "call-type(9)" {
		t.Error("unknown types' names")
	}
}

// TestMarkReverted: a failed frame reverts its subtree, in any order and
// with other transactions' rows in between, and nothing else.
func TestMarkReverted(t *testing.T) {
	t.Parallel()
	row := func(tx uint32, err string, path ...uint32) Frame {
		if path == nil {
			path = []uint32{}
		}
		return Frame{Block: 1, TxIndex: tx, Type: TraceCall, CallType: CallPlain, TraceAddress: path, Error: err}
	}
	trs := []Frame{
		row(0, "", 1, 0, 2), // under the failed [1 0], listed first
		row(0, ""),
		row(0, "", 1),
		row(1, "", 1, 0, 5), // another transaction: same path, not failed
		row(0, "Reverted", 1, 0),
		row(0, "", 1, 1),
		row(0, "", 1, 0),     // the same path as the failed frame (a second row of it)
		row(0, "", 10, 0, 3), // [10 …] does not start with [1 0]
		{Block: 1, Type: TraceReward, Error: "odd"},
		row(2, "out of gas"),
		row(2, "", 0),
	}
	MarkReverted(trs)
	var got []bool
	for _, tr := range trs {
		got = append(got, tr.Reverted)
	}
	want := []bool{true, false, false, false, true, false, true, false, false, true, true}
	if !slices.Equal(got, want) {
		t.Fatalf("reverted = %v, want %v", got, want)
	}
}

func TestTraceTransfer(t *testing.T) {
	t.Parallel()
	a, b := common.Address{1}, common.Address{2}
	base := Frame{Block: 3, TxIndex: 4, TxHash: common.Hash{5}, From: a, To: b, Value: *uint256.NewInt(7)}
	with := func(f func(*Frame)) Frame { c := base; c.TraceAddress = []uint32{}; f(&c); return c }
	cases := []struct {
		name string
		tr   Frame
		kind Kind // 0: no transfer
		err  string
	}{
		{"top-level call", with(func(c *Frame) { c.Type, c.CallType = TraceCall, CallPlain }), TopLevelCall, ""},
		{"internal call", with(func(c *Frame) { c.Type, c.CallType, c.TraceAddress = TraceCall, CallPlain, []uint32{0} }), InternalCall, ""},
		{"create", with(func(c *Frame) { c.Type = TraceCreate }), Create, ""},
		{"selfdestruct", with(func(c *Frame) { c.Type, c.TraceAddress = TraceSuicide, []uint32{2} }), SelfDestruct, ""},
		{"zero value", with(func(c *Frame) { c.Type, c.CallType = TraceCall, CallPlain; c.Value.Clear() }), 0, ""},
		{"failed", with(func(c *Frame) { c.Type, c.CallType, c.Error = TraceCall, CallPlain, "Reverted" }), 0, ""},
		{"reverted", with(func(c *Frame) { c.Type, c.CallType, c.Reverted = TraceCall, CallPlain, true }), 0, ""},
		{"delegatecall", with(func(c *Frame) { c.Type, c.CallType = TraceCall, CallDelegate }), 0, ""},
		{"staticcall", with(func(c *Frame) { c.Type, c.CallType = TraceCall, CallStatic }), 0, ""},
		{"callcode", with(func(c *Frame) { c.Type, c.CallType = TraceCall, CallCode }), 0, ""},
		{"reward", with(func(c *Frame) { c.Type = TraceReward }), 0, ""},
		{"incomplete selfdestruct", with(func(c *Frame) { c.Type, c.Incomplete = TraceSuicide, true }), 0, "beneficiary and amount are missing"},
		{"incomplete but reverted", with(func(c *Frame) { c.Type, c.Incomplete, c.Reverted = TraceSuicide, true, true }), 0, ""},
		{"unknown type", with(func(c *Frame) { c.Type = 9 }), 0, "unknown trace type 9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tf, ok, err := c.tr.Transfer(1, 99)
			if c.err != "" {
				if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), c.err) || ok {
					t.Fatalf("got %v, %v; want an invalid error containing %q", ok, err, c.err)
				}
				return
			}
			if err != nil || ok != (c.kind != 0) {
				t.Fatalf("got %+v, %v, %v; want kind %v", tf, ok, err, c.kind)
			}
			if !ok {
				return
			}
			if tf.Kind != c.kind || tf.From != a || tf.To != b || tf.Amount.Uint64() != 7 || tf.Time != 99 || tf.Block != 3 || tf.TxIndex != 4 ||
				tf.TxHash != (common.Hash{5}) || tf.Asset != NativeAsset(1) || !slices.Equal(tf.TraceAddress, c.tr.TraceAddress) {
				t.Fatalf("got %+v", tf)
			}
			if err := tf.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestIsPrecompile(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		a    string
		want bool
	}{
		{"0x0000000000000000000000000000000000000000", false},
		{"0x0000000000000000000000000000000000000001", true},
		{"0x000000000000000000000000000000000000000a", true},
		{"0x0000000000000000000000000000000000000011", true},
		{"0x0000000000000000000000000000000000000012", false},
		{"0x0000000000000000000000000000000000000100", true},
		{"0x0000000000000000000000000000000000000101", false},
		{"0x1000000000000000000000000000000000000001", false},
	} {
		if got := IsPrecompile(common.HexToAddress(c.a)); got != c.want {
			t.Errorf("IsPrecompile(%s) = %v, want %v", c.a, got, c.want)
		}
	}
}

// TestPrunePrecompileCalls: calls without value to precompiles below the
// transaction's frame go, the frames after them (and under those) are
// renumbered, level by level; a precompile call with value, the
// transaction's own call to a precompile and other transactions' rows
// stay as they were.
func TestPrunePrecompileCalls(t *testing.T) {
	t.Parallel()
	pre, other := common.HexToAddress("0x01"), common.Address{9}
	row := func(tx uint32, to common.Address, value uint64, path ...uint32) Frame {
		if path == nil {
			path = []uint32{}
		}
		return Frame{Block: 1, TxIndex: tx, Type: TraceCall, CallType: CallStatic, To: to, Value: *uint256.NewInt(value), TraceAddress: path}
	}
	trs := []Frame{
		row(0, other, 0),
		row(0, pre, 0, 0), // pruned
		row(0, other, 5, 1),
		row(0, pre, 0, 1, 0), // pruned
		row(0, other, 0, 1, 1),
		row(0, other, 0, 1, 1, 0),
		row(0, pre, 7, 2), // value: kept
		row(0, other, 0, 3),
		row(1, pre, 0), // a transaction's own call: kept
		row(1, other, 0, 0),
	}
	got := PrunePrecompileCalls(trs)
	want := [][]uint32{{}, {0}, {0, 0}, {0, 0, 0}, {1}, {2}, {}, {0}}
	if len(got) != len(want) {
		t.Fatalf("%d rows left, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !slices.Equal(got[i].TraceAddress, want[i]) {
			t.Errorf("row %d: trace address %v, want %v", i, got[i].TraceAddress, want[i])
		}
	}
	if got[4].To != pre || got[4].Value.Uint64() != 7 {
		t.Errorf("the precompile call with value: %+v", got[4])
	}
	// Nothing to prune: the same rows back.
	same := []Frame{row(0, other, 0), row(0, other, 1, 0)}
	if out := PrunePrecompileCalls(same); len(out) != 2 || &out[0] != &same[0] {
		t.Errorf("rows without precompile calls came back changed: %+v", out)
	}
}
