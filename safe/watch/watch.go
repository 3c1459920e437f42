package watch

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// Watch alert codes. MASTERCOPY_CHANGE, GUARD_CHANGE, FALLBACK_HANDLER_CHANGE,
// OWNER_CHANGE, THRESHOLD_CHANGE and MODULE_CHANGE are the policy's codes
// (a watcher sees executed what verify sees proposed); the others are the
// watcher's own. They are stable: scripts and the audit log key on them.
// docs/safe.md ("Watch") explains each.
const (
	CodeModuleGuardChange = "MODULE_GUARD_CHANGE"
	CodeSafeUnreadable    = "SAFE_UNREADABLE"
	CodeNodeUnreachable   = "NODE_UNREACHABLE"
	CodeNodeRecovered     = "NODE_RECOVERED"
	CodeChainReorg        = "CHAIN_REORG"
	CodeReorgTooDeep      = "REORG_TOO_DEEP"
	// CodeUnverifiedExecution and CodeExecutedRejected are about a watched
	// Safe's ExecutionSuccess whose safeTxHash Bulwark never verified, or
	// rejected (see [ExecutionCheck]).
	CodeUnverifiedExecution = "UNVERIFIED_EXECUTION"
	CodeExecutedRejected    = "EXECUTED_REJECTED"
	// CodeWatchGap is the serve monitor's (not a Watcher's): blocks it
	// skipped on a restart because the gap since its saved cursor was
	// larger than it may catch up on (or the node no longer serves them).
	CodeWatchGap = "WATCH_GAP"
)

// Codes lists every code a Watcher emits.
var Codes = []string{policy.CodeMasterCopyChange, policy.CodeListCorrupt, policy.CodeGuardChange, CodeModuleGuardChange,
	policy.CodeFallbackHandlerChange, policy.CodeOwnerChange, policy.CodeThresholdChange, policy.CodeModuleChange, CodeSafeUnreadable,
	CodeNodeUnreachable, CodeReorgTooDeep, CodeNodeRecovered, CodeChainReorg, CodeUnverifiedExecution, CodeExecutedRejected}

// historyStorage is the EIP-2935 system contract (from Prague) that keeps
// the hashes of the last historyServeWindow blocks: at the start of block
// N+1 the node stores block N's hash at slot N mod historyServeWindow.
var historyStorage = common.HexToAddress("0x0000F90827F1C53a10cb7A02335B175320002935")

const historyServeWindow = 8191

// DefaultMaxReorgDepth bounds how far back a Watcher looks for the common
// ancestor of a reorganised chain.
const DefaultMaxReorgDepth = 64

// BlockHeader is what a Watcher needs of a block: its number, hash and
// parent hash.
type BlockHeader struct {
	Number     uint64
	Hash       common.Hash
	ParentHash common.Hash
}

// Reader is a ChainReader that also returns block headers, by number
// on the node's canonical chain. ethrpc.WatchReader implements it; tests
// implement it with a fake chain.
type Reader interface {
	onchain.ChainReader
	// BlockHeader returns the header of block n of the canonical chain; an
	// ENOTFOUND error when the node has no such block.
	BlockHeader(ctx context.Context, n uint64) (BlockHeader, error)
}

// Alert is one thing a Watcher saw. Safe is empty for an alert about the
// node or the chain (NODE_UNREACHABLE, CHAIN_REORG …).
type Alert struct {
	Block     uint64          `json:"block"`
	BlockHash string          `json:"blockHash,omitempty"`
	Safe      string          `json:"safe,omitempty"`
	Code      string          `json:"code"`
	Severity  policy.Severity `json:"severity"`
	Message   string          `json:"message"`
	// Kind, Before and After are the state change behind the alert (see
	// [onchain.Change]); empty for an alert that is not about one change.
	Kind   onchain.ChangeKind `json:"kind,omitempty"`
	Before string             `json:"before,omitempty"`
	After  string             `json:"after,omitempty"`
	// SafeTxHash and TxHash are the executed Safe transaction and the
	// Ethereum transaction that executed it, for UNVERIFIED_EXECUTION and
	// EXECUTED_REJECTED; empty otherwise.
	SafeTxHash string `json:"safeTxHash,omitempty"`
	TxHash     string `json:"txHash,omitempty"`
}

// String renders the alert on one line: block, Safe, severity, code and
// message.
func (a Alert) String() string {
	who := a.Safe
	if who == "" {
		who = "-"
	}
	return fmt.Sprintf("block %d %s %s %s: %s", a.Block, who, strings.ToUpper(string(a.Severity)), a.Code, a.Message)
}

// WorstVerdict is the verdict table of [policy.VerdictOf] applied to alerts:
// reject when any is critical, review when any is medium or high, ok
// otherwise. Its ExitCode is the watch command's (3, 2, 0).
func WorstVerdict(alerts []Alert) bulwark.Verdict {
	fs := make([]policy.Finding, len(alerts))
	for i, a := range alerts {
		fs[i] = policy.Finding{Code: a.Code, Severity: a.Severity}
	}
	return policy.VerdictOf(fs)
}

