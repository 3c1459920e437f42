package policy

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// PolicyVersion names the rules below. It is stored with every verdict in
// the audit log; change it whenever a rule, a severity or the verdict table
// changes, so that old verdicts can be told apart from new ones.
//
// safe-policy/2 added SIGN_MESSAGE (a signMessage through SignMessageLib,
// or a legacy Safe's own, was ok under safe-policy/1 and is review now).
// safe-policy/3 added the findings on calls that hand over control of a
// contract (OWNERSHIP_TRANSFER, PROXY_UPGRADE, ADMIN_CHANGE, ROLE_GRANT,
// ROLE_REVOKE) and on token allowances (TOKEN_APPROVAL, APPROVAL_FOR_ALL),
// which were UNKNOWN_TARGET (low, ok) under safe-policy/2, and the address
// book (ADDRESS_BOOK_TARGET, UNKNOWN_FUNCTION).
// safe-policy/4 added value limits per Safe and period (VALUE_LIMIT,
// VALUE_LIMIT_NOT_CHECKED).
// safe-policy/5 enforces the address book's recipients
// (RECIPIENT_NOT_LISTED).
// safe-policy/6 recognises more privileged calls: timelock operations
// (TIMELOCK_OPERATION, with the scheduled calls checked as calls from the
// timelock), timelock delay changes (TIMELOCK_DELAY_CHANGE), Aave's
// PoolAddressesProvider and ACLManager (PROTOCOL_ADDRESS_CHANGE and the
// control codes), setOwner, nominateNewOwner, _become and diamondCut,
// which were UNKNOWN_TARGET under safe-policy/5; and an approve checked
// against a node asks the token's ERC-165 whether it is an ERC-721.
// safe-policy/7 screens every address a transaction names against the
// sanctions and attribution lists (SANCTIONED_ADDRESS, ATTRIBUTED_ADDRESS,
// LISTED_ADDRESS, SCREENING_NOT_CHECKED).
// safe-policy/8 closes ways around the rules: an ExtensibleFallbackHandler
// settings call made directly to the handler contract (with the Safe's
// address appended, which passes its onlySelf check) is
// FALLBACK_HANDLER_CHANGE like the self-call, and bytes after the
// arguments of a call to a handler contract are TRAILING_CALLDATA; under
// safe-policy/7 both were ok. approveHash on another Safe is
// OTHER_SAFE_APPROVE_HASH (high) and executing another Safe's transaction
// OTHER_SAFE_EXEC (medium), with what leaves that Safe checked against its
// own value limits; they were UNKNOWN_TARGET (low) or ADDRESS_BOOK_TARGET.
// ERC-721 transferFrom of token #0, safeTransferFrom (both forms) and
// ERC-1155 transfers are checked against the address book's recipients
// (RECIPIENT_NOT_LISTED) and counted by the value limits (an NFT as one
// token); they were neither. An allowance or a payment let through only by
// an address-book entry for every chain is ADDRESS_BOOK_ALL_CHAINS
// (medium): under safe-policy/7 it was ok on every chain. approve's token
// is also asked decimals(): a "not ERC-721" ERC-165 answer settles it as
// an ERC-20 only with that ERC-20 shape (early collections predate
// ERC-165), so approve(spender, 0) to an unlisted spender on a token that
// answers neither stays medium (it was an info revoke). Cancelling a
// timelock operation is medium (it was low). A verification lists what it
// did not check (NotChecked), and an ok with anything left out reads "ok,
// not fully checked"; the verdict and its exit code are unchanged.
const PolicyVersion = "safe-policy/8"

// RegistryVersion names the pinned deployment table the policy trusts.
const RegistryVersion = "safe-deployments/1.37.63"

// Severity grades a finding.
type Severity string

