package decode

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
)

// Timelocks: OpenZeppelin's TimelockController and Compound's Timelock.
// Scheduling (queueing) an operation commits to it: once the delay has
// passed anyone with the executor role (Compound: the admin) runs it. The
// calls an operation makes are decoded as calls from the timelock, so a
// scheduled transferOwnership or upgrade is read as one and gets its own
// findings. The declarations are the contracts' own (OpenZeppelin 4.x/5.x
// name the data "payload" in execute and "data" in schedule; the selector
// is the same).
var timelockFns = table("TimelockController",
	fnDef{decl: "schedule(address target,uint256 value,bytes data,bytes32 predecessor,bytes32 salt,uint256 delay)", kids: timelockKids, sum: sumTimelock},
	fnDef{decl: "scheduleBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt,uint256 delay)", kids: timelockKids, sum: sumTimelock},
	fnDef{decl: "execute(address target,uint256 value,bytes payload,bytes32 predecessor,bytes32 salt)", kids: timelockKids, sum: sumTimelock},
	fnDef{decl: "executeBatch(address[] targets,uint256[] values,bytes[] payloads,bytes32 predecessor,bytes32 salt)", kids: timelockKids, sum: sumTimelock},
	fnDef{decl: "cancel(bytes32 id)", sum: sumTimelock},
	fnDef{decl: "queueTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)", iface: "Compound Timelock", kids: timelockKids, sum: sumTimelock},
	fnDef{decl: "executeTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)", iface: "Compound Timelock", kids: timelockKids, sum: sumTimelock},
	fnDef{decl: "cancelTransaction(address target,uint256 value,string signature,bytes data,uint256 eta)", iface: "Compound Timelock", sum: sumTimelock},
)

// TimelockAction says what a timelock call does with its operation.
type TimelockAction string

// Timelock actions.
const (
	TimelockSchedule TimelockAction = "schedule" // schedule, scheduleBatch, queueTransaction
	TimelockExecute  TimelockAction = "execute"  // execute, executeBatch, executeTransaction
	TimelockCancel   TimelockAction = "cancel"   // cancel, cancelTransaction
)

// TimelockOp is what a decoded call to a timelock does.
type TimelockOp struct {
	Action TimelockAction
	// Timelock is the timelock called; Compound is true for Compound's
	// Timelock (queueTransaction …), false for OpenZeppelin's
	// TimelockController.
	Timelock common.Address
	Compound bool
	// Calls is how many calls the operation makes (0 for cancel(id), where
	// the call does not say).
	Calls int
	// Delay is the delay asked for by schedule/scheduleBatch (seconds); ETA
	// the Unix time from which a Compound transaction may run. nil when the
	// call has none.
	Delay, ETA *big.Int
	// ID is the operation id cancel(id) names.
	ID []byte
}

// Timelock returns the timelock operation of a decoded CALL, if it is one
// of the declarations in abis_timelock.go.
func Timelock(c *DecodedCall) (TimelockOp, bool) {
	if c == nil || c.Kind != KindCall {
		return TimelockOp{}, false
	}
	op := TimelockOp{Timelock: c.To}
	switch c.Signature {
	case "schedule(address,uint256,bytes,bytes32,bytes32,uint256)", "scheduleBatch(address[],uint256[],bytes[],bytes32,bytes32,uint256)":
		op.Action, op.Delay = TimelockSchedule, ArgUint(c, "delay")
	case "execute(address,uint256,bytes,bytes32,bytes32)", "executeBatch(address[],uint256[],bytes[],bytes32,bytes32)":
		op.Action = TimelockExecute
	case "cancel(bytes32)":
		op.Action = TimelockCancel
		op.ID, _ = ArgBytes(c, "id")
	case "queueTransaction(address,uint256,string,bytes,uint256)":
		op.Action, op.Compound, op.ETA = TimelockSchedule, true, ArgUint(c, "eta")
	case "executeTransaction(address,uint256,string,bytes,uint256)":
		op.Action, op.Compound, op.ETA = TimelockExecute, true, ArgUint(c, "eta")
	case "cancelTransaction(address,uint256,string,bytes,uint256)":
		op.Action, op.Compound, op.ETA = TimelockCancel, true, ArgUint(c, "eta")
	default:
		return TimelockOp{}, false
	}
	op.Calls = len(timelockCalls(c))
	return op, true
}

// timelockCall is one call of a timelock operation.
type timelockCall struct {
	to    common.Address
	value *big.Int
	data  []byte
	// signature is Compound's function signature, when given.
	signature string
	hasSig    bool
}

