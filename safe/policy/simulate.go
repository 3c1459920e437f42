package policy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// Finding codes of the simulation (docs/safe.md, "Simulation"). A
// SIMULATED_* change is one the simulated execTransaction makes to the
// Safe's storage that no call of the decoded transaction announces.
const (
	CodeSimulatedMasterCopyChange      = "SIMULATED_MASTERCOPY_CHANGE"
	CodeSimulatedGuardChange           = "SIMULATED_GUARD_CHANGE"
	CodeSimulatedFallbackHandlerChange = "SIMULATED_FALLBACK_HANDLER_CHANGE"
	CodeSimulatedModuleChange          = "SIMULATED_MODULE_CHANGE"
	CodeSimulatedOwnerChange           = "SIMULATED_OWNER_CHANGE"
	CodeSimulatedThresholdChange       = "SIMULATED_THRESHOLD_CHANGE"
	CodeSimulatedNonceChange           = "SIMULATED_NONCE_CHANGE"
	CodeSimulatedStorageWrite          = "SIMULATED_STORAGE_WRITE"
	CodeSimulationFailed               = "SIMULATION_FAILED"
	CodeSimulationUnavailable          = "SIMULATION_UNAVAILABLE"
)

// ErrCannotSimulate marks a Simulator's error that is the node's own
// answer that it cannot run the simulation (no debug_traceCall, no
// prestate tracer, a call it refuses): asked again it answers the same, so
// the verification goes on without a simulation (SIMULATION_UNAVAILABLE,
// and the co-signer refuses it, as its NOT_SIMULATED). Any other error of a
// Simulator is a simulation that did not happen this time (the node did
// not answer in time, could not be reached, sent a broken answer, the
// request was cancelled): the verification fails with it, to be asked
// again, and no verdict is reached on a node's passing failure.
var ErrCannotSimulate = errors.New("the node cannot simulate")

// Simulator runs one call against a node's state at a block, with storage
// overrides, and reports the state it changed (a prestate diff) and the
// logs it emitted. An error that is the node's answer that it cannot
// simulate wraps ErrCannotSimulate. The ethrpc client implements it with debug_traceCall
// (prestateTracer in diffMode, callTracer with logs) and eth_call.
type Simulator interface {
	SimulateCall(ctx context.Context, call SimCall) (*SimTrace, error)
}

// SimCall is the call to simulate.
type SimCall struct {
	From, To common.Address
	Data     []byte
	// Gas is the gas limit; 0 lets the node choose (its call gas cap).
	Gas   uint64
	Block onchain.BlockID
	// Storage overrides slots of accounts for this call only.
	Storage map[common.Address]map[common.Hash]common.Hash
}

// SimTrace is what a simulated call did.
type SimTrace struct {
	// Reverted reports a call that reverted; RevertReason is the decoded
	// reason or the revert data in hex.
	Reverted     bool
	RevertReason string
	Output       []byte
	// Pre and Post are the prestate tracer's diff: for each account
	// touched, its state before (overrides applied) and the fields that
	// changed. A storage slot in Pre and not in Post was cleared to zero.
	Pre, Post map[common.Address]*SimAccount
	// Logs emitted by frames that did not revert; LogsAvailable is false
	// when the node gave none (no callTracer with logs).
	Logs          []SimLog
	LogsAvailable bool
}

// SimAccount is an account in a prestate diff; nil fields are absent.
type SimAccount struct {
	Balance *big.Int
	Code    []byte
	HasCode bool
	Storage map[common.Hash]common.Hash
}

// SimLog is a log a simulated call emitted.
type SimLog struct {
	Address common.Address
	Topics  []common.Hash
	Data    []byte
}