// Severities, from least to most severe.
const (
	SeverityInfo     Severity = "info"
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank orders severities: 0 for info to 4 for critical (-1 if unknown).
func (s Severity) Rank() int {
	switch s {
	case SeverityInfo:
		return 0
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return -1
}

// Finding codes. They are stable: scripts, alerts and the audit log key on
// them. docs/safe.md ("Policy and verify") explains each.
const (
	CodeUntrustedDelegateCall = "UNTRUSTED_DELEGATECALL"
	CodeDelegateCallUnchecked = "DELEGATECALL_CODE_UNCHECKED"
	CodeDelegateCallSelector  = "DELEGATECALL_SELECTOR_MISMATCH"
	CodeMasterCopyChange      = "MASTERCOPY_CHANGE"
	CodeOwnerChange           = "OWNER_CHANGE"
	CodeThresholdChange       = "THRESHOLD_CHANGE"
	CodeModuleChange          = "MODULE_CHANGE"
	CodeGuardChange           = "GUARD_CHANGE"
	CodeFallbackHandlerChange = "FALLBACK_HANDLER_CHANGE"
	CodeSelfCall              = "SELF_CALL"
	CodeSignMessage           = "SIGN_MESSAGE"
	CodeGasRefundRisk         = "GAS_REFUND_RISK"
	CodeHashMismatch          = "HASH_MISMATCH"
	CodeUnknownTarget         = "UNKNOWN_TARGET"
	CodeMalformedCalldata     = "MALFORMED_CALLDATA"
	CodeCreateOperation       = "CREATE_OPERATION"
	CodeOwnershipTransfer     = "OWNERSHIP_TRANSFER"
	CodeProxyUpgrade          = "PROXY_UPGRADE"
	CodeAdminChange           = "ADMIN_CHANGE"
	CodeRoleGrant             = "ROLE_GRANT"
	CodeRoleRevoke            = "ROLE_REVOKE"
	CodeTokenApproval         = "TOKEN_APPROVAL"
	CodeApprovalForAll        = "APPROVAL_FOR_ALL"
	CodeAddressBookTarget     = "ADDRESS_BOOK_TARGET"
	CodeUnknownFunction       = "UNKNOWN_FUNCTION"
	// CodeProtocolAddressChange: a contract a protocol trusts (Aave's
	// price oracle, data provider, an id of its PoolAddressesProvider) is
	// replaced, or its market id changes.
	CodeProtocolAddressChange = "PROTOCOL_ADDRESS_CHANGE"
	// CodeTimelockOperation: a timelock operation is scheduled (queued),
	// executed or cancelled; its calls have their own findings.
	CodeTimelockOperation = "TIMELOCK_OPERATION"
	// CodeTimelockDelayChange: a timelock's minimum delay changes (high
	// when shorter, or when the current one was not read).
	CodeTimelockDelayChange = "TIMELOCK_DELAY_CHANGE"
	// CodeValueLimit: what the transaction sends of an asset, with what
	// was already sent in the period, is over a value limit (high), or
	// within it (info).
	CodeValueLimit = "VALUE_LIMIT"
	// CodeValueLimitUnchecked: a limit applies but what was already sent
	// in its period is not known, so it was not checked.
	CodeValueLimitUnchecked = "VALUE_LIMIT_NOT_CHECKED"
	// CodeVerifiedOffline: the verification was offline: neither the
	// Safe's state nor the transaction's effects were checked, and that is
	// said (the co-signer's NOT_SIMULATED is a refusal of its own).
	CodeVerifiedOffline = "VERIFIED_OFFLINE"
	// CodeSanctionedAddress: an address the transaction names is on a
	// sanctions list (OFAC, UN): critical.
	CodeSanctionedAddress = "SANCTIONED_ADDRESS"
	// CodeAttributedAddress: an address the transaction names is
	// attributed to a threat actor (the FBI's DPRK addresses): critical at
	// high confidence, high otherwise.
	CodeAttributedAddress = "ATTRIBUTED_ADDRESS"
	// CodeListedAddress: an address the transaction names is on another
	// list (the organisation's own, a seizure order, a label): high.
	CodeListedAddress = "LISTED_ADDRESS"
	// CodeScreeningUnchecked: no screening list was available, so the
	// addresses were not screened (info; the co-signer refuses).
	CodeScreeningUnchecked = "SCREENING_NOT_CHECKED"
	// CodeListCorrupt is posture's and the watcher's: a Safe's owner or
	// module list that cannot be read to its end.
	CodeListCorrupt = "LIST_CORRUPT"
)

// FindingCodes lists every finding code the policy emits.
var FindingCodes = []string{CodeHashMismatch, CodeMalformedCalldata, CodeUntrustedDelegateCall, CodeDelegateCallSelector,
	CodeDelegateCallUnchecked, CodeMasterCopyChange, CodeOwnerChange, CodeThresholdChange, CodeModuleChange,
	CodeGuardChange, CodeFallbackHandlerChange, CodeSelfCall, CodeSignMessage, CodeGasRefundRisk, CodeUnknownTarget, CodeCreateOperation,
	CodeOwnershipTransfer, CodeProxyUpgrade, CodeAdminChange, CodeRoleGrant, CodeRoleRevoke, CodeProtocolAddressChange, CodeTimelockOperation,
	CodeTimelockDelayChange, CodeTokenApproval, CodeApprovalForAll,
	CodeUnknownFunction, CodeAddressBookTarget, CodeValueLimit, CodeValueLimitUnchecked, CodeRecipientNotListed, CodeVerifiedOffline,
	CodeSanctionedAddress, CodeAttributedAddress, CodeListedAddress, CodeScreeningUnchecked, CodeTrailingCalldata,
	CodeOtherSafeApproveHash, CodeOtherSafeExec, CodeAddressBookAllChains}

const delegateCallLibrariesNotice = "the pinned DELEGATECALL allowlist is MultiSendCallOnly, SignMessageLib and SafeMigration (MultiSend only with --allow-multisend)"

// Finding is one observation of the policy about a transaction.
type Finding struct {
	// Code is one of the Code* constants.
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	// Message explains, in words a signer understands, what the call does
	// and why it matters.
	Message string `json:"message"`
	// Path locates the call in the decoded tree ("0", "0.2"); empty for a
	// finding about the whole transaction (hash, gas refund).
	Path string `json:"path,omitempty"`
	// From, To, Operation and Function describe that call.
	From      string `json:"from,omitempty"`
	To        string `json:"to,omitempty"`
	Operation string `json:"operation,omitempty"`
	Function  string `json:"function,omitempty"`
	// Fields carries the values the finding is about (new owner, threshold,
	// expected and given hashes, …) as text.
	Fields map[string]string `json:"fields,omitempty"`
}

// Policy holds the rules Bulwark applies to a decoded Safe transaction.
// The zero Policy is the strict default.
type Policy struct {
	// AllowMultiSend trusts the pinned MultiSend (which can itself
	// DELEGATECALL anything) as a DELEGATECALL target.
	AllowMultiSend bool
	// TrustAddressOnly accepts a DELEGATECALL to an allowlisted library
	// whose address is pinned but whose code hash was not checked (offline,
	// no --rpc): DELEGATECALL_CODE_UNCHECKED is then info instead of medium.
	TrustAddressOnly bool
	// Registry of known deployments; nil means KnownDeployments.
	Registry *decode.Registry
	// AddressBook is the organisation's list of known addresses; nil means
	// none (every target not in the registry is unknown, and no spender is
	// allowed).
	AddressBook *AddressBook
	// Live, when set, holds the address book in force instead of
	// AddressBook: each decision reads it once (Snapshot).
	Live *LiveBook
	// Limits are value limits per Safe and period, on top of those read
	// with the address book (its file's [[limit]] tables).
	Limits []Limit
	// Screener looks up every address the transaction names in the
	// sanctions and attribution lists; nil means no lists, and the
	// verification says so (SCREENING_NOT_CHECKED).
	Screener AddressScreener
}

// Check applies the policy to tx, sent by safeAddr, whose decoded tree is
// root (nil when it could not be decoded at all). Findings are ordered
// most severe first, then in tree order. Without the Safe's version and
// chain id, SIGN_MESSAGE cannot name the SafeMessage hash: see CheckIn.
func (p Policy) Check(safeAddr common.Address, tx safe.Tx, root *decode.DecodedCall) []Finding {
	return p.CheckIn(safe.Domain{Safe: safeAddr}, tx, root)
}

// CheckIn is Check for the Safe d.Safe with its domain: given d.Version
// (and d.ChainID from 1.3.0), a SIGN_MESSAGE finding names the SafeMessage
// hash the Safe marks as signed, and a legacy Safe's own signMessage is
// told from a call a newer version passes to its fallback handler.
func (p Policy) CheckIn(d safe.Domain, tx safe.Tx, root *decode.DecodedCall) []Finding {
	p = p.Snapshot()
	reg := p.Registry
	if reg == nil {
		reg = decode.KnownDeployments()
	}
	return p.check(callRules, reg, d, tx, root, nil, nil)
}

// check applies rules to tx and every call of root, and the value limits
// of d.Safe given what was already sent in their periods (sent; nil when
// not known).
func (p Policy) check(rules []callRule, reg *decode.Registry, d safe.Domain, tx safe.Tx, root *decode.DecodedCall, sent map[SentKey]*big.Int, probes *Probes) []Finding {
	var out []Finding
	scr := PinScreener(p.Screener)
	out = append(out, gasRefundFindings(tx)...)
	out = append(out, screeningTxFindings(scr, d, tx)...)
	out = append(out, p.limitFindings(d, Outflows(d.Safe, root), sent)...)
	// What the transaction makes another Safe send counts against that
	// Safe's limits, with what it already sent not known here.
	for _, s := range otherSafes(d.Safe, root) {
		out = append(out, p.limitFindings(safe.Domain{ChainID: d.ChainID, Safe: s, Version: d.Version}, Outflows(s, root), nil)...)
	}
	if root != nil {
		env := checkEnv{reg: reg, d: d, probes: probes, scr: scr}
		root.Walk(func(c *decode.DecodedCall) bool {
			out = append(out, p.callFindings(rules, env, c)...)
			return true
		})
	}
	SortFindings(out)
	return out
}

// SortFindings orders findings most severe first, keeping the order of
// equally severe ones (tree order).
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Severity.Rank() > fs[j].Severity.Rank() })
}

