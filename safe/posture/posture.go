package posture

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// PolicyVersion names the posture rules below (the findings of
// [Audit] and their severities). It is stored with every audit verdict;
// change it whenever a rule or a severity changes. The verdict table is
// the policy's ([policy.VerdictOf]).
const PolicyVersion = "safe-posture/1"

// Posture finding codes. They are stable: scripts and the audit log key on
// them. docs/safe.md ("Posture audit") explains each. Two codes are
// shared, with the same meaning: LIST_CORRUPT with the watcher
// (CodeListCorrupt, watch.go) and UNKNOWN_SINGLETON with verify against a
// node (CodeUnknownSingleton, onchain.go).
const (
	CodeLegacyVersion           = "LEGACY_VERSION"
	CodeThresholdRisk           = "THRESHOLD_RISK"
	CodeModulesEnabled          = "MODULES_ENABLED"
	CodeUnknownFallbackHandler  = "UNKNOWN_FALLBACK_HANDLER"
	CodeGuardSet                = "GUARD_SET"
	CodeModuleGuardSet          = "MODULE_GUARD_SET"
	CodeNoGuard                 = "NO_GUARD"
	CodeOwnerIsContract         = "OWNER_IS_CONTRACT"
	CodeApprovedHashesPending   = "APPROVED_HASHES_PENDING"
	CodeApprovedHashesUnchecked = "APPROVED_HASHES_UNCHECKED"
)

// Codes lists every code [Audit] emits.
var Codes = []string{policy.CodeListCorrupt, policy.CodeUnknownSingleton, CodeLegacyVersion, CodeThresholdRisk, CodeModulesEnabled,
	CodeUnknownFallbackHandler, CodeGuardSet, CodeModuleGuardSet, CodeNoGuard, CodeOwnerIsContract,
	CodeApprovedHashesPending, CodeApprovedHashesUnchecked}

// SlotApprovedHashes is the slot of approvedHashes (mapping(address =>
// mapping(bytes32 => uint256))) from 1.0.0 to 1.5.0: after nonce (5), the
// deprecated domainSeparator (6) and signedMessages (7).
var SlotApprovedHashes = common.BigToHash(big.NewInt(8))

// ApprovedHashSlot returns the storage slot of approvedHashes[owner][hash].
func ApprovedHashSlot(owner common.Address, hash common.Hash) common.Hash {
	inner := onchain.MappingSlot(owner, SlotApprovedHashes)
	return crypto.Keccak256Hash(hash[:], inner[:])
}

// Approval scan bounds: a mapping cannot be enumerated, so pending
// approvals are found from the ApproveHash events of a bounded block range.
const (
	// DefaultApprovalScanBlocks is the range scanned back from the audited
	// block when no start block is given.
	DefaultApprovalScanBlocks = 10_000
	// ApprovalScanChunk is the most blocks one eth_getLogs query covers
	// (many providers refuse wider ones).
	ApprovalScanChunk = 10_000
	// MaxApprovalScanBlocks bounds an explicit range.
	MaxApprovalScanBlocks = 5_000_000
	// maxApprovalLogs bounds the distinct approvals kept.
	maxApprovalLogs = 10_000
)

// AuditOptions tune [AuditMany].
type AuditOptions struct {
	// Registry of known deployments; nil means KnownDeployments().
	Registry *decode.Registry
	// ApprovalsFrom is the first block the approval scan reads; nil means
	// DefaultApprovalScanBlocks back from the audited block.
	ApprovalsFrom *uint64
	// SkipApprovals turns the scan off (the report says it was skipped).
	SkipApprovals bool
}

// AccountKind says what kind of account an owner, module, guard or handler
// is.
type AccountKind string

// Account kinds.
const (
	AccountEOA       AccountKind = "eoa"           // no code
	AccountSafe      AccountKind = "safe"          // the code of a known Safe proxy
	AccountContract  AccountKind = "contract"      // any other code
	AccountDelegated AccountKind = "delegated-eoa" // an EIP-7702 delegation (0xef0100 ‖ address)
)