// timelockCalls reads the calls of a timelock operation; nil when the
// arrays of a batch differ in length (the timelock reverts).
func timelockCalls(c *DecodedCall) []timelockCall {
	switch c.Function {
	case "schedule", "execute":
		to, _ := ArgAddr(c, "target")
		data, ok := ArgBytes(c, "data")
		if !ok {
			data, _ = ArgBytes(c, "payload")
		}
		return []timelockCall{{to: to, value: ArgUint(c, "value"), data: data}}
	case "scheduleBatch", "executeBatch":
		t, _ := c.Arg("targets")
		v, _ := c.Arg("values")
		p, _ := c.Arg("payloads")
		ts, _ := t.Value.([]any)
		vs, _ := v.Value.([]any)
		ps, _ := p.Value.([]any)
		if len(ts) != len(vs) || len(ts) != len(ps) {
			return nil
		}
		out := make([]timelockCall, len(ts))
		for i := range ts {
			out[i].to, _ = ts[i].(common.Address)
			out[i].value, _ = vs[i].(*big.Int)
			out[i].data, _ = ps[i].([]byte)
		}
		return out
	case "queueTransaction", "executeTransaction", "cancelTransaction":
		to, _ := ArgAddr(c, "target")
		a, _ := c.Arg("signature")
		sig, _ := a.Value.(string)
		data, _ := ArgBytes(c, "data")
		k := timelockCall{to: to, value: ArgUint(c, "value"), data: data, signature: sig, hasSig: sig != ""}
		if k.hasSig {
			// Compound's Timelock: callData = selector(signature) ‖ data.
			k.data = append(crypto.Keccak256([]byte(sig))[:4:4], data...)
		}
		return []timelockCall{k}
	}
	return nil
}

// timelockKids are the calls a timelock operation makes, from the timelock.
func timelockKids(s *decodeState, c *DecodedCall, exec account) ([]child, error) {
	calls := timelockCalls(c)
	if calls == nil {
		return nil, fmt.Errorf("%s: targets, values and payloads differ in length: the timelock reverts", c.Function)
	}
	op, _ := Timelock(c)
	when := ""
	switch {
	case op.Action == TimelockSchedule && op.Compound:
		when = fmt.Sprintf("queued in Compound Timelock %s: it runs from the timelock (msg.sender %s) when its admin executes it, from eta %s (Unix time); queueing is what commits to it", exec.addr.Hex(), exec.addr.Hex(), op.ETA)
	case op.Action == TimelockSchedule:
		when = fmt.Sprintf("scheduled in TimelockController %s: it runs from the timelock (msg.sender %s) once the delay of %s seconds has passed and an executor executes it; scheduling is what commits to it", exec.addr.Hex(), exec.addr.Hex(), op.Delay)
	default:
		when = fmt.Sprintf("run now by timelock %s (msg.sender %s), if it was queued and its delay has passed", exec.addr.Hex(), exec.addr.Hex())
	}
	kids := make([]child, len(calls))
	for i, k := range calls {
		value := k.value
		if value == nil {
			value = new(big.Int)
		}
		notes := []string{when}
		if k.hasSig {
			notes = append(notes, fmt.Sprintf("the call data is the selector of the signature %s (0x%x) followed by the data given", safe.Quote(k.signature), k.data[:4]))
		}
		kids[i] = child{from: exec, op: safe.Call, to: k.to, value: value, data: k.data, notes: notes}
	}
	return kids, nil
}

func sumTimelock(s *decodeState, c *DecodedCall) string {
	op, ok := Timelock(c)
	if !ok {
		return s.defaultSummary(c)
	}
	what := "TimelockController " + s.label(c.To)
	if op.Compound {
		what = "Compound Timelock " + s.label(c.To)
	}
	switch {
	case op.Action == TimelockCancel && !op.Compound:
		return fmt.Sprintf("cancel the pending operation 0x%x of %s", op.ID, what)
	case op.Action == TimelockCancel:
		return fmt.Sprintf("cancel a queued transaction to %s of %s", s.addrArg(c, "target"), what)
	}
	calls := timelockCalls(c)
	targets := ""
	for i, k := range calls {
		if i == 3 {
			targets += ", …"
			break
		}
		if i > 0 {
			targets += ", "
		}
		targets += s.label(k.to)
	}
	out := fmt.Sprintf("%s %s on %s: to %s", op.Action, plural(len(calls), "call"), what, targets)
	switch {
	case op.Delay != nil:
		out += fmt.Sprintf(", after a delay of %s seconds", op.Delay)
	case op.ETA != nil:
		out += fmt.Sprintf(", eta %s", op.ETA)
	}
	return out
}