// VerdictOf is the verdict table: reject if any finding is critical,
// review if any is high or medium, ok otherwise (info and low findings are
// shown but need no second look). The exit code follows from the verdict
// (bulwark.Verdict.ExitCode: 0, 2, 3).
func VerdictOf(fs []Finding) bulwark.Verdict {
	worst := -1
	for _, f := range fs {
		if r := f.Severity.Rank(); r > worst {
			worst = r
		}
	}
	switch {
	case worst >= SeverityCritical.Rank():
		return bulwark.VerdictReject
	case worst >= SeverityMedium.Rank():
		return bulwark.VerdictReview
	}
	return bulwark.VerdictOK
}

// finding starts a finding about call c.
func finding(code string, sev Severity, c *decode.DecodedCall, format string, args ...any) Finding {
	f := Finding{Code: code, Severity: sev, Message: fmt.Sprintf(format, args...)}
	if c != nil {
		f.Path, f.From, f.To, f.Operation, f.Function = c.Path, c.From.Hex(), c.To.Hex(), c.Operation.String(), c.Signature
	}
	return f
}

func (f Finding) With(kv ...string) Finding {
	if f.Fields == nil {
		f.Fields = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Fields[kv[i]] = kv[i+1]
	}
	return f
}

func gasRefundFindings(tx safe.Tx) []Finding {
	price := tx.GasPrice
	if price == nil {
		price = new(big.Int)
	}
	zero := common.Address{}
	if price.Sign() == 0 && tx.GasToken == zero && tx.RefundReceiver == zero {
		return nil
	}
	receiver := "tx.origin (whoever submits the transaction)"
	if tx.RefundReceiver != zero {
		receiver = tx.RefundReceiver.Hex()
	}
	token := "ETH"
	if tx.GasToken != zero {
		token = "token " + tx.GasToken.Hex()
	}
	fields := []string{"gasPrice", decString(tx.GasPrice), "baseGas", decString(tx.BaseGas), "safeTxGas", decString(tx.SafeTxGas),
		"gasToken", tx.GasToken.Hex(), "refundReceiver", tx.RefundReceiver.Hex()}
	if price.Sign() == 0 {
		return []Finding{finding(CodeGasRefundRisk, SeverityLow, nil,
			"gasToken or refundReceiver is set but gasPrice is 0, so the Safe pays no refund; a proposer rarely sets them without reason: ask why").With(fields...)}
	}
	return []Finding{finding(CodeGasRefundRisk, SeverityHigh, nil,
		"the Safe pays a gas refund: (gas used + baseGas %s) × gasPrice %s in %s to %s, on top of the transaction itself; a large gasPrice or baseGas drains the Safe through the refund alone",
		decString(tx.BaseGas), price, token, receiver).With(fields...)}
}