// Simulation is the outcome of simulating a verified transaction.
type Simulation struct {
	// Status is "success", "execution_failure" (execTransaction returned
	// false: the inner call failed), "reverted", "unavailable" (the node
	// cannot simulate) or "skipped" (the version or the Safe's state does
	// not allow it).
	Status string
	Reason string
	Block  uint64
	// From is the owner that submits the simulated execTransaction;
	// Signers the owners whose approvals it carries (pre-approved hashes).
	From    common.Address
	Signers []common.Address
	// Changes is the Safe's state diff, each marked explained or not.
	Changes []SimChange
	// OtherStorage are changed slots of the Safe outside its known layout.
	OtherStorage []SlotChange
	// ETHLeaving is the fall of the Safe's ETH balance in wei (0 if none).
	ETHLeaving *big.Int
	// TokenTransfers are Transfer events from the Safe.
	TokenTransfers []TokenTransfer
	LogsAvailable  bool
	// After is the Safe's simulated state.
	After *onchain.State
	// Findings are the simulation's findings (also in the verification's).
	Findings []Finding
}

// SimChange is one change of the simulated state.
type SimChange struct {
	onchain.Change
	Explained bool `json:"explained"`
}

// SlotChange is a storage slot the simulation changed.
type SlotChange struct {
	Slot   common.Hash
	Before common.Hash
	After  common.Hash
}

// TokenTransfer is an ERC-20 (Amount) or ERC-721 (TokenID) Transfer event
// whose sender is the Safe.
type TokenTransfer struct {
	Token   common.Address
	To      common.Address
	Amount  *big.Int
	TokenID *big.Int
}

var (
	simTransferTopic      = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	simSlotApprovedHashes = common.BigToHash(big.NewInt(8))
	simulationMinVersion  = safe.Version{Major: 1}
	simApprovedWord       = common.BigToHash(big.NewInt(1))
	simulationSkipMessage = "the simulation could not run, so what the transaction changes on chain is unknown: %s"
)

// simApprovedHashSlot is the slot of approvedHashes[owner][hash] (slot 8 from
// Safe 1.0.0 to 1.5.0).
func simApprovedHashSlot(owner common.Address, hash common.Hash) common.Hash {
	inner := onchain.MappingSlot(owner, simSlotApprovedHashes)
	return crypto.Keccak256Hash(hash[:], inner[:])
}