// Account is an owner, module, guard, module guard or fallback
// handler as the audit saw it.
type Account struct {
	Address  common.Address `json:"-"`
	Kind     AccountKind    `json:"kind"`
	CodeHash string         `json:"codeHash,omitempty"`
	// Known is the pinned deployment with this code, e.g.
	// "CompatibilityFallbackHandler 1.4.1 (canonical)".
	Known string `json:"known,omitempty"`
	// Role is that deployment's role.
	Role decode.Role `json:"role,omitempty"`
	// DelegatesTo is the target of an EIP-7702 delegation.
	DelegatesTo string `json:"delegatesTo,omitempty"`
}

// MarshalJSON writes the address in EIP-55 form.
func (a Account) MarshalJSON() ([]byte, error) {
	type plain Account
	return json.Marshal(struct {
		Address string `json:"address"`
		plain
	}{a.Address.Hex(), plain(a)})
}

// PendingApproval is an approveHash that still counts as an owner's
// signature at the audited block.
type PendingApproval struct {
	Owner    common.Address `json:"-"`
	Hash     common.Hash    `json:"hash"`
	Block    uint64         `json:"block"`
	TxHash   common.Hash    `json:"txHash"`
	OwnerNow bool           `json:"currentOwner"`
}

// MarshalJSON writes the owner in EIP-55 form.
func (p PendingApproval) MarshalJSON() ([]byte, error) {
	type plain PendingApproval
	return json.Marshal(struct {
		Owner string `json:"owner"`
		plain
	}{p.Owner.Hex(), plain(p)})
}

// ApprovalScan reports the approval scan: the range read, and what was
// found, or why it was not done.
type ApprovalScan struct {
	Checked   bool              `json:"checked"`
	FromBlock uint64            `json:"fromBlock"`
	ToBlock   uint64            `json:"toBlock"`
	Reason    string            `json:"reason,omitempty"`
	Events    int               `json:"events"`
	Pending   []PendingApproval `json:"pending"`
}

// Report is the result of a posture audit of one Safe at one block.
type Report struct {
	Safe    common.Address
	ChainID uint64
	Block   uint64
	// Version is the established version ([onchain.State.Version]); "" when it
	// cannot be established, with VersionError saying why.
	Version      string
	VersionError string
	State        *onchain.State
	Owners       []Account
	Modules      []Account
	Guard        *Account
	ModuleGuard  *Account
	Handler      *Account
	Approvals    ApprovalScan
	Findings     []policy.Finding
	Verdict      bulwark.Verdict
}

// Codes returns the codes of the report's findings, in order.
func (r *Report) Codes() []string {
	out := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		out[i] = f.Code
	}
	return out
}

// Audit reads the Safe at addr at block and audits its posture; see
// [AuditMany].
func Audit(ctx context.Context, r onchain.ChainReader, addr common.Address, block onchain.BlockID) (*Report, error) {
	reps, err := AuditMany(ctx, r, []common.Address{addr}, block, AuditOptions{})
	var rerr *onchain.ReadStatesError
	if errors.As(err, &rerr) && len(rerr.Errs) == 1 {
		return nil, rerr.Errs[0]
	}
	if err != nil {
		return nil, err
	}
	return reps[0], nil
}

