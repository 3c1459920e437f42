package tracing

import (
	"slices"
	"strconv"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// TraceType is the kind of a row of a block's traces, as Parity-style
// trace_block and ethereum-etl's traces table name it.
type TraceType uint8

// Trace types.
const (
	// TraceCall is a message call (CALL, CALLCODE, DELEGATECALL or
	// STATICCALL; see CallType), the transaction's own included.
	TraceCall TraceType = iota + 1
	// TraceCreate is a contract creation (CREATE, CREATE2, or a
	// contract-creation transaction).
	TraceCreate
	// TraceSuicide is a SELFDESTRUCT: the contract's balance sent to its
	// beneficiary.
	TraceSuicide
	// TraceReward is a block or uncle reward (before the merge): new coin,
	// not a transfer.
	TraceReward
)

var traceTypeNames = [...]string{TraceCall: "call", TraceCreate: "create", TraceSuicide: "suicide", TraceReward: "reward"}

// String returns the type's name: call, create, suicide or reward.
func (t TraceType) String() string {
	if t >= TraceCall && int(t) < len(traceTypeNames) {
		return traceTypeNames[t]
	}
	return "trace-type(" + strconv.Itoa(int(t)) + ")"
}

// ParseTraceType reads a trace type's name as written by TraceType.String
// (Parity's and ethereum-etl's names).
func ParseTraceType(s string) (TraceType, error) {
	for t, name := range traceTypeNames {
		if name != "" && name == s {
			return TraceType(t), nil
		}
	}
	return 0, bulwark.Invalid("trace_type", "unknown trace type %q: use call, create, suicide or reward", s)
}

// CallType is the opcode of a TraceCall.
type CallType uint8

// Call types. CallNone is for the trace types other than TraceCall.
const (
	CallNone CallType = iota
	CallPlain
	CallCode
	CallDelegate
	CallStatic
)

var callTypeNames = [...]string{CallNone: "", CallPlain: "call", CallCode: "callcode", CallDelegate: "delegatecall", CallStatic: "staticcall"}

// String returns the call type's name as Parity writes it: call, callcode,
// delegatecall, staticcall, or "" for CallNone.
func (c CallType) String() string {
	if int(c) < len(callTypeNames) {
		return callTypeNames[c]
	}
	return "call-type(" + strconv.Itoa(int(c)) + ")"
}

// ParseCallType reads a call type's name as written by CallType.String.
func ParseCallType(s string) (CallType, error) {
	for c, name := range callTypeNames {
		if name == s {
			return CallType(c), nil
		}
	}
	return 0, bulwark.Invalid("call_type", "unknown call type %q: use call, callcode, delegatecall, staticcall or leave it empty", s)
}

// Frame is one frame of a transaction's call tree (or a block reward), in
// the flat form of Parity-style trace_block and ethereum-etl's traces
// table. Node adapters and file readers produce Frames; [Frame.Transfer]
// turns the ones that move value into [Transfer]s, so every source follows
// the same rules.
type Frame struct {
	Block   uint64
	TxIndex uint32      // unused for rewards
	TxHash  common.Hash // zero for rewards
	Type    TraceType
	// CallType is the call's opcode for TraceCall, CallNone otherwise.
	CallType CallType
	// From is the caller (call), the creator (create) or the contract
	// destroyed (suicide). To is the callee, the contract created or the
	// beneficiary; for a reward, the block's or uncle's author. A call's To
	// is the account whose balance the call credits: for CALLCODE the
	// caller itself.
	From, To common.Address
	Value    uint256.Int
	// TraceAddress is the frame's path in the call tree: [] for the
	// transaction, [1 0] for the first subcall of its second subcall.
	TraceAddress []uint32
	// Error is the node's reason the frame failed ("" if it did not).
	Error string
	// Reverted is set by MarkReverted (or a source that states it, such as
	// ethereum-etl's status 0): the frame failed or an enclosing one did,
	// so nothing it did stands.
	Reverted bool
	// Incomplete is set when the source left out what the frame moved:
	// some geth versions' callTracer gives a SELFDESTRUCT frame without
	// beneficiary and value.
	Incomplete bool
}

// MarkReverted sets Reverted on every trace whose frame, or an enclosing
// frame of the same transaction, failed (Error not empty): a failed call
// undoes everything under it, whose own traces show no error. Traces of a
// transaction need not be adjacent or in order.
func MarkReverted(traces []Frame) {
	type txKey struct {
		block uint64
		tx    uint32
	}
	var failed map[txKey][][]uint32
	for i := range traces {
		t := &traces[i]
		if t.Error != "" && t.Type != TraceReward {
			if failed == nil {
				failed = map[txKey][][]uint32{}
			}
			k := txKey{t.Block, t.TxIndex}
			failed[k] = append(failed[k], t.TraceAddress)
		}
	}
	if failed == nil {
		return
	}
	for i := range traces {
		t := &traces[i]
		if t.Type == TraceReward || t.Reverted {
			continue
		}
		for _, f := range failed[txKey{t.Block, t.TxIndex}] {
			if len(f) <= len(t.TraceAddress) && slices.Equal(f, t.TraceAddress[:len(f)]) {
				t.Reverted = true
				break
			}
		}
	}
}

// Transfer returns the value the trace moved as a native transfer on
// chain at block time (Unix seconds), and false when it moved nothing:
//
//   - a call with value (TopLevelCall for trace address [], InternalCall
//     below), a create with value (Create) and a selfdestruct of a
//     non-empty balance (SelfDestruct) are transfers;
//   - failed or reverted frames (Error or Reverted set: run MarkReverted
//     first) moved nothing;
//   - DELEGATECALL and STATICCALL move no value (a delegate call's value is
//     its caller's, shown again), and CALLCODE runs another contract's code
//     in the caller's own account, so its value stays where it was;
//   - rewards are new coin, not a transfer, and are left out.
//
// An Incomplete selfdestruct that was not reverted is an error: its
// amount is unknown.
func (t *Frame) Transfer(chain uint64, time int64) (Transfer, bool, error) {
	if t.Error != "" || t.Reverted || t.Type == TraceReward {
		return Transfer{}, false, nil
	}
	var kind Kind
	switch t.Type {
	case TraceCall:
		if t.CallType != CallPlain {
			return Transfer{}, false, nil
		}
		kind = InternalCall
		if len(t.TraceAddress) == 0 {
			kind = TopLevelCall
		}
	case TraceCreate:
		kind = Create
	case TraceSuicide:
		if t.Incomplete {
			return Transfer{}, false, bulwark.Invalid("trace", "block %d transaction %d trace %v: the selfdestruct's beneficiary and amount are missing (an old geth callTracer leaves them out): trace the block with trace_block or a geth whose callTracer gives them", t.Block, t.TxIndex, t.TraceAddress)
		}
		kind = SelfDestruct
	default:
		return Transfer{}, false, bulwark.Invalid("trace_type", "block %d transaction %d trace %v: unknown trace type %d", t.Block, t.TxIndex, t.TraceAddress, int(t.Type))
	}
	if t.Value.IsZero() {
		return Transfer{}, false, nil
	}
	return Transfer{
		Chain: chain, Block: t.Block, TxIndex: t.TxIndex, TxHash: t.TxHash, Time: time, Kind: kind,
		TraceAddress: t.TraceAddress, From: t.From, To: t.To, Asset: NativeAsset(chain), Amount: t.Value,
	}, true, nil
}

// IsPrecompile reports whether a is one of Ethereum's precompiled
// contracts: 0x01 to 0x11 (ecrecover to the BLS12-381 operations of
// Prague) and 0x100 (P-256 verification, Osaka).
func IsPrecompile(a common.Address) bool {
	for _, b := range a[:18] {
		if b != 0 {
			return false
		}
	}
	n := uint16(a[18])<<8 | uint16(a[19])
	return n >= 1 && n <= 0x11 || n == 0x100
}

// PrunePrecompileCalls removes the calls without value to precompiled
// contracts below a transaction's own frame, and renumbers the trace
// addresses of the frames after them. Erigon, Reth and OpenEthereum leave
// such calls out of trace_block; geth's callTracer (and Anvil's
// trace_block) show them. Pruned, every source numbers a transaction's
// frames alike, so a transfer has the same trace address whichever node
// it came from. Such a call moves nothing; a call to a precompile with
// value moves value and is kept. It returns trs, shortened, and changes
// the trace addresses in place.
func PrunePrecompileCalls(trs []Frame) []Frame {
	type parent struct {
		block uint64
		tx    uint32
		path  string
	}
	key := func(t *Frame, n int) parent {
		b := make([]byte, 0, 4*n)
		for _, x := range t.TraceAddress[:n] {
			b = append(b, byte(x>>24), byte(x>>16), byte(x>>8), byte(x))
		}
		return parent{t.Block, t.TxIndex, string(b)}
	}
	prunable := func(t *Frame) bool {
		return t.Type == TraceCall && len(t.TraceAddress) > 0 && t.Value.IsZero() && IsPrecompile(t.To)
	}
	var dropped map[parent][]uint32
	for i := range trs {
		t := &trs[i]
		if prunable(t) {
			if dropped == nil {
				dropped = map[parent][]uint32{}
			}
			k := key(t, len(t.TraceAddress)-1)
			dropped[k] = append(dropped[k], t.TraceAddress[len(t.TraceAddress)-1])
		}
	}
	if dropped == nil {
		return trs
	}
	out := trs[:0]
	for i := range trs {
		t := trs[i]
		if prunable(&t) {
			continue
		}
		var renumbered []uint32
		for level, x := range t.TraceAddress {
			shift := uint32(0)
			for _, d := range dropped[key(&t, level)] {
				if d < x {
					shift++
				}
			}
			if shift > 0 {
				if renumbered == nil {
					renumbered = slices.Clone(t.TraceAddress)
				}
				renumbered[level] -= shift
			}
		}
		if renumbered != nil {
			t.TraceAddress = renumbered
		}
		out = append(out, t)
	}
	return out
}