// Options tune a Watcher.
type Options struct {
	// MaxReorgDepth bounds the search for a reorganised chain's common
	// ancestor; 0 means DefaultMaxReorgDepth.
	MaxReorgDepth int
	// Read is passed to ReadStatesWith (Previous is the Watcher's own).
	Read onchain.ReadOptions
	// Executions, when set, makes every Step also check the block's
	// ExecutionSuccess events of the watched Safes against the verdicts on
	// record; nil checks state only.
	Executions *ExecutionCheck
}

// ExecutionCheck is what a Watcher needs to tell an executed Safe
// transaction Bulwark verified from one it did not: the node's logs and
// the verdicts on record.
//
// Each block's ExecutionSuccess(bytes32 txHash, uint256 payment) events of
// the watched Safes are read by block hash (one eth_getLogs per
// [ExecutionLogChunk] Safes); the safeTxHash is the first data word up to
// 1.3.0 and topic 1 from 1.4.0. A safeTxHash with no verification of that
// Safe on the watched chain is UNVERIFIED_EXECUTION (high); one that was
// verified with verdict reject is EXECUTED_REJECTED (critical). Safes
// before 1.1.0 emit no ExecutionSuccess and are not checked.
type ExecutionCheck struct {
	Logs     onchain.LogReader
	Verified policy.VerificationLookup
}

// CheckingExecutions returns the Options of a Watcher that checks every
// ExecutionSuccess against the verdicts on record (safe verify, POST
// /api/v1/safe/verify), reading the events from logs: 'bulwark safe watch'
// and the server's Monitor watch this way.
func CheckingExecutions(logs onchain.LogReader, verified policy.VerificationLookup) Options {
	return Options{Executions: &ExecutionCheck{Logs: logs, Verified: verified}}
}

// ExecutionLogChunk is how many Safes one eth_getLogs query of
// [ExecutionCheck] names.
const ExecutionLogChunk = 256

// Watcher follows a chain block by block and turns the changes of the
// watched Safes' state into alerts. Each block's states are read by block
// hash, so that a reorg cannot swap the block under a read, and diffed
// against the previous block's. A block read while it may be the node's
// head costs one read more, at latest, which tells a node that answered
// with the state of the block it was mining (and then reads the block
// again once the head has passed it; see [Watcher.Step]). It reads state, not events: the Bybit
// DELEGATECALL emitted none.
//
// A watched address without code and with nonce 0 at the baseline is a
// Safe not deployed yet (a counterfactual Safe, or one created after the
// block a watch starts from): it is watched without an alert (see
// [Watcher.NotDeployed]) until code appears; its state at that block is
// then its baseline — the deployment and its setup are not changes — and
// later blocks are diffed with it. Code there that is not a Safe, or a
// nonce above 0 (the account sent a transaction: an externally owned
// account), is a SAFE_UNREADABLE at that block. An address without code
// whose nonce is already above 0 at the baseline is not a Safe. Its nonce
// is read, with its code, only while an address has no code: watching
// deployed Safes costs the same reads as before.
//
// A Watcher is not safe for concurrent use.
type Watcher struct {
	r     Reader
	safes []common.Address
	opt   Options

	last   BlockHeader
	hashes map[uint64]common.Hash // processed canonical blocks, the last MaxReorgDepth+1
	states map[common.Address]*onchain.State
	// unreadable marks Safes whose last read failed with ErrNotSafe; their
	// states entry is the last good state, the baseline when they come back
	// (none for an address whose code was never a Safe's).
	unreadable map[common.Address]bool
	// notDeployed marks the addresses that had no code (and nonce 0) at
	// the baseline and still have none at the last block processed (no
	// states entry); deployedAt holds the block at which such an address
	// got code (or sent a transaction), so that a reorg below it makes the
	// address not deployed again.
	notDeployed map[common.Address]bool
	deployedAt  map[common.Address]uint64
	started     bool
	// head is the node's head when last asked: the blocks below it are
	// read without checking that the node served their own state (see
	// Watcher.read).
	head uint64
}

// New returns a Watcher of safes (at least one, no duplicates) on
// r. Call Start before Step.
func New(r Reader, safes []common.Address, opt Options) (*Watcher, error) {
	if r == nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "safe: no chain reader")
	}
	if len(safes) == 0 {
		return nil, bulwark.Invalid("safe", "no Safe to watch")
	}
	seen := map[common.Address]bool{}
	for _, a := range safes {
		if seen[a] {
			return nil, bulwark.Invalid("safe", "%s is listed twice", a.Hex())
		}
		seen[a] = true
	}
	if opt.MaxReorgDepth <= 0 {
		opt.MaxReorgDepth = DefaultMaxReorgDepth
	}
	return &Watcher{r: &cachedChainID{Reader: r}, safes: append([]common.Address(nil), safes...), opt: opt,
		hashes: map[uint64]common.Hash{}, states: map[common.Address]*onchain.State{}, unreadable: map[common.Address]bool{},
		notDeployed: map[common.Address]bool{}, deployedAt: map[common.Address]uint64{}}, nil
}