// AuditMany audits the Safes at addrs at one block: their states in one
// batched read ([onchain.ReadStatesWith]), then the code of every owner, module,
// guard and fallback handler of all of them in one BatchRead, then, when
// r is also a [onchain.LogReader], the ApproveHash events of a bounded range and
// the approvedHashes slots they name. The result has one report per
// address, in order; a Safe that cannot be read has a nil entry and the
// error is a *ReadStatesError, as ReadStatesWith's.
func AuditMany(ctx context.Context, r onchain.ChainReader, addrs []common.Address, block onchain.BlockID, opt AuditOptions) ([]*Report, error) {
	if opt.Registry == nil {
		opt.Registry = decode.KnownDeployments()
	}
	states, readErr := onchain.ReadStatesWith(ctx, r, addrs, block, onchain.ReadOptions{Registry: opt.Registry})
	var partial *onchain.ReadStatesError
	if readErr != nil && !errors.As(readErr, &partial) {
		return nil, readErr
	}
	// Code of every account the Safes point to, once each, in one batch.
	var reads []onchain.Read
	index := map[common.Address]int{}
	want := func(a common.Address) {
		if _, ok := index[a]; ok || a == (common.Address{}) {
			return
		}
		index[a] = len(reads)
		reads = append(reads, onchain.Read{Kind: onchain.ReadCode, Addr: a})
	}
	var at onchain.BlockID
	for _, st := range states {
		if st == nil {
			continue
		}
		at = st.Block
		for _, a := range st.Owners {
			want(a)
		}
		for _, a := range st.Modules {
			want(a)
		}
		want(st.Guard)
		want(st.ModuleGuard)
		want(st.FallbackHandler)
	}
	if len(reads) > 0 {
		if err := r.BatchRead(ctx, at, reads); err != nil {
			return nil, err
		}
		for _, rd := range reads {
			if rd.Err != nil {
				return nil, bulwark.Wrap(rd.Err, bulwark.ErrorCode(rd.Err), fmt.Sprintf("cannot read the code of %s at block %s: %s",
					rd.Addr.Hex(), at, bulwark.ErrorMessage(rd.Err)))
			}
		}
	}
	account := func(a common.Address) Account {
		return describeAccount(opt.Registry, a, reads[index[a]].Out)
	}
	reps := make([]*Report, len(addrs))
	for i, st := range states {
		if st == nil {
			continue
		}
		rep := &Report{Safe: st.Address, ChainID: st.ChainID, State: st}
		rep.Block, _ = st.Block.Number()
		if v, err := st.Version(); err == nil {
			rep.Version = v.String()
		} else {
			rep.VersionError = bulwark.ErrorMessage(err)
		}
		for _, a := range st.Owners {
			rep.Owners = append(rep.Owners, account(a))
		}
		for _, a := range st.Modules {
			rep.Modules = append(rep.Modules, account(a))
		}
		opt := func(a common.Address) *Account {
			if a == (common.Address{}) {
				return nil
			}
			x := account(a)
			return &x
		}
		rep.Guard, rep.ModuleGuard, rep.Handler = opt(st.Guard), opt(st.ModuleGuard), opt(st.FallbackHandler)
		reps[i] = rep
	}
	for _, rep := range reps {
		if rep == nil {
			continue
		}
		if err := scanApprovals(ctx, r, rep, opt); err != nil {
			return nil, err
		}
		rep.Findings = postureFindings(rep)
		policy.SortFindings(rep.Findings)
		rep.Verdict = policy.VerdictOf(rep.Findings)
	}
	if partial != nil {
		return reps, partial
	}
	return reps, nil
}

// delegationPrefix starts the code of an EIP-7702 delegated account.
var delegationPrefix = []byte{0xef, 0x01, 0x00}

func describeAccount(reg *decode.Registry, a common.Address, code []byte) Account {
	acc := Account{Address: a, Kind: AccountEOA}
	if len(code) == 0 {
		return acc
	}
	h := crypto.Keccak256Hash(code)
	acc.CodeHash = h.Hex()
	switch {
	case len(code) == 23 && bytes.HasPrefix(code, delegationPrefix):
		acc.Kind = AccountDelegated
		acc.DelegatesTo = common.BytesToAddress(code[3:]).Hex()
		return acc
	case onchain.KnownProxyCode(h) != "":
		acc.Kind = AccountSafe
		acc.Known = "Safe proxy " + onchain.KnownProxyCode(h)
		return acc
	}
	acc.Kind = AccountContract
	// Known by code: the same runtime code behaves the same at any address
	// (on a chain where the canonical deployment is elsewhere too). The
	// deployment at this very address is preferred when there is one.
	if d, ok := reg.Lookup(a, h); ok {
		acc.Known, acc.Role = d.String(), d.Role
	} else if ds := reg.ByCodeHash(h); len(ds) > 0 {
		acc.Known, acc.Role = ds[0].String()+", same code at another address", ds[0].Role
	}
	return acc
}