// Simulate runs v's transaction, as execTransaction from one of the Safe's
// owners, against the Safe's state at v.Chain.Block and reports the diff
// of that state. The signatures are approved-hash signatures (v = 1) of
// threshold owners, the lowest addresses first: the submitting owner's
// counts because it is msg.sender, the others' because their
// approvedHashes entries are overridden for the call. Nothing else is
// overridden — not the threshold, not the owners — so every write the
// transaction makes to the Safe's configuration shows in the diff, even
// one that writes the value an override would have put there.
//
// Every change the decoded transaction does not announce (see
// explainedKinds) is a critical SIMULATED_* finding; a failed execution is
// SIMULATION_FAILED and a node that cannot simulate SIMULATION_UNAVAILABLE
// (both medium). The error is a simulation that could not be run this
// time (see ErrCannotSimulate): the node failed to answer the simulation
// or the reads of the simulated state.
func Simulate(ctx context.Context, r onchain.ChainReader, sim Simulator, v *Verification) (*Simulation, error) {
	s := &Simulation{Block: v.Chain.Block, ETHLeaving: new(big.Int)}
	before := v.Chain.State
	skip := func(status, format string, args ...any) (*Simulation, error) {
		s.Status, s.Reason = status, fmt.Sprintf(format, args...)
		code := CodeSimulationUnavailable
		if status == "reverted" || status == "execution_failure" {
			code = CodeSimulationFailed
		}
		s.Findings = append(s.Findings, finding(code, SeverityMedium, nil, simulationSkipMessage, s.Reason).With("status", status))
		return s, nil
	}
	if v.Version.Compare(simulationMinVersion) < 0 {
		return skip("skipped", "Safe %s is not simulated (Bulwark knows the storage layout from 1.0.0)", v.Version)
	}
	th := onchain.IntOrZero(before.Threshold)
	if before.OwnersStatus != onchain.ListOK || th.Sign() <= 0 || !th.IsInt64() || th.Int64() > int64(len(before.Owners)) {
		return skip("skipped", "the Safe's owner list (%s, status %q) and threshold %s do not allow approved-hash signatures", bulwark.Plural(len(before.Owners), "owner", "owners"), before.OwnersStatus, th)
	}
	hash := v.Hashes.SafeTxHash
	if v.Chain.ContractSafeTxHash != nil {
		hash = *v.Chain.ContractSafeTxHash // what the contract checks approvals against
	}
	owners := slices.Clone(before.Owners)
	slices.SortFunc(owners, func(a, b common.Address) int { return bytes.Compare(a[:], b[:]) })
	s.Signers = owners[:th.Int64()]
	s.From = s.Signers[0]
	overrides := map[common.Hash]common.Hash{}
	sigs := make([]byte, 0, 65*len(s.Signers))
	for i, o := range s.Signers {
		if i > 0 {
			overrides[simApprovedHashSlot(o, hash)] = simApprovedWord
		}
		var sig [65]byte
		copy(sig[12:32], o[:])
		sig[64] = 1
		sigs = append(sigs, sig[:]...)
	}
	data, err := safe.ExecTransactionCalldata(v.Tx, sigs)
	if err != nil {
		return skip("skipped", "%s", bulwark.ErrorMessage(err))
	}
	call := SimCall{From: s.From, To: v.Safe, Data: data, Block: onchain.AtBlockNumber(s.Block)}
	if len(overrides) > 0 {
		call.Storage = map[common.Address]map[common.Hash]common.Hash{v.Safe: overrides}
	}
	tr, err := sim.SimulateCall(ctx, call)
	switch {
	case err != nil && errors.Is(err, ErrCannotSimulate) && ctx.Err() == nil:
		return skip("unavailable", "%s", bulwark.ErrorMessage(err))
	case err != nil:
		return nil, err
	}
	s.LogsAvailable = tr.LogsAvailable
	switch {
	case tr.Reverted:
		return skip("reverted", "execTransaction reverted (%s): as signed it would not execute against the Safe's state at block %d", tr.RevertReason, s.Block)
	case len(tr.Output) == 32 && common.BytesToHash(tr.Output) == (common.Hash{}):
		s.Status = "execution_failure"
		s.Reason = "execTransaction returned false: the inner call failed (ExecutionFailure); only the nonce and any refund change"
		s.Findings = append(s.Findings, finding(CodeSimulationFailed, SeverityMedium, nil,
			"the simulated execution failed: %s. Signing it would use up the nonce without doing what it says", s.Reason).With("status", s.Status))
	default:
		s.Status = "success"
	}

	// The Safe's state after: its state at the block with the diff laid
	// over it, read the same way (from storage) as before.
	after, err := onchain.ReadStatesWith(ctx, &overlayReader{ChainReader: r, safe: v.Safe, trace: tr}, []common.Address{v.Safe}, call.Block,
		onchain.ReadOptions{Previous: map[common.Address]*onchain.State{v.Safe: before}, Registry: v.Policy.Registry})
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.ErrorCode(err), "cannot read the simulated state: "+bulwark.ErrorMessage(err))
	}
	s.After = after[0]
	explained := explainedKinds(v.Findings)
	for _, c := range onchain.DiffStates(before, s.After) {
		ok := explained[c.Kind]
		switch c.Kind {
		case onchain.ChangeBalance:
			ok = true // reported as ETH leaving, not a configuration change
		case onchain.ChangeNonce:
			ok = onchain.IntOrZero(s.After.Nonce).Cmp(new(big.Int).Add(onchain.IntOrZero(before.Nonce), big.NewInt(1))) == 0
		}
		s.Changes = append(s.Changes, SimChange{Change: c, Explained: ok})
		if !ok {
			s.Findings = append(s.Findings, unexplainedFinding(c))
		}
	}
	if d := new(big.Int).Sub(onchain.IntOrZero(before.Balance), onchain.IntOrZero(s.After.Balance)); d.Sign() > 0 {
		s.ETHLeaving = d
	}
	s.TokenTransfers = simTokenTransfers(v.Safe, tr.Logs)
	s.OtherStorage = simOtherSlots(v.Safe, before, s.After, tr, overrides)
	if len(s.OtherStorage) > 0 {
		sev := SeverityMedium
		if decodedTreeHas(v.Decoded, "approveHash", "signMessage") {
			sev = SeverityLow
		}
		f := finding(CodeSimulatedStorageWrite, sev, nil,
			"the simulation writes %d storage slot(s) of the Safe outside its known layout (first %s): a DELEGATECALL can leave state there that later code reads",
			len(s.OtherStorage), s.OtherStorage[0].Slot.Hex()).With("slots", fmt.Sprint(len(s.OtherStorage)))
		s.Findings = append(s.Findings, f)
	}
	return s, nil
}