// Safes returns the watched Safes, in the order given.
func (w *Watcher) Safes() []common.Address { return append([]common.Address(nil), w.safes...) }

// Last returns the last block processed (the baseline after Start).
func (w *Watcher) Last() BlockHeader { return w.last }

// State returns the last state read of the Safe at addr (nil if none,
// e.g. while it is not deployed).
func (w *Watcher) State(addr common.Address) *onchain.State { return w.states[addr] }

// NotDeployed returns the watched addresses that have had no code from the
// baseline up to the last block processed, in the order given: Safes not
// deployed yet, watched for their deployment.
func (w *Watcher) NotDeployed() []common.Address {
	var out []common.Address
	for _, a := range w.safes {
		if w.notDeployed[a] {
			out = append(out, a)
		}
	}
	return out
}

// Start reads every watched Safe at block baseline: the states later
// blocks are compared with. An address without code and with nonce 0
// there is watched as not deployed yet (see [Watcher.NotDeployed]); one
// with code that is not a Safe, or without code but with a nonce above 0
// (an externally owned account that has sent transactions: a mistyped or
// wrong address), is an EINVALID error naming it, with cause ErrNotSafe; a
// node failure is the node's error (which may be EINVALID too: tell them
// by ErrNotSafe).
func (w *Watcher) Start(ctx context.Context, baseline uint64) error {
	h, err := w.r.BlockHeader(ctx, baseline)
	if err != nil {
		return err
	}
	states, err := w.read(ctx, h, nil)
	var rerr *onchain.ReadStatesError
	if err != nil && !errors.As(err, &rerr) {
		return err
	}
	notDeployed := map[common.Address]bool{}
	var failed onchain.ReadStatesError
	for i, e := range rerrErrs(rerr) {
		if errors.Is(e, onchain.ErrNoCode) {
			notDeployed[rerr.Addrs[i]] = true
			continue
		}
		failed.Addrs, failed.Errs = append(failed.Addrs, rerr.Addrs[i]), append(failed.Errs, e)
	}
	if len(failed.Errs) > 0 {
		return bulwark.Wrap(&failed, bulwark.ErrorCode(failed.Errs[0]), fmt.Sprintf("baseline block %d: %s", baseline, failed.Error()))
	}
	w.last, w.started = h, true
	w.hashes = map[uint64]common.Hash{h.Number: h.Hash}
	w.notDeployed, w.deployedAt = notDeployed, map[common.Address]uint64{}
	for i, a := range w.safes {
		if notDeployed[a] {
			delete(w.states, a)
			continue
		}
		w.states[a] = states[i]
	}
	return nil
}

// read reads the watched Safes at h by hash, with prev as hints (nil at
// the baseline: nothing is known). With hints, the nonces of the addresses
// without a state there (not deployed yet, or never a Safe) are read in
// the first round trip, with their code; a Safe's never is.
//
// A read by hash is not always the state of that block: a node may answer
// the reads of its head block from its live state, which the next block,
// while it is being mined, has already changed (Anvil does, for a moment
// that grows with the machine's load). So unless h is known to be below
// the node's head, read then asks the node, at latest, for slot h mod 8191
// of the EIP-2935 history contract: holding h's hash, it says that a
// block after h has been executed, and every read made before may have
// seen its state; read then waits for the node's head to pass h (blocks
// below the head are read from their own state) and reads h again. The
// state only moves forward, so a check that finds the slot without h's
// hash vouches for the reads before it. On a chain without the contract
// (before Prague) the slot stays empty and nothing is checked.
func (w *Watcher) read(ctx context.Context, h BlockHeader, prev map[common.Address]*onchain.State) ([]*onchain.State, error) {
	opt := w.opt.Read
	opt.Previous = prev
	opt.NoCode = nil
	if prev != nil {
		opt.NoCode = func(a common.Address) bool { return prev[a] == nil }
	}
	states, err := onchain.ReadStatesWith(ctx, w.r, w.safes, onchain.AtBlockHash(h.Hash), opt)
	var rerr *onchain.ReadStatesError
	if (err != nil && !errors.As(err, &rerr)) || h.Number < w.head {
		return states, err
	}
	later, cerr := w.executedAfter(ctx, h)
	if cerr != nil {
		return nil, cerr
	}
	if !later {
		return states, err
	}
	if err := w.waitHeadPast(ctx, h); err != nil {
		return nil, err
	}
	return onchain.ReadStatesWith(ctx, w.r, w.safes, onchain.AtBlockHash(h.Hash), opt)
}