// scanApprovals fills rep.Approvals. Only a failure to reach the node at
// all is an error; a refused query is a reason.
func scanApprovals(ctx context.Context, r onchain.ChainReader, rep *Report, opt AuditOptions) error {
	sc := &rep.Approvals
	sc.ToBlock = rep.Block
	sc.Pending = []PendingApproval{}
	switch {
	case opt.SkipApprovals:
		sc.Reason = "skipped"
		return nil
	case opt.ApprovalsFrom != nil:
		sc.FromBlock = *opt.ApprovalsFrom
	case rep.Block >= DefaultApprovalScanBlocks:
		sc.FromBlock = rep.Block - DefaultApprovalScanBlocks + 1
	}
	if sc.FromBlock > sc.ToBlock {
		sc.Reason = fmt.Sprintf("the scan would start at block %d, after the audited block %d", sc.FromBlock, sc.ToBlock)
		return nil
	}
	if sc.ToBlock-sc.FromBlock >= MaxApprovalScanBlocks {
		sc.Reason = fmt.Sprintf("a scan of %d blocks is more than the %d allowed", sc.ToBlock-sc.FromBlock+1, MaxApprovalScanBlocks)
		return nil
	}
	lr, ok := r.(onchain.LogReader)
	if !ok {
		sc.Reason = "the node reader cannot query logs"
		return nil
	}
	type key struct {
		owner common.Address
		hash  common.Hash
	}
	approvals := map[key]PendingApproval{}
	var order []key
	executed := map[common.Hash]bool{}
	for from := sc.FromBlock; ; from += ApprovalScanChunk {
		to := min(from+ApprovalScanChunk-1, sc.ToBlock)
		logs, err := lr.ReadLogs(ctx, onchain.LogFilter{Address: rep.Safe, FromBlock: from, ToBlock: to,
			Topics0: []common.Hash{onchain.TopicApproveHash, onchain.TopicExecutionSuccess, onchain.TopicExecutionFailure, onchain.TopicExecutionFailed}})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			sc.Reason = "the node refused eth_getLogs for blocks " + fmt.Sprint(from) + "-" + fmt.Sprint(to) + ": " + bulwark.ErrorMessage(err)
			return nil
		}
		for _, l := range logs {
			if l.Removed || l.Address != rep.Safe || len(l.Topics) == 0 {
				continue
			}
			switch l.Topics[0] {
			case onchain.TopicApproveHash:
				if len(l.Topics) != 3 {
					continue
				}
				sc.Events++
				k := key{common.BytesToAddress(l.Topics[2][12:]), l.Topics[1]}
				if _, seen := approvals[k]; !seen {
					if len(order) >= maxApprovalLogs {
						continue
					}
					order = append(order, k)
				}
				approvals[k] = PendingApproval{Owner: k.owner, Hash: k.hash, Block: l.BlockNumber, TxHash: l.TxHash}
			default:
				// txHash is indexed from 1.4.0, the first data word before.
				if len(l.Topics) > 1 {
					executed[l.Topics[1]] = true
				} else if len(l.Data) >= 32 {
					executed[common.BytesToHash(l.Data[:32])] = true
				}
			}
		}
		if to >= sc.ToBlock {
			break
		}
	}
	sc.Checked = true
	if len(order) == 0 {
		return nil
	}
	// An approval still counts while approvedHashes[owner][hash] is set:
	// read each slot at the audited block (1.0.0–1.2.0 clear it when the
	// transaction is executed by someone else; 1.3.0+ never clear it, but
	// an executed transaction cannot run again: its nonce is spent).
	reads := make([]onchain.Read, len(order))
	for i, k := range order {
		reads[i] = onchain.Read{Kind: onchain.ReadStorage, Addr: rep.Safe, Slot: ApprovedHashSlot(k.owner, k.hash)}
	}
	if err := r.BatchRead(ctx, onchain.AtBlockNumber(rep.Block), reads); err != nil {
		return err
	}
	owners := rep.State.Owners
	for i, k := range order {
		if reads[i].Err != nil {
			sc.Checked, sc.Reason = false, "cannot read approvedHashes: "+bulwark.ErrorMessage(reads[i].Err)
			sc.Pending = []PendingApproval{}
			return nil
		}
		if executed[k.hash] || new(big.Int).SetBytes(reads[i].Out).Sign() == 0 {
			continue
		}
		p := approvals[k]
		p.OwnerNow = slices.Contains(owners, k.owner)
		sc.Pending = append(sc.Pending, p)
	}
	return nil
}

