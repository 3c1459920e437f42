package decode

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

// MultiSendSelector selects multiSend(bytes), the one function of MultiSend
// and MultiSendCallOnly.
var MultiSendSelector = safe.Selector("multiSend(bytes)")

// multiSendHeader is the packed size of an entry before its data:
// operation (1) ‖ to (20) ‖ value (32) ‖ data length (32).
const multiSendHeader = 1 + 20 + 32 + 32

// MultiSendTx is one entry of a MultiSend batch.
type MultiSendTx struct {
	Operation safe.Operation
	To        common.Address
	Value     *big.Int // nil is zero
	Data      []byte
	// Offset is where the entry starts in the packed batch (set by
	// UnpackMultiSend).
	Offset int
}

// PackMultiSend packs txs the way MultiSend reads them: for each entry
// operation (1 byte) ‖ to (20) ‖ value (32) ‖ len(data) (32) ‖ data, with
// no padding. Values must be in range (nil is zero).
func PackMultiSend(txs []MultiSendTx) []byte {
	n := 0
	for _, tx := range txs {
		n += multiSendHeader + len(tx.Data)
	}
	out := make([]byte, 0, n)
	var word [32]byte
	for _, tx := range txs {
		out = append(out, byte(tx.Operation))
		out = append(out, tx.To[:]...)
		word = [32]byte{}
		if tx.Value != nil {
			tx.Value.FillBytes(word[:])
		}
		out = append(out, word[:]...)
		word = [32]byte{}
		big.NewInt(int64(len(tx.Data))).FillBytes(word[:])
		out = append(out, word[:]...)
		out = append(out, tx.Data...)
	}
	return out
}

// MultiSendCalldata returns the calldata of multiSend(PackMultiSend(txs)).
func MultiSendCalldata(txs []MultiSendTx) []byte {
	batch := PackMultiSend(txs)
	out := make([]byte, 4+32+32+safe.PaddedLen(len(batch)))
	copy(out, MultiSendSelector[:])
	out[4+31] = 0x20
	big.NewInt(int64(len(batch))).FillBytes(out[4+32 : 4+64])
	copy(out[4+64:], batch)
	return out
}

// UnpackMultiSend splits a packed MultiSend batch (the bytes argument of
// multiSend, not the calldata) into its entries. Each entry's Data aliases
// batch. A batch that MultiSend would not execute as written — an entry cut
// short, a data length past the end, an operation other than 0 or 1 — is an
// invalid error naming the entry and its byte offset; the entries before it
// are returned with it.
func UnpackMultiSend(batch []byte) ([]MultiSendTx, error) {
	txs, err := unpackMultiSend(batch)
	if err != nil {
		return txs, bulwark.Invalid("transactions", "%s", err.describe(-1))
	}
	return txs, nil
}

// batchError is a malformed entry of a packed batch.
type batchError struct {
	entry, offset int
	msg           string
}

// describe renders the error; base is the offset of the batch in the
// enclosing calldata, or -1 when there is none.
func (e *batchError) describe(base int) string {
	where := fmt.Sprintf("entry %d at batch byte %d", e.entry, e.offset)
	if base >= 0 {
		where += fmt.Sprintf(" (calldata byte %d)", base+e.offset)
	}
	return "MultiSend batch " + where + ": " + e.msg
}

func unpackMultiSend(batch []byte) ([]MultiSendTx, *batchError) {
	var txs []MultiSendTx
	for off, i := 0, 0; off < len(batch); i++ {
		rest := len(batch) - off
		if rest < multiSendHeader {
			return txs, &batchError{i, off, fmt.Sprintf("truncated: an entry header is %d bytes (operation, to, value, data length), only %d remain", multiSendHeader, rest)}
		}
		op := batch[off]
		if op > 1 {
			return txs, &batchError{i, off, fmt.Sprintf("operation %d is neither 0 (CALL) nor 1 (DELEGATECALL): MultiSend reverts", op)}
		}
		lenWord := batch[off+53 : off+85]
		avail := rest - multiSendHeader
		if !allZero(lenWord[:24]) {
			return txs, &batchError{i, off, fmt.Sprintf("data length 0x%x (at batch byte %d) runs past the end of the batch: %d bytes remain", new(big.Int).SetBytes(lenWord), off+53, avail)}
		}
		var n uint64
		for _, b := range lenWord[24:] {
			n = n<<8 | uint64(b)
		}
		if n > uint64(avail) {
			return txs, &batchError{i, off, fmt.Sprintf("data length %d (at batch byte %d) runs past the end of the batch: %d bytes remain", n, off+53, avail)}
		}
		start := off + multiSendHeader
		end := start + int(n)
		txs = append(txs, MultiSendTx{
			Operation: safe.Operation(op),
			To:        common.BytesToAddress(batch[off+1 : off+21]),
			Value:     new(big.Int).SetBytes(batch[off+21 : off+53]),
			Data:      batch[start:end:end],
			Offset:    off,
		})
		off = end
	}
	return txs, nil
}

