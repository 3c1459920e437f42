package ethrpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// The Client simulates Safe transactions for the safe package.
var _ policy.Simulator = (*Client)(nil)

// SimulateCall implements policy.Simulator with one JSON-RPC batch of three
// calls at the same block and with the same storage overrides:
// debug_traceCall with the prestateTracer in diffMode (the state diff),
// debug_traceCall with the callTracer and logs (the events), and eth_call
// (the outcome and return data, which every node reports the same way). A
// node without the debug API gives EUNAVAILABLE; one whose callTracer
// does not give logs still gives the diff (LogsAvailable false).
func (c *Client) SimulateCall(ctx context.Context, call policy.SimCall) (*policy.SimTrace, error) {
	to := call.To
	msg := CallMsg{From: call.From, To: &to, Gas: call.Gas, Data: call.Data}
	var over StateOverride
	if len(call.Storage) > 0 {
		over = StateOverride{}
		for a, slots := range call.Storage {
			over[a] = OverrideAccount{StateDiff: slots}
		}
	}
	ref := BlockRefOf(call.Block)
	var prestate, callTrace json.RawMessage
	var out hexutil.Bytes
	ethCall := []any{msg, ref}
	if over != nil {
		ethCall = append(ethCall, over)
	}
	b := []BatchElem{
		{Method: "debug_traceCall", Args: []any{msg, ref, TraceConfig{Tracer: PrestateTracer, TracerConfig: map[string]any{"diffMode": true}, StateOverrides: over}}, Result: &prestate},
		{Method: "debug_traceCall", Args: []any{msg, ref, TraceConfig{Tracer: CallTracer, TracerConfig: map[string]any{"withLog": true}, StateOverrides: over}}, Result: &callTrace},
		{Method: "eth_call", Args: ethCall, Result: &out},
	}
	if err := c.BatchCall(ctx, b); err != nil {
		return nil, err
	}
	if err := b[0].Error; err != nil {
		msg := fmt.Sprintf("the node at %s cannot simulate with debug_traceCall and the prestateTracer: %s", c.safeURL, bulwark.ErrorMessage(err))
		if simulationRefused(err) {
			err = errors.Join(policy.ErrCannotSimulate, err)
		}
		return nil, bulwark.Wrap(err, bulwark.EUNAVAILABLE, msg)
	}
	tr := &policy.SimTrace{}
	if err := b[2].Error; err != nil {
		var rerr *RPCError
		switch {
		case !errors.As(err, &rerr):
			return nil, err
		case !rerr.Reverted():
			msg := fmt.Sprintf("the node at %s cannot run the call with eth_call: %s", c.safeURL, bulwark.ErrorMessage(err))
			if simulationRefused(err) {
				err = errors.Join(policy.ErrCannotSimulate, err)
			}
			return nil, bulwark.Wrap(err, bulwark.EUNAVAILABLE, msg)
		}
		tr.Reverted, tr.Output = true, rerr.RevertData()
		tr.RevertReason = revertReason(rerr)
	} else {
		tr.Output = out
	}
	var diff struct {
		Pre  map[common.Address]prestateAccount `json:"pre"`
		Post map[common.Address]prestateAccount `json:"post"`
	}
	if err := json.Unmarshal(prestate, &diff); err != nil {
		return nil, c.malformed("debug_traceCall (prestateTracer)", err)
	}
	tr.Pre, tr.Post = convertAccounts(diff.Pre), convertAccounts(diff.Post)
	if b[1].Error == nil {
		var frame callFrame
		if err := json.Unmarshal(callTrace, &frame); err == nil {
			tr.LogsAvailable = true
			frame.collect(&tr.Logs)
		}
	}
	return tr, nil
}

// simulationRefused reports whether err, an error of a simulation's
// call, is the node's answer that it cannot run it (an unknown method or
// tracer, a refused parameter), which it gives again when asked again:
// not a failure to answer, a rate limit or a node-side timeout, which
// pass (see policy.ErrCannotSimulate).
func simulationRefused(err error) bool {
	var rerr *RPCError
	if !errors.As(err, &rerr) || rerr.RateLimited() {
		return false
	}
	m := strings.ToLower(rerr.Message)
	return !strings.Contains(m, "timeout") && !strings.Contains(m, "timed out") && !strings.Contains(m, "deadline")
}

// revertReason is the node's message, with the revert data when there is
// some.
func revertReason(e *RPCError) string {
	msg := clean(e.Message, 200)
	if d := e.RevertData(); len(d) > 0 {
		if s := e.RevertReason(); s != "" {
			return clean(s, 200)
		}
		if msg == "" {
			msg = "execution reverted"
		}
		return msg + " (data " + hexutil.Encode(d) + ")"
	}
	if msg == "" {
		return "execution reverted"
	}
	return msg
}

type prestateAccount struct {
	Balance *hexutil.Big                `json:"balance"`
	Code    *hexutil.Bytes              `json:"code"`
	Storage map[common.Hash]common.Hash `json:"storage"`
}

func convertAccounts(in map[common.Address]prestateAccount) map[common.Address]*policy.SimAccount {
	out := make(map[common.Address]*policy.SimAccount, len(in))
	for a, acc := range in {
		s := &policy.SimAccount{Storage: acc.Storage}
		if acc.Balance != nil {
			s.Balance = (*big.Int)(acc.Balance)
		}
		if acc.Code != nil {
			s.Code, s.HasCode = *acc.Code, true
		}
		out[a] = s
	}
	return out
}

// callFrame is a frame of the callTracer's output.
type callFrame struct {
	Error string      `json:"error"`
	Calls []callFrame `json:"calls"`
	Logs  []struct {
		Address common.Address `json:"address"`
		Topics  []common.Hash  `json:"topics"`
		Data    hexutil.Bytes  `json:"data"`
	} `json:"logs"`
}

// collect appends the logs of f and its frames that did not fail; logs of
// a failed frame, and of the frames below it, were reverted.
func (f *callFrame) collect(out *[]policy.SimLog) {
	if f.Error != "" {
		return
	}
	for _, l := range f.Logs {
		*out = append(*out, policy.SimLog{Address: l.Address, Topics: l.Topics, Data: l.Data})
	}
	for i := range f.Calls {
		f.Calls[i].collect(out)
	}
}