// delegateTrust is how far a DELEGATECALL target is trusted.
type delegateTrust int

const (
	untrusted   delegateTrust = iota
	addressOnly               // an allowlisted library's address; its code was not checked
	trusted                   // an allowlisted library matched by address and code hash
)

func (p Policy) trustOf(reg *decode.Registry, c *decode.DecodedCall) (delegateTrust, decode.Deployment) {
	t := c.Target
	if t.Role == decode.RoleThisSafe || t.CodeCheck == decode.CodeMismatch || t.Contract == "" {
		return untrusted, decode.Deployment{}
	}
	d, ok := reg.TrustedDelegateCallTarget(c.To, t.CodeHash, decode.TrustOptions{AllowMultiSend: p.AllowMultiSend})
	switch {
	case !ok:
		return untrusted, decode.Deployment{}
	case t.CodeCheck == decode.CodeMatch:
		return trusted, d
	case t.CodeCheck == decode.CodeUnchecked:
		return addressOnly, d
	}
	return untrusted, decode.Deployment{}
}

// libraryInterfaces are the interfaces of contracts written to be
// delegatecalled by a Safe. Any other function sent by DELEGATECALL (a token
// transfer, a Safe function, a Multicall3 batch) is not what its code will
// do on the Safe's storage.
var libraryInterfaces = map[string]bool{
	"MultiSend": true, "MultiSendCallOnly": true, "SignMessageLib": true, "CreateCall": true,
	"SafeMigration": true, "SafeToL2Migration": true, "SafeToL2Setup": true, "SimulateTxAccessor": true,
}

// checkEnv is what the rules know besides the call: the registry, the
// Safe's domain, what a node answered about the targets (nil offline)
// and the screening lists (nil: none).
type checkEnv struct {
	reg    *decode.Registry
	d      safe.Domain
	probes *Probes
	scr    AddressScreener
}

// A callRule is one rule of the policy, applied to every call of the
// decoded tree. Rules are independent of each other: each states its own
// conditions, none reads another's findings, and the findings of one call
// are put in a canonical order (canonicalOrder) whatever order the rules
// run in, so the verdict never depends on how the rules are listed.
type callRule func(p Policy, env checkEnv, c *decode.DecodedCall) []Finding

// callRules are the policy's rules.
var callRules = []callRule{ruleMalformed, ruleDelegateCall, ruleCreate, ruleSelfCall, ruleTarget,
	ruleMigration, ruleSignMessage, ruleControl, ruleApprovals, ruleRecipient, ruleTimelock, ruleScreening, ruleHandlerSettings,
	ruleTrailingCalldata, ruleOtherSafe, ruleBookAllChains}