// postureFindings applies the posture rules to a report whose accounts and
// approvals are filled in.
func postureFindings(rep *Report) []policy.Finding {
	st := rep.State
	var out []policy.Finding
	add := func(code string, sev policy.Severity, kv []string, format string, args ...any) {
		f := policy.Finding{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)}
		if len(kv) > 0 {
			f = f.With(kv...)
		}
		out = append(out, f)
	}
	kv := func(kv ...string) []string { return kv }

	// Storage the Safe's own code would never write.
	for _, l := range []struct {
		what   string
		status onchain.ListStatus
		n      int
	}{{"owner", st.OwnersStatus, len(st.Owners)}, {"module", st.ModulesStatus, len(st.Modules)}} {
		if l.status == onchain.ListOK {
			continue
		}
		var why string
		switch l.status {
		case onchain.ListLoop:
			why = "an entry points back into the list"
		case onchain.ListBroken:
			why = "an entry points to nothing before the end marker"
		case onchain.ListTruncated:
			why = fmt.Sprintf("it goes on past %d entries", l.n)
		default:
			why = string(l.status)
		}
		add(policy.CodeListCorrupt, policy.SeverityCritical, kv("list", l.what+"s", "status", string(l.status), "entriesRead", fmt.Sprint(l.n)),
			"The %s list in storage is %s: %s. The Safe's own code never writes that; its storage was written by other code (a DELEGATECALL, a hijacked singleton). Treat the Safe as compromised until explained.",
			l.what, l.status, why)
	}
	if st.OwnersStatus == onchain.ListOK && st.OwnerCount != nil && st.OwnerCount.Cmp(big.NewInt(int64(len(st.Owners)))) != 0 {
		add(policy.CodeListCorrupt, policy.SeverityCritical, kv("list", "owners", "ownerCount", st.OwnerCount.String(), "ownersInList", fmt.Sprint(len(st.Owners))),
			"The owner count in storage (%s) is not the number of owners in the list (%d). The Safe's own code keeps the two equal; its storage was written by other code.",
			st.OwnerCount, len(st.Owners))
	}

	// The singleton.
	if !st.SingletonKnown() {
		what := fmt.Sprintf("code hash %s", st.SingletonCodeHash.Hex())
		switch {
		case st.Singleton == (common.Address{}):
			what = "slot 0 is empty"
		case st.SingletonCodeHash == (common.Hash{}):
			what = "it has no code"
		}
		said := "VERSION() " + st.VersionCallFailure
		if st.ReportedVersion != "" {
			said = fmt.Sprintf("VERSION() answers %q, which is only the contract's own word", st.ReportedVersion)
		}
		add(policy.CodeUnknownSingleton, policy.SeverityCritical, kv("singleton", st.Singleton.Hex(), "codeHash", st.SingletonCodeHash.Hex()),
			"The singleton in slot 0, %s, is not a known Safe deployment (%s; %s). Every call to the Safe runs that code: after Bybit's hijack slot 0 held the attacker's contract. Do not sign or send anything to this Safe until the singleton is identified.",
			st.Singleton.Hex(), what, said)
	}

	// The version.
	if v, err := safe.ParseVersion("version", rep.Version); rep.Version != "" && err == nil && !v.DomainHasChainID() {
		add(CodeLegacyVersion, policy.SeverityHigh, kv("version", v.Core()),
			"Safe %s (1.2.0 or older) has no transaction guard and no chain id in its signing domain: a signature is valid on every chain where this address exists, and nothing on chain can check a transaction before it runs. This was Bybit's version. Upgrade to 1.4.1 (SafeMigration, or changeMasterCopy to a pinned singleton) and set a guard.",
			v.Core())
	}

	// Threshold against owners.
	thresholdFindings(st, add)

	// Owners that are contracts.
	for _, o := range rep.Owners {
		switch o.Kind {
		case AccountSafe:
			add(CodeOwnerIsContract, policy.SeverityInfo, kv("owner", o.Address.Hex(), "kind", string(o.Kind)),
				"Owner %s is a Safe (%s): its own owners sign for it (approveHash or EIP-1271). That is fine, but its posture is part of this one's: audit it too (bulwark safe audit --safe %s).",
				o.Address.Hex(), o.Known, o.Address.Hex())
		case AccountDelegated:
			add(CodeOwnerIsContract, policy.SeverityMedium, kv("owner", o.Address.Hex(), "kind", string(o.Kind), "delegatesTo", o.DelegatesTo),
				"Owner %s is an account delegated (EIP-7702) to %s: that code can act for the key, including approveHash. Check the delegate.",
				o.Address.Hex(), o.DelegatesTo)
		case AccountContract:
			add(CodeOwnerIsContract, policy.SeverityMedium, kv("owner", o.Address.Hex(), "kind", string(o.Kind), "codeHash", o.CodeHash),
				"Owner %s is a contract that is not a known Safe (code hash %s): it signs by EIP-1271 or approveHash, and whatever its code says is this owner's signature. Confirm what it is and who controls it.",
				o.Address.Hex(), o.CodeHash)
		}
	}

	// Modules.
	for _, m := range rep.Modules {
		sev, what := policy.SeverityHigh, "a contract Bulwark does not know (code hash "+m.CodeHash+")"
		switch {
		case m.Kind == AccountEOA:
			what = "an account without code: whoever holds its key can execute anything"
		case m.Kind == AccountDelegated:
			what = "an EIP-7702 delegated account: its key and its delegate can execute anything"
		case m.Known != "":
			sev, what = policy.SeverityMedium, m.Known+" (role "+string(m.Role)+"), a pinned deployment but not a module"
		}
		fields := kv("module", m.Address.Hex(), "kind", string(m.Kind))
		if m.Role != "" {
			fields = append(fields, "role", string(m.Role))
		}
		add(CodeModulesEnabled, sev, fields,
			"Module %s is enabled: %s. A module executes any transaction from the Safe, DELEGATECALL included, without owner signatures (and bypasses the transaction guard). Keep only modules you deployed on purpose and whose code you have reviewed.",
			m.Address.Hex(), what)
	}

	v, verr := safe.ParseVersion("version", rep.Version)
	hasVersion := rep.Version != "" && verr == nil
	// Guards.
	switch {
	case rep.Guard != nil:
		guardFinding(CodeGuardSet, "transaction guard", *rep.Guard, hasVersion && !v.DomainHasChainID(), add)
	case hasVersion && v.DomainHasChainID():
		add(CodeNoGuard, policy.SeverityInfo, kv("version", v.Core()),
			"No transaction guard is set. Safe %s can have one (setGuard): a contract that checks every transaction before it runs, e.g. refusing DELEGATECALL to anything but pinned libraries, which would have stopped Bybit's transaction. Optional defence in depth; a faulty guard can lock the Safe, so test it first.",
			v.Core())
	}
	if rep.ModuleGuard != nil {
		guardFinding(CodeModuleGuardSet, "module guard", *rep.ModuleGuard, hasVersion && v.Compare(safe.Version{Major: 1, Minor: 5}) < 0, add)
	}

	// Fallback handler.
	if h := rep.Handler; h != nil && h.Role != decode.RoleFallbackHandler {
		what := "a contract that is not a known fallback handler (code hash " + h.CodeHash + ")"
		switch {
		case h.Kind == AccountEOA:
			what = "an account without code"
		case h.Known != "":
			what = h.Known + ", not a fallback handler"
		}
		add(CodeUnknownFallbackHandler, policy.SeverityHigh, kv("handler", h.Address.Hex(), "kind", string(h.Kind)),
			"The fallback handler %s is %s. Every call the Safe does not know is forwarded to it, including EIP-1271 isValidSignature, which dApps and other Safes take as this Safe's signature. Use a pinned CompatibilityFallbackHandler or explain it.",
			h.Address.Hex(), what)
	}

	// Approvals.
	sc := rep.Approvals
	switch {
	case !sc.Checked:
		add(CodeApprovedHashesUnchecked, policy.SeverityInfo, kv("reason", sc.Reason),
			"Pending on-chain approvals (approveHash) were not checked: %s. Each one counts as that owner's signature without any further action.", sc.Reason)
	default:
		for _, p := range sc.Pending {
			sev, who := policy.SeverityMedium, "owner"
			if !p.OwnerNow {
				sev, who = policy.SeverityLow, "former owner"
			}
			add(CodeApprovedHashesPending, sev, kv("owner", p.Owner.Hex(), "hash", p.Hash.Hex(), "block", fmt.Sprint(p.Block), "currentOwner", fmt.Sprint(p.OwnerNow)),
				"The %s %s approved hash %s on chain (block %d) and it has not been executed: it counts as that %s's signature for whichever transaction has that safeTxHash, with no further action, until the Safe's nonce passes it. Find the transaction and check it with bulwark safe verify, or spend its nonce with another transaction.",
				who, p.Owner.Hex(), p.Hash.Hex(), p.Block, who)
		}
	}
	return out
}