// executedAfter reports whether the node has executed a block after h: the
// EIP-2935 history contract holds h's hash at latest. A node that refuses
// that read tells nothing (false).
func (w *Watcher) executedAfter(ctx context.Context, h BlockHeader) (bool, error) {
	reads := []onchain.Read{{Kind: onchain.ReadStorage, Addr: historyStorage, Slot: common.BigToHash(new(big.Int).SetUint64(h.Number % historyServeWindow))}}
	if err := w.r.BatchRead(ctx, onchain.LatestBlock, reads); err != nil {
		return false, err
	}
	return reads[0].Err == nil && common.BytesToHash(reads[0].Out) == h.Hash, nil
}

// waitHeadPast waits, briefly, for the node's head to pass h, which it has
// executed a block after; an EUNAVAILABLE error when it does not (the
// caller's retry reads h again).
func (w *Watcher) waitHeadPast(ctx context.Context, h BlockHeader) error {
	wait := 5 * time.Millisecond
	for attempt := 0; ; attempt++ {
		head, err := w.r.BlockNumber(ctx)
		if err != nil {
			return err
		}
		w.head = head
		if head > h.Number {
			return nil
		}
		if attempt == 8 {
			return bulwark.Errorf(bulwark.EUNAVAILABLE, "the node answered the reads of block %d (%s) with the state of a later block (its EIP-2935 history contract already holds block %d's hash) while its head stays at %d: block %d is read again once the head has passed it",
				h.Number, h.Hash.Hex(), h.Number, head, h.Number)
		}
		if !bulwark.Sleep(ctx, wait) {
			return ctx.Err()
		}
		wait *= 2
	}
}

// Step processes block Last()+1, which the node must have: it reads the
// watched Safes at that block and returns the alerts for what changed.
// When the block's parent is not the block processed last, the chain was
// reorganised: Step rewinds to the common ancestor (re-reading the Safes
// there) and returns a CHAIN_REORG alert; the following Steps process the
// new canonical blocks. A node failure is returned as an error and leaves
// the Watcher as it was, so the Step can be retried.
//
// Unless the block is known to be below the node's head (Follow asks for
// the head), Step checks that the node did not answer with the state of a
// block after it: some nodes (Anvil) serve their head block's reads from
// their live state, which the next block already changes while it is
// mined. The check reads, at latest, the EIP-2935 history contract (from
// Prague; no check before), which holds the block's hash once a later
// block has been executed; Step then waits briefly for the head to pass
// the block and reads it again, or returns an EUNAVAILABLE error to retry.
func (w *Watcher) Step(ctx context.Context) ([]Alert, error) {
	if !w.started {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "safe: Watcher.Step before Start")
	}
	n := w.last.Number + 1
	h, err := w.r.BlockHeader(ctx, n)
	if err != nil {
		return nil, err
	}
	if h.ParentHash != w.last.Hash {
		return w.rewind(ctx, n-1, h)
	}
	states, err := w.read(ctx, h, w.goodStates())
	var rerr *onchain.ReadStatesError
	if err != nil && !errors.As(err, &rerr) {
		return nil, err
	}
	failed := map[common.Address]error{}
	if rerr != nil {
		for i, a := range rerr.Addrs {
			if !errors.Is(rerr.Errs[i], onchain.ErrNotSafe) {
				// The node refused a read (a pruned or unknown block …):
				// not the Safe's doing; retry the block.
				return nil, rerr.Errs[i]
			}
			failed[a] = rerr.Errs[i]
		}
	}
	execAlerts, err := w.executionAlerts(ctx, h)
	if err != nil {
		return nil, err
	}
	var alerts []Alert
	for i, a := range w.safes {
		if w.notDeployed[a] {
			if al, ok := w.deployed(h, a, states[i], failed[a]); ok {
				alerts = append(alerts, al)
			}
			continue
		}
		if e, bad := failed[a]; bad {
			if !w.unreadable[a] {
				alerts = append(alerts, Alert{Block: h.Number, BlockHash: h.Hash.Hex(), Safe: a.Hex(), Code: CodeSafeUnreadable, Severity: policy.SeverityHigh,
					Message: fmt.Sprintf("Safe %s read fine at block %d and cannot be read as a Safe now: %s", a.Hex(), w.last.Number, bulwark.ErrorMessage(e))})
			}
			w.unreadable[a] = true
			continue
		}
		st := states[i]
		alerts = append(alerts, ChangeAlerts(h, w.states[a], st)...)
		w.states[a] = st
		delete(w.unreadable, a)
	}
	w.advance(h)
	return append(alerts, execAlerts...), nil
}