func (p Policy) callFindings(rules []callRule, env checkEnv, c *decode.DecodedCall) []Finding {
	var out []Finding
	for _, r := range rules {
		out = append(out, r(p, env, c)...)
	}
	canonicalOrder(out)
	return out
}

// codeRank orders the codes of one call's findings of equal severity: the
// order of FindingCodes, then the other codes alphabetically.
var codeRank = func() map[string]int {
	m := map[string]int{}
	for i, c := range FindingCodes {
		m[c] = i
	}
	return m
}()

// canonicalOrder sorts one call's findings by severity (most severe
// first), then code (codeRank), then message: an order that depends on
// the findings alone, not on the order the rules produced them in.
func canonicalOrder(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
			return ra > rb
		}
		ca, oka := codeRank[a.Code]
		cb, okb := codeRank[b.Code]
		switch {
		case oka && okb && ca != cb:
			return ca < cb
		case oka != okb:
			return oka
		case a.Code != b.Code:
			return a.Code < b.Code
		}
		return a.Message < b.Message
	})
}

func ruleMalformed(_ Policy, _ checkEnv, c *decode.DecodedCall) []Finding {
	if c.Error == "" {
		return nil
	}
	return []Finding{finding(CodeMalformedCalldata, SeverityCritical, c,
		"Bulwark could not decode this call's data: %s. What cannot be read cannot be checked, and contracts may read the same bytes differently: do not sign", c.Error)}
}

func ruleDelegateCall(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if c.Operation != safe.DelegateCall {
		return nil
	}
	onSafe := env.d.Safe != (common.Address{}) && c.From == env.d.Safe
	return p.delegateFindings(env.reg, c, onSafe)
}

func ruleCreate(_ Policy, _ checkEnv, c *decode.DecodedCall) []Finding {
	if c.Operation != safe.Create {
		return nil
	}
	return []Finding{finding(CodeCreateOperation, SeverityMedium, c,
		"this transaction deploys a contract (CREATE) from %d bytes of init code, which Bulwark does not analyse", len(c.Data))}
}

func ruleSelfCall(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if !c.SelfCall || c.Operation == safe.Create {
		return nil
	}
	if c.Kind == decode.KindCall && handlerSettings[c.Function] {
		return []Finding{handlerSettingsFinding(p, env, c, true)}
	}
	return selfCallFindings(env.reg, env.d, c)
}

// plainCall reports whether c is a CALL to another account than the Safe
// itself: where the target and the function decide what happens.
func plainCall(c *decode.DecodedCall) bool {
	return c.Operation == safe.Call && !c.SelfCall && c.Target.Role != decode.RoleThisSafe
}

// ruleTarget names the target of a call: from the address book
// (ADDRESS_BOOK_TARGET), or as unknown (UNKNOWN_TARGET). A function
// Bulwark cannot decode stays a finding that needs review even on a
// listed target (UNKNOWN_FUNCTION): the book says whose contract it is,
// not what the call does.
func ruleTarget(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if !plainCall(c) {
		return nil
	}
	if e, ok := p.AddressBook.Lookup(env.d.ChainID, c.To); ok {
		where := ""
		if e.ChainID == nil {
			where = fmt.Sprintf(" for every chain (no chain_id): the label says whose the address is where it was confirmed, which need not be %s; confirm it there and give the entry a chain_id", onChainText(env.d.ChainID))
		}
		out := []Finding{finding(CodeAddressBookTarget, SeverityInfo, c,
			"the call goes to %s, %s in the address book%s", c.To.Hex(), e, where).With("target", c.To.Hex(), "label", e.Label, "kinds", kindsText(e), "chainId", entryChainText(e))}
		if c.Kind == decode.KindUnknown {
			out = append(out, finding(CodeUnknownFunction, SeverityMedium, c,
				"Bulwark cannot tell what this call does: %s on %s (%q in the address book), a function it does not know. The address book says whose contract it is, not what this call does: get the decoded call from someone other than the proposer",
				selectorText(c), c.To.Hex(), e.Label).With("target", c.To.Hex(), "label", e.Label))
		}
		return out
	}
	switch {
	case c.Kind == decode.KindUnknown:
		return []Finding{finding(CodeUnknownTarget, SeverityMedium, c,
			"Bulwark cannot tell what this call does: %s on %s, a contract whose function it does not know. Get the contract's source and the decoded call from someone other than the proposer",
			selectorText(c), c.To.Hex())}
	case c.Kind == decode.KindCall && (c.Target.Role == decode.RoleUnknown || c.Target.CodeCheck == decode.CodeNotPinned):
		return []Finding{finding(CodeUnknownTarget, SeverityLow, c,
			"the call is decoded from its selector as %s.%s, but Bulwark does not know the contract at %s: check that it is the contract you mean",
			c.Interface, c.Function, c.To.Hex())}
	}
	return nil
}