func thresholdFindings(st *onchain.State, add func(string, policy.Severity, []string, string, ...any)) {
	t, n := st.Threshold, big.NewInt(int64(len(st.Owners)))
	if t == nil {
		return
	}
	fields := []string{"threshold", t.String(), "owners", n.String()}
	switch {
	case t.Sign() == 0:
		add(CodeThresholdRisk, policy.SeverityCritical, fields,
			"The threshold is 0: the Safe is not set up (or its storage was wiped), and whoever calls setup first takes it over. Do not fund it.")
	case t.Cmp(n) > 0:
		add(CodeThresholdRisk, policy.SeverityCritical, fields,
			"The threshold (%s) is more than the number of owners (%s): no transaction can ever collect enough signatures. The Safe's own code never allows this; the storage was written by other code.", t, n)
	case t.Cmp(big.NewInt(1)) == 0 && n.Cmp(big.NewInt(1)) == 0:
		add(CodeThresholdRisk, policy.SeverityHigh, fields,
			"One owner, threshold 1: a single key moves everything, and losing it locks the Safe. Add owners and raise the threshold.")
	case t.Cmp(big.NewInt(1)) == 0:
		add(CodeThresholdRisk, policy.SeverityHigh, fields,
			"Threshold 1 of %s: any one owner's key, phished or stolen, moves everything. Raise the threshold to a majority.", n)
	case t.Cmp(n) == 0:
		add(CodeThresholdRisk, policy.SeverityMedium, fields,
			"Threshold %s of %s: every owner must sign, so one lost key locks the Safe for good (lockout risk). Keep at least one spare owner above the threshold.", t, n)
	case new(big.Int).Lsh(t, 1).Cmp(n) < 0:
		add(CodeThresholdRisk, policy.SeverityMedium, fields,
			"Threshold %s of %s is less than half the owners: a minority can move everything. Raise it to a majority.", t, n)
	}
}