// deployed handles block h for a, not deployed at the block before: read
// as st, or failed with e. Still no code (and nonce 0): nothing. A Safe: st
// is its baseline, no alert (its setup is not a change). Code that is not
// a Safe, or a nonce above 0 without code (it sent a transaction: an
// externally owned account): a SAFE_UNREADABLE alert, returned.
func (w *Watcher) deployed(h BlockHeader, a common.Address, st *onchain.State, e error) (Alert, bool) {
	if e != nil && errors.Is(e, onchain.ErrNoCode) {
		return Alert{}, false
	}
	delete(w.notDeployed, a)
	w.deployedAt[a] = h.Number
	if e == nil {
		w.states[a] = st
		delete(w.unreadable, a)
		return Alert{}, false
	}
	w.unreadable[a] = true
	what := "the code it got at block %d is not a Safe"
	if errors.Is(e, onchain.ErrEOA) {
		what = "it sent a transaction by block %d, without code: it is not a Safe"
	}
	return Alert{Block: h.Number, BlockHash: h.Hash.Hex(), Safe: a.Hex(), Code: CodeSafeUnreadable, Severity: policy.SeverityHigh,
		Message: fmt.Sprintf("watched address %s had no code up to block %d (a Safe not deployed yet) and "+what+": %s",
			a.Hex(), w.last.Number, h.Number, bulwark.ErrorMessage(e))}, true
}

// executionAlerts reads block h's ExecutionSuccess events of the watched
// Safes and returns an alert for each executed safeTxHash that was not
// verified, or was rejected. It changes nothing: an error leaves the
// block to be retried.
func (w *Watcher) executionAlerts(ctx context.Context, h BlockHeader) ([]Alert, error) {
	ec := w.opt.Executions
	if ec == nil {
		return nil, nil
	}
	chainID, err := w.r.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	watched := make(map[common.Address]bool, len(w.safes))
	for _, a := range w.safes {
		watched[a] = true
	}
	var out []Alert
	for i := 0; i < len(w.safes); i += ExecutionLogChunk {
		hash := h.Hash
		logs, err := ec.Logs.ReadLogs(ctx, onchain.LogFilter{Addresses: w.safes[i:min(i+ExecutionLogChunk, len(w.safes))], BlockHash: &hash,
			Topics0: []common.Hash{onchain.TopicExecutionSuccess}})
		if err != nil {
			return nil, err
		}
		for _, l := range logs {
			if l.Removed || !watched[l.Address] || len(l.Topics) == 0 || l.Topics[0] != onchain.TopicExecutionSuccess {
				continue
			}
			var sth common.Hash
			switch {
			case len(l.Topics) >= 2: // 1.4.0+: txHash indexed
				sth = l.Topics[1]
			case len(l.Data) >= 32: // up to 1.3.0: the first data word
				sth = common.BytesToHash(l.Data[:32])
			default:
				continue
			}
			recs, err := ec.Verified.Verifications(ctx, sth)
			if err != nil {
				return nil, bulwark.Wrap(err, bulwark.ErrorCode(err), "cannot look up the verifications of safeTxHash "+sth.Hex()+": "+bulwark.ErrorMessage(err))
			}
			if a, ok := ExecutionAlert(h, l.Address, sth, l.TxHash, chainID, recs); ok {
				out = append(out, a)
			}
		}
	}
	return out, nil
}

// ExecutionAlert judges the execution of safeTxHash by the Safe at addr (in Ethereum
// transaction txHash, block h, chain chainID) against the verification
// records of that hash: UNVERIFIED_EXECUTION (high) when none is of this
// Safe on this chain, EXECUTED_REJECTED (critical) when one of them is a
// reject, and no alert otherwise (ok and review verdicts: the signers
// were shown the findings).
func ExecutionAlert(h BlockHeader, addr common.Address, safeTxHash, txHash common.Hash, chainID uint64, recs []policy.VerificationRecord) (Alert, bool) {
	a := Alert{Block: h.Number, BlockHash: h.Hash.Hex(), Safe: addr.Hex(), SafeTxHash: safeTxHash.Hex(), TxHash: txHash.Hex()}
	var mine []policy.VerificationRecord
	for _, r := range recs {
		if r.Safe == addr && r.ChainID != nil && r.ChainID.IsUint64() && r.ChainID.Uint64() == chainID {
			mine = append(mine, r)
		}
	}
	if len(mine) == 0 {
		a.Code, a.Severity = CodeUnverifiedExecution, policy.SeverityHigh
		other := ""
		if len(recs) > 0 {
			other = fmt.Sprintf(" (%d verification(s) of this hash are for another Safe or chain)", len(recs))
		}
		a.Message = fmt.Sprintf("Safe transaction %s was executed (transaction %s) without a Bulwark verification of it for this Safe on chain %d%s: nobody ran 'bulwark safe verify' (or POST /api/v1/safe/verify) on what was signed; check what it did",
			safeTxHash.Hex(), txHash.Hex(), chainID, other)
		return a, true
	}
	for _, r := range mine {
		if r.Verdict == bulwark.VerdictReject {
			a.Code, a.Severity = CodeExecutedRejected, policy.SeverityCritical
			a.Message = fmt.Sprintf("Safe transaction %s was executed (transaction %s) although Bulwark rejected it (verdict reject, audit entry %d, %s): it was signed and executed anyway; treat the Safe as compromised until shown otherwise",
				safeTxHash.Hex(), txHash.Hex(), r.AuditSeq, r.Time.UTC().Format(time.RFC3339))
			return a, true
		}
	}
	return Alert{}, false
}