func ruleMigration(_ Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	onSafe := env.d.Safe != (common.Address{}) && c.From == env.d.Safe
	if c.Kind == decode.KindCall && c.Operation == safe.DelegateCall && onSafe {
		return migrationFindings(c)
	}
	return nil
}

func ruleSignMessage(_ Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if c.Kind == decode.KindCall && c.Operation == safe.DelegateCall && c.Function == "signMessage" &&
		c.Target.Role == decode.RoleSignMessageLib && c.Target.CodeCheck != decode.CodeMismatch {
		return []Finding{signMessageFinding(env.d, c, c.From,
			fmt.Sprintf("DELEGATECALL of SignMessageLib %s's signMessage", c.Target.Version))}
	}
	return nil
}

// onChainText names the transaction's chain in a sentence.
func onChainText(chain *big.Int) string {
	if chain == nil {
		return "the chain this transaction runs on"
	}
	return "chain " + chain.String()
}

// entryChainText is an entry's "chainId" field: its chain, or "every".
func entryChainText(e AddressEntry) string {
	if e.ChainID == nil {
		return "every"
	}
	return e.ChainID.String()
}

func selectorText(c *decode.DecodedCall) string {
	if c.Selector == "" {
		return fmt.Sprintf("%d bytes of data (shorter than a selector)", len(c.Data))
	}
	return "function " + c.Selector
}

func (p Policy) delegateFindings(reg *decode.Registry, c *decode.DecodedCall, onSafe bool) []Finding {
	var out []Finding
	sev := SeverityCritical
	whose := "this Safe's"
	if !onSafe {
		sev = SeverityHigh
		whose = c.From.Hex() + "'s"
	}
	trust, dep := p.trustOf(reg, c)
	switch trust {
	case untrusted:
		why := "not a library on Bulwark's pinned allowlist"
		switch {
		case c.Target.Role == decode.RoleThisSafe:
			why = "the Safe's own address"
		case c.Target.CodeCheck == decode.CodeMismatch:
			why = fmt.Sprintf("the address of %s %s, but with different code", c.Target.Contract, c.Target.Version)
		case c.Target.Contract == "MultiSend":
			why = "MultiSend, which can itself DELEGATECALL anything; use MultiSendCallOnly, or pass --allow-multisend if this batch is meant to delegatecall"
		case c.Target.Contract != "":
			why = fmt.Sprintf("%s %s, a known Safe contract that is not on the DELEGATECALL allowlist", c.Target.Contract, c.Target.Version)
		}
		out = append(out, finding(CodeUntrustedDelegateCall, sev, c,
			"DELEGATECALL to %s (%s): its code runs with %s storage and balance and can replace the singleton, owners, modules and guard, whatever the call looks like. This is how Bybit lost $1.5B; %s",
			c.To.Hex(), why, whose, delegateCallLibrariesNotice).With("target", c.To.Hex()))
	case addressOnly:
		s, hint := SeverityMedium, "; verify the code hash with --rpc, or pass --trust-address-only to accept the pinned address alone"
		if p.TrustAddressOnly {
			s, hint = SeverityInfo, "; accepted by address alone (--trust-address-only)"
		}
		out = append(out, finding(CodeDelegateCallUnchecked, s, c,
			"DELEGATECALL to %s, the address of %s, which is on the allowlist; offline, Bulwark did not check that the code there is the pinned code (hash %s): on a chain where that deployment never happened, the address can hold anything%s",
			c.To.Hex(), dep, dep.CodeHash.Hex(), hint).With("target", c.To.Hex(), "pinnedCodeHash", dep.CodeHash.Hex()))
	}
	if c.Kind == decode.KindCall && !libraryInterfaces[c.Interface] {
		out = append(out, finding(CodeDelegateCallSelector, sev, c,
			"the data calls %s (%s), a function meant to be CALLed, but it is sent by DELEGATECALL: whatever code is at the target runs on %s storage, and it need not do what %s means. A wallet shows a harmless %s; Bybit's signers saw one while the trojan rewrote the singleton",
			c.Function, c.Interface, whose, c.Function, c.Function).With("selector", c.Selector, "signature", c.Signature))
	}
	return out
}