// multiSendKids unpacks multiSend(bytes transactions). exec is the account
// whose code runs the batch, and so the sender of its calls.
func multiSendKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	batch, _ := c.Args[0].Bytes()
	t := c.Target
	known := (t.Role == RoleMultiSend || t.Role == RoleMultiSendCallOnly) && t.CodeCheck != CodeMismatch
	// From 1.5.0 MultiSend and MultiSendCallOnly send an entry whose to is
	// zero to address(this): `to := or(to, mul(iszero(to), address()))`
	// (checked in the 1.5.0 MultiSendCallOnly runtime code).
	zeroToSelf := known && t.ver.Compare(safe.Version{Major: 1, Minor: 5}) >= 0
	if !known {
		c.Notes = append(c.Notes, "decoded as a MultiSend batch, but the target is not a known MultiSend deployment: its code may do something else")
	}
	txs, berr := unpackMultiSend(batch)
	kids := make([]child, 0, len(txs))
	for _, tx := range txs {
		k := child{from: exec, op: tx.Operation, to: tx.To, value: tx.Value, data: tx.Data}
		if tx.To == (common.Address{}) {
			switch {
			case zeroToSelf:
				k.to = exec.addr
				k.notes = append(k.notes, fmt.Sprintf("the entry's to is 0x0, which MultiSend %s replaces with the account running the batch, %s", t.Version, s.label(exec.addr)))
			case !known:
				k.notes = append(k.notes, fmt.Sprintf("the entry's to is 0x0: MultiSend 1.5.0 sends such an entry to the account running the batch (%s), earlier versions to the zero address", s.label(exec.addr)))
			}
		}
		if known && t.Role == RoleMultiSendCallOnly && tx.Operation == safe.DelegateCall {
			k.notes = append(k.notes, "MultiSendCallOnly reverts on a DELEGATECALL entry: the whole batch fails")
		}
		kids = append(kids, k)
	}
	if berr != nil {
		return kids, fmt.Errorf("%s", berr.describe(c.Args[0].pos))
	}
	return kids, nil
}

// multicallKids turns Multicall3's (target, [allowFailure,] [value,]
// callData) tuples into calls; exec runs Multicall3's code and sends them.
func multicallKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	a, _ := c.Arg("calls")
	items, _ := a.Value.([]any)
	kids := make([]child, 0, len(items))
	for _, it := range items {
		fields, _ := it.([]Arg)
		k := child{from: exec, op: safe.Call, value: new(big.Int)}
		for _, f := range fields {
			switch f.Name {
			case "target":
				k.to, _ = f.Address()
			case "callData":
				k.data, _ = f.Bytes()
			case "value":
				k.value, _ = f.Uint()
			case "allowFailure":
				if f.Value == true {
					k.notes = append(k.notes, "allowFailure: this call may fail without reverting the batch")
				}
			}
		}
		kids = append(kids, k)
	}
	return kids, nil
}

// innerTxKids is the (to, value, data, operation) a Safe executes for
// execTransaction, execTransactionFromModule(ReturnData), requiredTxGas and
// SimulateTxAccessor.simulate. The Safe executing it is exec.
func innerTxKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	to, _ := ArgAddr(c, "to")
	value := ArgUint(c, "value")
	data, _ := ArgBytes(c, "data")
	op := ArgUint(c, "operation")
	if op.Cmp(big.NewInt(int64(safe.Create))) > 0 {
		return nil, fmt.Errorf("%s: operation %s is not 0 (CALL), 1 (DELEGATECALL) or 2 (CREATE, Safe 0.1.0)", c.Function, op)
	}
	acct := exec
	if !acct.safe {
		acct = account{addr: exec.addr, safe: true}
	}
	return []child{{from: acct, op: safe.Operation(op.Uint64()), to: to, value: value, data: data}}, nil
}

// setupKids is setup's optional DELEGATECALL of to with data.
func setupKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	to, _ := ArgAddr(c, "to")
	data, _ := ArgBytes(c, "data")
	if to == (common.Address{}) {
		return nil, nil
	}
	acct := exec
	if !acct.safe {
		acct = account{addr: exec.addr, safe: true}
	}
	return []child{{from: acct, op: safe.DelegateCall, to: to, value: new(big.Int), data: data,
		notes: []string{"setup DELEGATECALLs this while the Safe is initialised"}}}, nil
}

// simulateKids is simulateAndRevert's DELEGATECALL.
func simulateKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	to, _ := ArgAddr(c, "targetContract")
	data, _ := ArgBytes(c, "calldataPayload")
	return []child{{from: exec, op: safe.DelegateCall, to: to, value: new(big.Int), data: data}}, nil
}

func ArgAddr(c *DecodedCall, name string) (common.Address, bool) {
	a, ok := c.Arg(name)
	if !ok {
		return common.Address{}, false
	}
	return a.Address()
}

// ArgUint returns the named integer argument, zero when absent.
func ArgUint(c *DecodedCall, name string) *big.Int {
	if a, ok := c.Arg(name); ok {
		if n, ok := a.Uint(); ok {
			return n
		}
	}
	return new(big.Int)
}

func ArgBytes(c *DecodedCall, name string) ([]byte, bool) {
	a, ok := c.Arg(name)
	if !ok {
		return nil, false
	}
	return a.Bytes()
}