// explainedKinds maps the policy's findings on the decoded tree (what the
// transaction announces) to the state changes they explain.
func explainedKinds(fs []Finding) map[onchain.ChangeKind]bool {
	out := map[onchain.ChangeKind]bool{}
	set := func(ks ...onchain.ChangeKind) {
		for _, k := range ks {
			out[k] = true
		}
	}
	owners := []onchain.ChangeKind{onchain.ChangeOwnerAdded, onchain.ChangeOwnerRemoved, onchain.ChangeOwnerCount, onchain.ChangeThreshold}
	for _, f := range fs {
		switch f.Code {
		case CodeOwnerChange:
			set(owners...)
		case CodeThresholdChange:
			set(onchain.ChangeThreshold)
		case CodeModuleChange:
			set(onchain.ChangeModuleEnabled, onchain.ChangeModuleDisabled)
		case CodeGuardChange:
			set(onchain.ChangeGuard, onchain.ChangeModuleGuard)
		case CodeFallbackHandlerChange:
			set(onchain.ChangeFallbackHandler)
		case CodeMasterCopyChange:
			set(onchain.ChangeSingleton, onchain.ChangeSingletonCode, onchain.ChangeFallbackHandler)
		case CodeSelfCall:
			if strings.HasPrefix(f.Function, "setup(") {
				set(owners...)
				set(onchain.ChangeFallbackHandler, onchain.ChangeModuleEnabled, onchain.ChangeModuleDisabled)
			}
		}
	}
	return out
}

func unexplainedFinding(c onchain.Change) Finding {
	code, what := CodeSimulatedOwnerChange, "its owners"
	switch c.Kind {
	case onchain.ChangeSingleton, onchain.ChangeSingletonCode, onchain.ChangeProxyCode:
		code, what = CodeSimulatedMasterCopyChange, "the code the Safe runs (slot 0, the singleton): whoever controls it controls every asset in the Safe (Bybit)"
	case onchain.ChangeGuard, onchain.ChangeModuleGuard:
		code, what = CodeSimulatedGuardChange, "its guard"
	case onchain.ChangeFallbackHandler:
		code, what = CodeSimulatedFallbackHandlerChange, "its fallback handler"
	case onchain.ChangeModuleEnabled, onchain.ChangeModuleDisabled, onchain.ChangeModuleList:
		code, what = CodeSimulatedModuleChange, "its modules"
	case onchain.ChangeThreshold:
		code, what = CodeSimulatedThresholdChange, "its threshold"
	case onchain.ChangeNonce:
		code, what = CodeSimulatedNonceChange, "its nonce other than by one (old transactions could be replayed, or future ones blocked)"
	}
	return finding(code, SeverityCritical, nil,
		"simulated execution changes %s — %s — and no call of the decoded transaction says it would. Do not sign", what, c).
		With("kind", string(c.Kind), "before", c.Before, "after", c.After)
}

// decodedTreeHas reports whether any call of the tree is one of the functions.
func decodedTreeHas(root *decode.DecodedCall, fns ...string) bool {
	if root == nil {
		return false
	}
	return !root.Walk(func(c *decode.DecodedCall) bool { return !slices.Contains(fns, c.Function) })
}

// tokenTransfers returns the Transfer events whose sender is safe.
func simTokenTransfers(safe common.Address, logs []SimLog) []TokenTransfer {
	var out []TokenTransfer
	from := common.BytesToHash(safe[:])
	for _, l := range logs {
		if len(l.Topics) < 3 || l.Topics[0] != simTransferTopic || l.Topics[1] != from {
			continue
		}
		t := TokenTransfer{Token: l.Address, To: common.BytesToAddress(l.Topics[2][12:])}
		switch {
		case len(l.Topics) == 4:
			t.TokenID = l.Topics[3].Big()
		case len(l.Data) == 32:
			t.Amount = new(big.Int).SetBytes(l.Data)
		default:
			continue
		}
		out = append(out, t)
	}
	return out
}