// goodStates returns the last states of the Safes that read fine, as
// hints.
func (w *Watcher) goodStates() map[common.Address]*onchain.State { return w.states }

func (w *Watcher) advance(h BlockHeader) {
	w.last = h
	w.hashes[h.Number] = h.Hash
	if h.Number > uint64(w.opt.MaxReorgDepth) {
		delete(w.hashes, h.Number-uint64(w.opt.MaxReorgDepth)-1)
	}
}

// CheckHead handles a head below the last block processed: a reorg to a
// shorter chain, or a node that came back with another chain. When the
// processed block at head is no longer canonical, CheckHead rewinds as Step
// does and returns the CHAIN_REORG alert; otherwise it does nothing (the
// node lags behind, e.g. a load balancer's other backend).
func (w *Watcher) CheckHead(ctx context.Context, head uint64) ([]Alert, error) {
	if !w.started || head >= w.last.Number {
		return nil, nil
	}
	want, ok := w.hashes[head]
	if !ok {
		return nil, nil
	}
	h, err := w.r.BlockHeader(ctx, head)
	if err != nil {
		return nil, err
	}
	if h.Hash == want {
		return nil, nil
	}
	return w.rewind(ctx, head, h)
}

// rewind finds the newest processed block at or below from that is still
// canonical, re-reads the Safes there and makes it the last block
// processed. seen is the canonical header that revealed the reorg.
func (w *Watcher) rewind(ctx context.Context, from uint64, seen BlockHeader) ([]Alert, error) {
	oldLast := w.last
	for k := from; ; k-- {
		want, ok := w.hashes[k]
		if !ok {
			break
		}
		h, err := w.r.BlockHeader(ctx, k)
		if err != nil && bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			return nil, err
		}
		if err == nil && h.Hash == want {
			states, err := w.read(ctx, h, w.goodStates())
			var rerr *onchain.ReadStatesError
			if err != nil && !errors.As(err, &rerr) {
				return nil, err
			}
			failed := map[common.Address]error{}
			for i, e := range rerrErrs(rerr) {
				if !errors.Is(e, onchain.ErrNotSafe) {
					return nil, e
				}
				failed[rerr.Addrs[i]] = e
			}
			for i, a := range w.safes {
				if d, ok := w.deployedAt[a]; ok && d > k {
					// Deployed on the dropped branch (or after k): not at k.
					delete(w.deployedAt, a)
					delete(w.states, a)
					delete(w.unreadable, a)
					w.notDeployed[a] = true
				}
				switch e := failed[a]; {
				case w.notDeployed[a] && e != nil && errors.Is(e, onchain.ErrNoCode):
					// Still not deployed at k.
				case w.notDeployed[a]:
					w.deployed(h, a, states[i], e) // k was processed without code there: a node that changed its mind
				case e != nil:
					w.unreadable[a] = true
				default:
					w.states[a] = states[i]
					delete(w.unreadable, a)
				}
			}
			for n := range w.hashes {
				if n > k {
					delete(w.hashes, n)
				}
			}
			w.last = h
			return []Alert{{Block: seen.Number, BlockHash: seen.Hash.Hex(), Code: CodeChainReorg, Severity: policy.SeverityInfo,
				Message: fmt.Sprintf("chain reorganised: blocks %d–%d processed before (last %s) are no longer canonical; common ancestor %d (%s); re-reading from block %d (alerts raised for the dropped blocks came from a branch that is gone)",
					k+1, oldLast.Number, oldLast.Hash.Hex(), k, h.Hash.Hex(), k+1)}}, nil
		}
		if k == 0 {
			break
		}
	}
	// No common ancestor within reach: carry on from the new chain's block
	// below seen, with the last states read as the baseline, so a change
	// made in the meantime is still reported (at the next block).
	base := seen
	if seen.Number > 0 && seen.ParentHash != (common.Hash{}) {
		base = BlockHeader{Number: seen.Number - 1, Hash: seen.ParentHash}
		if h, err := w.r.BlockHeader(ctx, seen.Number-1); err == nil && h.Hash == seen.ParentHash {
			base = h
		}
	}
	w.hashes = map[uint64]common.Hash{base.Number: base.Hash}
	w.last = base
	return []Alert{{Block: seen.Number, BlockHash: seen.Hash.Hex(), Code: CodeReorgTooDeep, Severity: policy.SeverityHigh,
		Message: fmt.Sprintf("chain reorganised deeper than %d blocks (or the node now serves another chain): none of the blocks processed up to %d (%s) is canonical any more; continuing from block %d, comparing with the last states read",
			w.opt.MaxReorgDepth, oldLast.Number, oldLast.Hash.Hex(), base.Number+1)}}, nil
}

func rerrErrs(e *onchain.ReadStatesError) []error {
	if e == nil {
		return nil
	}
	return e.Errs
}