// selfCallFindings classifies a call from the Safe (domain d) to itself.
func selfCallFindings(reg *decode.Registry, d safe.Domain, c *decode.DecodedCall) []Finding {
	if c.Kind != decode.KindCall {
		return []Finding{finding(CodeSelfCall, SeverityMedium, c,
			"the Safe calls itself with %s that Bulwark cannot decode for this version; self-calls are how a Safe changes its own configuration", selectorText(c))}
	}
	addr := func(name string) common.Address { a, _ := decode.ArgAddr(c, name); return a }
	threshold := func() string { return decode.ArgUint(c, "_threshold").String() }
	thresholdNote := func() string {
		if decode.ArgUint(c, "_threshold").Cmp(big.NewInt(1)) == 0 {
			return " The threshold becomes 1: a single owner key can then do anything with the Safe."
		}
		return ""
	}
	switch c.Function {
	case "addOwnerWithThreshold":
		o := addr("owner")
		return []Finding{finding(CodeOwnerChange, SeverityHigh, c,
			"adds %s as an owner and sets the threshold to %s: the new owner can sign every later transaction. Confirm the address out of band.%s", o.Hex(), threshold(), thresholdNote()).
			With("owner", o.Hex(), "threshold", threshold())}
	case "removeOwner":
		o := addr("owner")
		return []Finding{finding(CodeOwnerChange, SeverityHigh, c,
			"removes owner %s and sets the threshold to %s.%s", o.Hex(), threshold(), thresholdNote()).
			With("owner", o.Hex(), "threshold", threshold())}
	case "swapOwner":
		o, n := addr("oldOwner"), addr("newOwner")
		return []Finding{finding(CodeOwnerChange, SeverityHigh, c,
			"replaces owner %s with %s: the new owner can sign every later transaction. Confirm the address out of band", o.Hex(), n.Hex()).
			With("oldOwner", o.Hex(), "newOwner", n.Hex())}
	case "changeThreshold":
		return []Finding{finding(CodeThresholdChange, SeverityHigh, c,
			"sets the number of owner signatures required to %s.%s", threshold(), thresholdNote()).With("threshold", threshold())}
	case "enableModule":
		m := addr("module")
		return []Finding{finding(CodeModuleChange, SeverityHigh, c,
			"enables module %s: a module executes any transaction from the Safe, DELEGATECALLs included, without owner signatures. Enable only an audited module you deployed or chose", m.Hex()).
			With("module", m.Hex())}
	case "disableModule":
		m := addr("module")
		return []Finding{finding(CodeModuleChange, SeverityMedium, c, "disables module %s", m.Hex()).With("module", m.Hex())}
	case "setGuard", "setModuleGuard":
		arg, what := "guard", "transaction guard"
		if c.Function == "setModuleGuard" {
			arg, what = "moduleGuard", "module guard"
		}
		g := addr(arg)
		if g == (common.Address{}) {
			return []Finding{finding(CodeGuardChange, SeverityHigh, c,
				"removes the %s: the checks it made on every later transaction stop", what).With(arg, g.Hex())}
		}
		return []Finding{finding(CodeGuardChange, SeverityHigh, c,
			"sets the %s to %s: it checks every later transaction, and a broken or hostile guard can block them all and lock the Safe", what, g.Hex()).With(arg, g.Hex())}
	case "setFallbackHandler":
		h := addr("handler")
		known := "a contract Bulwark does not know"
		if deps := reg.ByAddress(h); len(deps) > 0 && deps[0].Role == decode.RoleFallbackHandler {
			known = "the address of " + deps[0].String()
		} else if h == (common.Address{}) {
			known = "none"
		}
		return []Finding{finding(CodeFallbackHandlerChange, SeverityHigh, c,
			"sets the fallback handler to %s (%s): it answers every call the Safe does not implement, including EIP-1271 signature checks that dApps trust as the Safe's signature", h.Hex(), known).
			With("handler", h.Hex())}
	case "changeMasterCopy":
		return []Finding{masterCopyFinding(reg, c, addr("_masterCopy"))}
	case "signMessage":
		// The Safe's own up to 1.2.0; from 1.3.0 the call goes to the
		// fallback handler, which has no signMessage (SELF_CALL below).
		if c.Interface == "Safe" && (!d.Version.Known() || d.Version.Compare(safe.Version{Major: 1, Minor: 2}) <= 0) {
			return []Finding{signMessageFinding(d, c, c.To, "the Safe's own signMessage")}
		}
	}
	return []Finding{finding(CodeSelfCall, SeverityMedium, c,
		"the Safe calls its own %s: %s", c.Function, c.Summary)}
}

func masterCopyFinding(reg *decode.Registry, c *decode.DecodedCall, to common.Address) Finding {
	for _, d := range reg.ByAddress(to) {
		if d.Role == decode.RoleSingleton {
			return finding(CodeMasterCopyChange, SeverityHigh, c,
				"replaces the Safe's singleton (storage slot 0) with %s, the address of %s: an upgrade. Check the code hash on chain before signing; the singleton controls everything the Safe does", to.Hex(), d).
				With("singleton", to.Hex())
		}
	}
	return finding(CodeMasterCopyChange, SeverityCritical, c,
		"replaces the Safe's singleton (storage slot 0) with %s, which is not a Safe singleton Bulwark knows: that code then controls the Safe and everything in it. This is what the Bybit trojan did", to.Hex()).
		With("singleton", to.Hex())
}

// migrationFindings flags the Safe migration libraries, which rewrite the
// singleton (slot 0) when delegatecalled.
func migrationFindings(c *decode.DecodedCall) []Finding {
	if c.Target.Role != decode.RoleMigration || !strings.HasPrefix(c.Function, "migrate") {
		return nil
	}
	return []Finding{finding(CodeMasterCopyChange, SeverityHigh, c,
		"migrates the Safe to another singleton (storage slot 0) through %s %s: %s. Check that this upgrade is intended", c.Target.Contract, c.Target.Version, c.Summary)}
}