// otherSlots returns the Safe's changed slots that are not part of the
// state DiffStates compares, leaving out the approval overrides.
func simOtherSlots(addr common.Address, before, after *onchain.State, tr *SimTrace, overrides map[common.Hash]common.Hash) []SlotChange {
	pre, post := tr.Pre[addr], tr.Post[addr]
	if pre == nil && post == nil {
		return nil
	}
	known := map[common.Hash]bool{onchain.SlotSingleton: true, onchain.SlotModules: true, onchain.SlotOwners: true, onchain.SlotOwnerCount: true, onchain.SlotThreshold: true,
		onchain.SlotNonce: true, onchain.SlotGuard: true, onchain.SlotFallbackHandler: true, onchain.SlotModuleGuard: true}
	for _, list := range []struct {
		slot  common.Hash
		addrs [][]common.Address
	}{{onchain.SlotOwners, [][]common.Address{before.Owners, after.Owners}}, {onchain.SlotModules, [][]common.Address{before.Modules, after.Modules}}} {
		known[onchain.MappingSlot(onchain.SentinelAddress, list.slot)] = true
		for _, as := range list.addrs {
			for _, a := range as {
				known[onchain.MappingSlot(a, list.slot)] = true
			}
		}
	}
	var slots []common.Hash
	seen := map[common.Hash]bool{}
	for _, acc := range []*SimAccount{pre, post} {
		if acc == nil {
			continue
		}
		for k := range acc.Storage {
			if !seen[k] && !known[k] {
				if _, ov := overrides[k]; !ov {
					slots = append(slots, k)
				}
			}
			seen[k] = true
		}
	}
	slices.SortFunc(slots, func(a, b common.Hash) int { return bytes.Compare(a[:], b[:]) })
	out := make([]SlotChange, 0, len(slots))
	for _, k := range slots {
		c := SlotChange{Slot: k}
		if pre != nil {
			c.Before = pre.Storage[k]
		}
		if post != nil {
			c.After = post.Storage[k]
		}
		if c.Before != c.After {
			out = append(out, c)
		}
	}
	return out
}

// overlayReader answers reads at the simulated block as if the simulated
// call had been executed: the Safe's storage, balance and code, and any
// account's code, come from the trace's diff when it changed them.
type overlayReader struct {
	onchain.ChainReader
	safe  common.Address
	trace *SimTrace
}

func (o *overlayReader) BatchRead(ctx context.Context, block onchain.BlockID, reads []onchain.Read) error {
	var pass []onchain.Read
	var index []int
	for i := range reads {
		r := &reads[i]
		if out, ok := o.answer(r); ok {
			r.Out, r.Reverted, r.Err = out, false, nil
			continue
		}
		pass = append(pass, *r)
		index = append(index, i)
	}
	if len(pass) == 0 {
		return nil
	}
	err := o.ChainReader.BatchRead(ctx, block, pass)
	for k, i := range index {
		reads[i] = pass[k]
	}
	return err
}

func (o *overlayReader) answer(r *onchain.Read) ([]byte, bool) {
	post := o.trace.Post[r.Addr]
	switch r.Kind {
	case onchain.ReadCode:
		if post != nil && post.HasCode {
			return post.Code, true
		}
	case onchain.ReadBalance:
		if post != nil && post.Balance != nil && r.Addr == o.safe {
			return post.Balance.FillBytes(make([]byte, 32)), true
		}
	case onchain.ReadStorage:
		if r.Addr != o.safe {
			return nil, false
		}
		if post != nil {
			if v, ok := post.Storage[r.Slot]; ok {
				return v[:], true
			}
		}
		if pre := o.trace.Pre[r.Addr]; pre != nil {
			if _, ok := pre.Storage[r.Slot]; ok {
				return make([]byte, 32), true // changed, absent from post: cleared
			}
		}
	}
	return nil, false
}