// ChangeAlerts maps the changes from before to after, two states of one
// Safe, to alerts at block h. Nonce and balance changes are not alerts:
// every ordinary transaction makes them.
func ChangeAlerts(h BlockHeader, before, after *onchain.State) []Alert {
	if before == nil || after == nil {
		return nil
	}
	var out []Alert
	add := func(c onchain.Change, code string, sev policy.Severity, format string, args ...any) {
		out = append(out, Alert{Block: h.Number, BlockHash: h.Hash.Hex(), Safe: after.Address.Hex(), Code: code, Severity: sev,
			Message: fmt.Sprintf(format, args...), Kind: c.Kind, Before: c.Before, After: c.After})
	}
	for _, c := range onchain.DiffStates(before, after) {
		switch c.Kind {
		case onchain.ChangeSingleton:
			add(c, policy.CodeMasterCopyChange, policy.SeverityCritical, "singleton (slot 0, masterCopy) changed %s → %s%s: the Safe now runs other code; if nobody meant this, it is hijacked (Bybit)",
				c.Before, c.After, singletonNote(after))
		case onchain.ChangeSingletonCode:
			add(c, policy.CodeMasterCopyChange, policy.SeverityCritical, "the code of singleton %s changed (code hash %s → %s): the Safe now runs other code", after.Singleton.Hex(), c.Before, c.After)
		case onchain.ChangeProxyCode:
			add(c, policy.CodeMasterCopyChange, policy.SeverityCritical, "the proxy's own code changed (code hash %s → %s)", c.Before, c.After)
		case onchain.ChangeGuard:
			add(c, policy.CodeGuardChange, policy.SeverityHigh, "transaction guard changed %s → %s", none(c.Before), none(c.After))
		case onchain.ChangeModuleGuard:
			add(c, CodeModuleGuardChange, policy.SeverityHigh, "module guard changed %s → %s", none(c.Before), none(c.After))
		case onchain.ChangeFallbackHandler:
			add(c, policy.CodeFallbackHandlerChange, policy.SeverityHigh, "fallback handler changed %s → %s", none(c.Before), none(c.After))
		case onchain.ChangeModuleEnabled:
			add(c, policy.CodeModuleChange, policy.SeverityHigh, "module %s enabled: it can execute transactions without the owners' signatures", c.After)
		case onchain.ChangeModuleDisabled:
			add(c, policy.CodeModuleChange, policy.SeverityHigh, "module %s disabled", c.Before)
		case onchain.ChangeOwnerAdded:
			add(c, policy.CodeOwnerChange, policy.SeverityHigh, "owner %s added (owners %d → %d)", c.After, len(before.Owners), len(after.Owners))
		case onchain.ChangeOwnerRemoved:
			add(c, policy.CodeOwnerChange, policy.SeverityHigh, "owner %s removed (owners %d → %d)", c.Before, len(before.Owners), len(after.Owners))
		case onchain.ChangeThreshold:
			add(c, policy.CodeThresholdChange, policy.SeverityHigh, "threshold changed %s → %s (of %s)", c.Before, c.After, bulwark.Plural(len(after.Owners), "owner", "owners"))
		case onchain.ChangeOwnerList, onchain.ChangeModuleList:
			list := "owner"
			if c.Kind == onchain.ChangeModuleList {
				list = "module"
			}
			if c.After != string(onchain.ListOK) {
				add(c, policy.CodeListCorrupt, policy.SeverityCritical, "the %s list in storage is now %s (was %s): the Safe's own code never writes that; its storage was tampered with",
					list, c.After, listStatus(c.Before))
			} else {
				add(c, policy.CodeListCorrupt, policy.SeverityHigh, "the %s list in storage is well-formed again (was %s)", list, c.Before)
			}
		case onchain.ChangeOwnerCount:
			add(c, policy.CodeListCorrupt, policy.SeverityCritical, "ownerCount changed %s → %s out of step with the owner list (%s): the Safe's own code never does that", c.Before, c.After, bulwark.Plural(len(after.Owners), "entry", "entries"))
		}
	}
	return out
}

func singletonNote(st *onchain.State) string {
	switch {
	case st.SingletonCodeHash == (common.Hash{}):
		return " (no code there)"
	case st.SingletonKnown():
		return " (a known " + onchain.DeploymentNames(st.SingletonDeployments) + " singleton)"
	}
	return " (not a known Safe singleton)"
}

func none(addr string) string {
	if addr == (common.Address{}).Hex() {
		return "none"
	}
	return addr
}

func listStatus(s string) string {
	if s == "" {
		return "well-formed"
	}
	return s
}

// cachedChainID asks the node for the chain id once: ReadStatesWith asks
// for it on every call, a round trip per block a watcher can save.
type cachedChainID struct {
	Reader
	mu sync.Mutex
	id uint64
	ok bool
}

func (c *cachedChainID) ChainID(ctx context.Context) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok {
		return c.id, nil
	}
	id, err := c.Reader.ChainID(ctx)
	if err != nil {
		return 0, err
	}
	c.id, c.ok = id, true
	return id, nil
}