// maxTextExcerpt bounds the excerpt of a text message in SIGN_MESSAGE, in
// characters.
const maxTextExcerpt = 80

// signMessageFinding is SIGN_MESSAGE for c, a signMessage(bytes _data)
// that makes signer mark _data as signed: signedMessages[safeMessageHash]
// = 1, after which the fallback handler's EIP-1271 isValidSignature
// accepts the message with an empty signature. how names the call.
func signMessageFinding(d safe.Domain, c *decode.DecodedCall, signer common.Address, how string) Finding {
	data, _ := decode.ArgBytes(c, "_data")
	who, hash := "the Safe "+signer.Hex(), ""
	fields := []string{"signer", signer.Hex(), "messageLength", fmt.Sprint(len(data))}
	switch {
	case signer != d.Safe:
		who = signer.Hex() + " (not this Safe)"
		hash = "the SafeMessage hash of this message in that account's domain (not computed: Bulwark does not know its version)"
	case !d.Version.Known():
		hash = "the SafeMessage hash of this message (not computed: the Safe's version is not known)"
	case d.Version.DomainHasChainID() && d.ChainID == nil:
		hash = "the SafeMessage hash of this message (not computed: Safe " + d.Version.Core() + " hashes the chain id, which is not known)"
	default:
		h, err := (safe.Domain{ChainID: d.ChainID, Safe: signer, Version: d.Version}).HashSafeMessage(data)
		if err != nil {
			hash = "the SafeMessage hash of this message (not computed: " + bulwark.ErrorMessage(err) + ")"
			break
		}
		hash = "SafeMessage hash " + h.SafeMessageHash.Hex()
		fields = append(fields, "safeMessageHash", h.SafeMessageHash.Hex())
	}
	kind, what, more := describeSignedMessage(data)
	fields = append(append(fields, "messageKind", kind), more...)
	return finding(CodeSignMessage, SeverityMedium, c,
		"%s: %s marks %s as signed on chain. From then on the Safe's EIP-1271 isValidSignature accepts that message with an empty signature, for any dApp or contract that asks, without another owner signature: a Permit2 permit or an exchange order approved this way can move the Safe's tokens. %s",
		how, who, hash, what).With(fields...)
}

// describeSignedMessage says what the bytes given to signMessage look
// like: text (with an excerpt), an EIP-712 encoding (0x1901 ‖ domain
// separator ‖ struct hash), a 32-byte hash, or other bytes. It returns the
// kind (a field value), a sentence and the fields to add.
func describeSignedMessage(data []byte) (string, string, []string) {
	switch {
	case len(data) == 0:
		return "empty", "The message is empty.", nil
	case isText(data):
		ex := string(data)
		if r := []rune(ex); len(r) > maxTextExcerpt {
			ex = string(r[:maxTextExcerpt]) + "…"
		}
		return "text", fmt.Sprintf("The message is %d bytes of text: %q. The Safe signs these bytes as they are, which only the legacy isValidSignature(bytes, bytes) checks, not the EIP-191 hash of the text that dApps and 'bulwark safe message-hash --message-file' use: ask why.", len(data), ex),
			[]string{"text", ex}
	case len(data) == 66 && data[0] == 0x19 && data[1] == 0x01:
		dom, st := common.BytesToHash(data[2:34]), common.BytesToHash(data[34:])
		h := crypto.Keccak256Hash(data)
		return "eip712-encoding", fmt.Sprintf("The message is EIP-712 encoded typed data (0x1901 ‖ domain separator %s ‖ struct hash %s; its EIP-712 hash is %s), signed as these 66 bytes (checked by the legacy isValidSignature(bytes, bytes)): get the typed data (a permit, an order …) and check that its domain separator and struct hash are these.",
				dom.Hex(), st.Hex(), h.Hex()),
			[]string{"domainSeparator", dom.Hex(), "structHash", st.Hex(), "eip712Hash", h.Hex()}
	case len(data) == 32:
		h := common.BytesToHash(data)
		return "hash", fmt.Sprintf("The message is a 32-byte hash, %s: what a dApp checks with isValidSignature(bytes32, …), most often the EIP-712 hash of typed data (a permit, an order) or the EIP-191 hash of a text, and the hash does not say which. Get the typed data or text from the dApp: 'bulwark safe message-hash' on it must give this message and this safeMessageHash.", h.Hex()),
			[]string{"hash", h.Hex()}
	}
	return "bytes", fmt.Sprintf("The message is %d bytes of binary data, neither text nor a 32-byte hash, signed as they are (checked by the legacy isValidSignature(bytes, bytes)): ask what they are.", len(data)), nil
}

// isText reports whether b is UTF-8 text of printable characters, spaces,
// tabs and line breaks.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != ' ' && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}