func guardFinding(code, what string, g Account, unused bool, add func(string, policy.Severity, []string, string, ...any)) {
	fields := []string{strings.ReplaceAll(what, " ", ""), g.Address.Hex(), "kind", string(g.Kind)}
	switch {
	case unused:
		add(code, policy.SeverityInfo, fields,
			"The %s slot holds %s, but this version does not read it: it has no effect until an upgrade, when it would start checking every transaction. Clear it or confirm it before upgrading.",
			what, g.Address.Hex())
	case g.Kind == AccountEOA:
		add(code, policy.SeverityHigh, fields,
			"The %s %s has no code: the Safe calls it on every transaction, and a call to an account without code reverts, so the Safe is locked (and whoever can deploy there controls it).",
			what, g.Address.Hex())
	case g.Known != "":
		add(code, policy.SeverityMedium, fields,
			"The %s %s is %s, which is not a guard. The Safe calls it on every transaction; review why.", what, g.Address.Hex(), g.Known)
	default:
		add(code, policy.SeverityMedium, fields,
			"A %s is set: %s (code hash %s). It checks every transaction and can block all of them (a faulty or hostile guard locks the Safe). Confirm it is the contract you deployed and reviewed.",
			what, g.Address.Hex(), g.CodeHash)
	}
}

// ReportJSON is the JSON form of a posture report (CLI.md: "safe",
// "version", "singleton", "verdict", "findings" and more). Addresses are
// EIP-55, hashes lower-case hex, integers decimal strings.
type ReportJSON struct {
	Safe                string           `json:"safe"`
	ChainID             string           `json:"chainId"`
	Block               string           `json:"block"`
	Version             string           `json:"version"`
	VersionError        string           `json:"versionError,omitempty"`
	Singleton           string           `json:"singleton"`
	SingletonCodeHash   string           `json:"singletonCodeHash"`
	SingletonKnown      bool             `json:"singletonKnown"`
	SingletonDeployment string           `json:"singletonDeployment,omitempty"`
	ReportedVersion     string           `json:"reportedVersion,omitempty"`
	ProxyVersion        string           `json:"proxyVersion"`
	ProxyCodeHash       string           `json:"proxyCodeHash"`
	Threshold           string           `json:"threshold"`
	OwnerCount          string           `json:"ownerCount"`
	Nonce               string           `json:"nonce"`
	Balance             string           `json:"balance"`
	Owners              []Account        `json:"owners"`
	OwnersStatus        string           `json:"ownersStatus"`
	Modules             []Account        `json:"modules"`
	ModulesStatus       string           `json:"modulesStatus"`
	Guard               *Account         `json:"guard"`
	ModuleGuard         *Account         `json:"moduleGuard"`
	FallbackHandler     *Account         `json:"fallbackHandler"`
	Approvals           ApprovalScan     `json:"approvals"`
	Verdict             bulwark.Verdict  `json:"verdict"`
	Findings            []policy.Finding `json:"findings"`
	PolicyVersion       string           `json:"policyVersion"`
	RegistryVersion     string           `json:"registryVersion"`
}