// FollowOptions tune [Watcher.Follow].
type FollowOptions struct {
	// ToBlock, when HasTo, is the last block to process.
	ToBlock uint64
	HasTo   bool
	// PollInterval is the wait between polls of the head once caught up;
	// default 1 s.
	PollInterval time.Duration
	// UnreachableAfter is how long the node may fail (retried with
	// backoff) before a NODE_UNREACHABLE alert; default 30 s.
	UnreachableAfter time.Duration
	// RetryBase and RetryMax bound the backoff between retries after a node
	// failure (doubling from RetryBase); defaults 500 ms and 15 s.
	RetryBase, RetryMax time.Duration
	// Emit receives each alert in order. An error from it stops Follow.
	Emit func(Alert) error
	// Progress, when set, is called after each block processed with the
	// block and the head it is catching up to.
	Progress func(block, head uint64)
	// Retry, when set, is told of each node failure before the backoff.
	Retry func(err error, attempt int, wait time.Duration)
}

// Follow processes blocks as the chain grows until ctx ends (nil error) or,
// with HasTo, block ToBlock has been processed. A node failure is retried
// with backoff; when the node keeps failing for UnreachableAfter,
// NODE_UNREACHABLE (high) is emitted once, and NODE_RECOVERED (info) when
// it answers again. Only an error from Emit (or an internal error) stops
// Follow with an error.
func (w *Watcher) Follow(ctx context.Context, opt FollowOptions) error {
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	if opt.UnreachableAfter <= 0 {
		opt.UnreachableAfter = 30 * time.Second
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = 500 * time.Millisecond
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = 15 * time.Second
	}
	emit := func(alerts []Alert) error {
		for _, a := range alerts {
			if err := opt.Emit(a); err != nil {
				return err
			}
		}
		return nil
	}
	var downSince time.Time
	var lastErr error
	alerted, attempt := false, 0
	for {
		if ctx.Err() != nil || (opt.HasTo && w.last.Number >= opt.ToBlock) {
			return nil
		}
		progressed, err := w.catchUp(ctx, opt, emit)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			var ee *emitError
			if errors.As(err, &ee) {
				return ee.err
			}
			if bulwark.ErrorCode(err) == bulwark.EINTERNAL {
				return err
			}
			if downSince.IsZero() {
				downSince = time.Now()
			}
			lastErr = err
			if !alerted && time.Since(downSince) >= opt.UnreachableAfter {
				alerted = true
				a := Alert{Block: w.last.Number + 1, Code: CodeNodeUnreachable, Severity: policy.SeverityHigh,
					Message: fmt.Sprintf("the node has failed for %s (retrying with backoff), so blocks from %d are not being checked: %s",
						time.Since(downSince).Round(time.Second), w.last.Number+1, bulwark.ErrorMessage(lastErr))}
				if err := emit([]Alert{a}); err != nil {
					return err
				}
			}
			wait := min(opt.RetryBase<<min(attempt, 20), opt.RetryMax)
			attempt++
			if opt.Retry != nil {
				opt.Retry(err, attempt, wait)
			}
			if !bulwark.Sleep(ctx, wait) {
				return nil
			}
			continue
		}
		if !downSince.IsZero() {
			if alerted {
				a := Alert{Block: w.last.Number, BlockHash: w.last.Hash.Hex(), Code: CodeNodeRecovered, Severity: policy.SeverityInfo,
					Message: fmt.Sprintf("the node answers again after %s; every block was checked in order, none skipped", time.Since(downSince).Round(time.Second))}
				if err := emit([]Alert{a}); err != nil {
					return err
				}
			}
			downSince, alerted, attempt = time.Time{}, false, 0
		}
		if !progressed && !bulwark.Sleep(ctx, opt.PollInterval) {
			return nil
		}
	}
}

// emitError marks an error from FollowOptions.Emit.
type emitError struct{ err error }

func (e *emitError) Error() string { return e.err.Error() }

// catchUp processes every block up to the head (or ToBlock) and reports
// whether it processed any.
func (w *Watcher) catchUp(ctx context.Context, opt FollowOptions, emit func([]Alert) error) (bool, error) {
	head, err := w.r.BlockNumber(ctx)
	if err != nil {
		return false, err
	}
	w.head = head
	if head < w.last.Number {
		alerts, err := w.CheckHead(ctx, head)
		if err != nil {
			return false, err
		}
		if err := emit(alerts); err != nil {
			return false, &emitError{err}
		}
		return len(alerts) > 0, nil
	}
	target := head
	if opt.HasTo && opt.ToBlock < target {
		target = opt.ToBlock
	}
	progressed := false
	for w.last.Number < target {
		if ctx.Err() != nil {
			return progressed, nil
		}
		alerts, err := w.Step(ctx)
		if err != nil {
			return progressed, err
		}
		progressed = true
		if err := emit(alerts); err != nil {
			return progressed, &emitError{err}
		}
		if opt.Progress != nil {
			opt.Progress(w.last.Number, head)
		}
	}
	return progressed, nil
}