func statusText(s onchain.ListStatus) string {
	if s == onchain.ListOK {
		return "ok"
	}
	return string(s)
}

func decOrEmpty(n *big.Int) string {
	if n == nil {
		return ""
	}
	return n.String()
}

// JSON returns the report's JSON form.
func (r *Report) JSON() ReportJSON {
	st := r.State
	j := ReportJSON{
		Safe: r.Safe.Hex(), ChainID: fmt.Sprint(r.ChainID), Block: fmt.Sprint(r.Block),
		Version: r.Version, VersionError: r.VersionError,
		Singleton: st.Singleton.Hex(), SingletonCodeHash: strings.ToLower(st.SingletonCodeHash.Hex()), SingletonKnown: st.SingletonKnown(),
		ReportedVersion: st.ReportedVersion, ProxyVersion: st.ProxyVersion, ProxyCodeHash: st.ProxyCodeHash.Hex(),
		Threshold: decOrEmpty(st.Threshold), OwnerCount: decOrEmpty(st.OwnerCount), Nonce: decOrEmpty(st.Nonce), Balance: decOrEmpty(st.Balance),
		Owners: r.Owners, OwnersStatus: statusText(st.OwnersStatus), Modules: r.Modules, ModulesStatus: statusText(st.ModulesStatus),
		Guard: r.Guard, ModuleGuard: r.ModuleGuard, FallbackHandler: r.Handler,
		Approvals: r.Approvals, Verdict: r.Verdict, Findings: r.Findings,
		PolicyVersion: PolicyVersion, RegistryVersion: policy.RegistryVersion,
	}
	if st.SingletonKnown() {
		j.SingletonDeployment = onchain.DeploymentNames(st.SingletonDeployments)
	}
	if j.Owners == nil {
		j.Owners = []Account{}
	}
	if j.Modules == nil {
		j.Modules = []Account{}
	}
	if j.Findings == nil {
		j.Findings = []policy.Finding{}
	}
	if j.Approvals.Pending == nil {
		j.Approvals.Pending = []PendingApproval{}
	}
	return j
}

// AuditTarget names the audited Safe in the audit log.
func (r *Report) AuditTarget() string { return "safe:" + r.Safe.Hex() }

// AuditDetails is what the audit log records about a posture verdict: the
// Safe, chain, block, version and singleton it was reached on, the
// findings' codes and severities, the verdict and the rule versions.
func (r *Report) AuditDetails() map[string]any {
	type codeSev struct {
		Code     string          `json:"code"`
		Severity policy.Severity `json:"severity"`
	}
	fs := make([]codeSev, len(r.Findings))
	for i, f := range r.Findings {
		fs[i] = codeSev{f.Code, f.Severity}
	}
	return map[string]any{
		"safe":              r.Safe.Hex(),
		"chainId":           fmt.Sprint(r.ChainID),
		"block":             fmt.Sprint(r.Block),
		"version":           r.Version,
		"singleton":         r.State.Singleton.Hex(),
		"singletonCodeHash": r.State.SingletonCodeHash.Hex(),
		"findings":          fs,
		"verdict":           r.Verdict,
		"policyVersion":     PolicyVersion,
		"registryVersion":   policy.RegistryVersion,
		"approvalsChecked":  r.Approvals.Checked,
	}
}
