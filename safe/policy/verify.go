package policy

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// VerifyRequest is one Safe transaction to verify offline, with the facts
// Bulwark must not guess: the chain id and the Safe's version.
type VerifyRequest struct {
	// Tx is the transaction, its Safe and the proposer's safeTxHash, if any.
	Tx ServiceTx
	// ChainID and Version are required. Versions up to 1.2.0 do not hash
	// the chain id, but it is still recorded with the verdict.
	ChainID *big.Int
	Version safe.Version
	// CodeHashes are runtime code hashes read from the chain, by address;
	// nil offline (see Decoder.CodeHashes).
	CodeHashes map[common.Address]common.Hash
	// Policy is the rule set; the zero Policy is the strict default.
	Policy Policy
	// SentInPeriod is what the Safe already sent, by asset and period,
	// in the period before this transaction, for the Safe's value limits
	// (Policy.LimitsFor). nil, or a key missing, means not known: a limit
	// this transaction does not exceed alone is then VALUE_LIMIT_NOT_CHECKED,
	// never passed. The co-signer fills it from the co-signatures it gave.
	SentInPeriod map[SentKey]*big.Int
	// Probes are what a node answered about the call targets (nil
	// offline); VerifyOnChain fills them.
	Probes *Probes
}

// Verification is the outcome of Verify: the hashes, the decoded tree, the
// findings and the verdict, with everything the audit log records about it.
type Verification struct {
	ChainID *big.Int
	Safe    common.Address
	Version safe.Version
	Tx      safe.Tx
	Hashes  safe.TxHashes
	// ProposedSafeTxHash is the hash the proposer supplied (nil if none);
	// HASH_MISMATCH is critical when it is not Hashes.SafeTxHash.
	ProposedSafeTxHash *common.Hash
	// Decoded is the decoded call tree (nil only if nothing decoded).
	Decoded  *decode.DecodedCall
	Findings []Finding
	Verdict  bulwark.Verdict
	// Outflows is what leaves the Safe in this transaction, by asset (ETH:
	// the zero address), in base units (see Outflows).
	Outflows map[common.Address]*big.Int
	// PolicyVersion and RegistryVersion are the rules and the pinned
	// deployments the verdict was reached with.
	PolicyVersion   string
	RegistryVersion string
	Policy          Policy
	// Screening says which list versions the addresses were screened
	// against (Checked false: none were available).
	Screening ScreeningRecord
	// Chain is what was read from the node (nil offline); Simulation the
	// simulated execution (nil offline or when not asked for).
	Chain      *ChainCheck
	Simulation *Simulation
}

// Verify hashes, decodes and checks one Safe transaction, offline. It
// returns an error (code invalid, naming the field) only for input it
// cannot hash: a missing chain id or version, an out-of-range integer, an
// operation the version does not execute. Everything else, undecodable
// calldata included, is a finding. What an offline verification cannot
// check is a finding too (VERIFIED_OFFLINE, info): its verdict judges the
// decoded calls alone, never the Safe's state or the transaction's effects.
func Verify(req VerifyRequest) (*Verification, error) {
	v, err := verifyOffline(req)
	if err != nil {
		return nil, err
	}
	v.Findings = append(v.Findings, verifiedOffline("verified offline: the Safe's state (singleton, owners, code of the targets) was not read from a node and the transaction was not simulated, so this verdict judges the decoded calls alone. Verify with a node (--rpc) before anyone signs"))
	SortFindings(v.Findings)
	return v, nil
}

// verifiedOffline is VERIFIED_OFFLINE: what was not checked is said, never
// shown as safe.
func verifiedOffline(msg string) Finding {
	return finding(CodeVerifiedOffline, SeverityInfo, nil, "%s", msg)
}

// verifyOffline is Verify without the VERIFIED_OFFLINE finding: VerifyOnChain adds
// what it read and simulated.
func verifyOffline(req VerifyRequest) (*Verification, error) {
	req.Policy = req.Policy.Snapshot()
	if req.ChainID == nil {
		return nil, bulwark.Invalid("chainId", "required: the chain id is part of what is verified and is never guessed (e.g. 1 for Ethereum mainnet)")
	}
	if req.ChainID.Sign() <= 0 || req.ChainID.Cmp(safe.MaxUint256) > 0 {
		return nil, bulwark.Invalid("chainId", "must be from 1 to 2^256-1")
	}
	if !req.Version.Known() {
		return nil, bulwark.Invalid("safeVersion", "required: the Safe's version as its VERSION() returns it, never guessed (supported: %s)", safe.SupportedList())
	}
	if req.Tx.Safe == (common.Address{}) {
		return nil, bulwark.Invalid("safe", "required: the Safe's address")
	}
	// Snapshot pinned one set of list versions for the whole verification,
	// recorded with it.
	v := &Verification{
		ChainID: req.ChainID, Safe: req.Tx.Safe, Version: req.Version, Tx: req.Tx.Tx,
		ProposedSafeTxHash: req.Tx.SafeTxHash, PolicyVersion: PolicyVersion, RegistryVersion: RegistryVersion,
		Policy: req.Policy, Screening: screeningRecord(req.Policy.Screener),
	}
	var err error
	v.Hashes, err = safe.Domain{ChainID: req.ChainID, Safe: req.Tx.Safe, Version: req.Version}.HashTx(req.Tx.Tx)
	if err != nil {
		return nil, err
	}
	d := &decode.Decoder{Safe: req.Tx.Safe, Version: req.Version, ChainID: req.ChainID, CodeHashes: req.CodeHashes, Registry: req.Policy.Registry}
	root, decErr := d.DecodeTx(req.Tx.Tx)
	v.Decoded = root
	reg := req.Policy.Registry
	if reg == nil {
		reg = decode.KnownDeployments()
	}
	v.Outflows = Outflows(req.Tx.Safe, root)
	v.Findings = req.Policy.check(callRules, reg, safe.Domain{ChainID: req.ChainID, Safe: req.Tx.Safe, Version: req.Version}, req.Tx.Tx, root, req.SentInPeriod, req.Probes)
	if root == nil && decErr != nil {
		v.Findings = append(v.Findings, finding(CodeMalformedCalldata, SeverityCritical, nil,
			"Bulwark could not decode the transaction: %s", bulwark.ErrorMessage(decErr)))
	}
	if p := req.Tx.SafeTxHash; p != nil && *p != v.Hashes.SafeTxHash {
		v.Findings = append(v.Findings, finding(CodeHashMismatch, SeverityCritical, nil,
			"the proposer's safeTxHash %s is not the hash of this transaction (%s): the transaction you were shown is not the one that would be signed, or the Safe, chain id or version differ. Do not sign",
			p.Hex(), v.Hashes.SafeTxHash.Hex()).With("given", p.Hex(), "computed", v.Hashes.SafeTxHash.Hex()))
	}
	SortFindings(v.Findings)
	if v.Findings == nil {
		v.Findings = []Finding{}
	}
	v.Verdict = VerdictOf(v.Findings)
	return v, nil
}

// Simulated reports whether the transaction was executed against the
// Safe's state on a node: the simulation ran, whether the transaction
// succeeded, failed or reverted in it. An offline verification, one
// without a simulator and one whose simulation was skipped or unavailable
// are not simulated: their verdict judges the decoded calls (and what was
// read from the node) alone.
func (v *Verification) Simulated() bool {
	if v.Simulation == nil {
		return false
	}
	switch v.Simulation.Status {
	case "success", "execution_failure", "reverted":
		return true
	}
	return false
}

// HashMatches reports whether the proposer gave a safeTxHash and it is the
// computed one.
func (v *Verification) HashMatches() bool {
	return v.ProposedSafeTxHash != nil && *v.ProposedSafeTxHash == v.Hashes.SafeTxHash
}

// Codes returns the findings' codes in order.
func (v *Verification) Codes() []string {
	out := make([]string, len(v.Findings))
	for i, f := range v.Findings {
		out[i] = f.Code
	}
	return out
}

// AuditTarget names the verified transaction in the audit log:
// "safe:<EIP-55 address>#<nonce>".
func (v *Verification) AuditTarget() string {
	return "safe:" + v.Safe.Hex() + "#" + decString(v.Tx.Nonce)
}

// AuditDetails is what the audit log records about a verdict: the inputs'
// fingerprints (safeTxHash covers every field of the transaction and its
// domain), the verdict, the findings' codes and severities, and the policy
// and registry versions and options used. Nothing secret is in it.
func (v *Verification) AuditDetails() map[string]any {
	type codeSev struct {
		Code     string   `json:"code"`
		Severity Severity `json:"severity"`
		Path     string   `json:"path,omitempty"`
	}
	fs := make([]codeSev, len(v.Findings))
	for i, f := range v.Findings {
		fs[i] = codeSev{f.Code, f.Severity, f.Path}
	}
	d := map[string]any{
		"safeTxHash":       v.Hashes.SafeTxHash.Hex(),
		"chainId":          decString(v.ChainID),
		"safe":             v.Safe.Hex(),
		"safeVersion":      v.Version.String(),
		"nonce":            decString(v.Tx.Nonce),
		"verdict":          v.Verdict,
		"findings":         fs,
		"policyVersion":    v.PolicyVersion,
		"registryVersion":  v.RegistryVersion,
		"allowMultisend":   v.Policy.AllowMultiSend,
		"trustAddressOnly": v.Policy.TrustAddressOnly,
	}
	if v.ProposedSafeTxHash != nil {
		d["proposedSafeTxHash"] = v.ProposedSafeTxHash.Hex()
	}
	if b := v.Policy.AddressBook; b != nil {
		d["addressBook"] = map[string]any{"source": b.Source, "sha256": b.Digest, "entries": b.Len()}
	}
	d["screening"] = v.Screening
	if c := v.Chain; c != nil {
		d["block"] = c.Block
		d["singleton"] = c.Singleton.Hex()
		d["versionSource"] = c.VersionSource
		if c.ContractSafeTxHash != nil {
			d["contractSafeTxHash"] = c.ContractSafeTxHash.Hex()
		}
	}
	if s := v.Simulation; s != nil {
		d["simulation"] = s.summary()
	}
	return d
}

// VerificationJSON is the JSON form of a Verification, as `bulwark safe
// verify --json` and POST /api/v1/safe/verify print it (CLI.md): hashes
// lower-case hex, addresses EIP-55, integers as decimal strings.
type VerificationJSON struct {
	SafeTxHash  string          `json:"safeTxHash"`
	DomainHash  string          `json:"domainHash"`
	MessageHash string          `json:"messageHash"`
	Verdict     bulwark.Verdict `json:"verdict"`
	// Simulated is true when the transaction was executed against the
	// Safe's state on a node (the simulation ran, whatever its outcome); an
	// "ok" verdict with simulated false judges the decoded calls alone.
	Simulated bool `json:"simulated"`
	// Screened is true when the addresses were screened against at least
	// one list (options.screening names the versions); an "ok" verdict with
	// screened false did not look at the lists.
	Screened bool `json:"screened"`
	// VerdictText is "ok, not fully checked" for an ok verdict with
	// anything in NotChecked, else the verdict.
	VerdictText string `json:"verdictText"`
	// NotChecked lists what was not checked (chain-state, simulation,
	// screening, library-code, value-limit-history, token-kind,
	// timelock-delay); empty when nothing was left out.
	NotChecked         []string            `json:"notChecked"`
	Findings           []Finding           `json:"findings"`
	Decoded            *decode.DecodedCall `json:"decoded"`
	EthSignHash        string              `json:"ethSignHash"`
	ProposedSafeTxHash string              `json:"proposedSafeTxHash,omitempty"`
	Safe               string              `json:"safe"`
	ChainID            string              `json:"chainId"`
	SafeVersion        string              `json:"safeVersion"`
	Transaction        VerifiedTxJSON      `json:"transaction"`
	PolicyVersion      string              `json:"policyVersion"`
	RegistryVersion    string              `json:"registryVersion"`
	Options            VerifyOptionsJSON   `json:"options"`
	Chain              *ChainCheckJSON     `json:"chain,omitempty"`
	Simulation         *SimulationJSON     `json:"simulation,omitempty"`
}

// VerifiedTxJSON is the SafeTx as verified.
type VerifiedTxJSON struct {
	To             string `json:"to"`
	Value          string `json:"value"`
	Data           string `json:"data"`
	Operation      uint8  `json:"operation"`
	SafeTxGas      string `json:"safeTxGas"`
	BaseGas        string `json:"baseGas"`
	GasPrice       string `json:"gasPrice"`
	GasToken       string `json:"gasToken"`
	RefundReceiver string `json:"refundReceiver"`
	Nonce          string `json:"nonce"`
}

// txJSON is the JSON form of a SafeTx: addresses EIP-55, integers as
// decimal strings (operation as a number), data as 0x-hex.
func txJSON(tx safe.Tx) VerifiedTxJSON {
	return VerifiedTxJSON{
		To: tx.To.Hex(), Value: decString(tx.Value), Data: "0x" + common.Bytes2Hex(tx.Data), Operation: uint8(tx.Operation),
		SafeTxGas: decString(tx.SafeTxGas), BaseGas: decString(tx.BaseGas), GasPrice: decString(tx.GasPrice),
		GasToken: tx.GasToken.Hex(), RefundReceiver: tx.RefundReceiver.Hex(), Nonce: decString(tx.Nonce),
	}
}

// VerifyOptionsJSON are the policy options in force.
type VerifyOptionsJSON struct {
	AllowMultisend   bool `json:"allowMultisend"`
	TrustAddressOnly bool `json:"trustAddressOnly"`
	// AddressBook is the address book in force, if any.
	AddressBook *AddressBookJSON `json:"addressBook,omitempty"`
	// Screening names the list versions the addresses were screened
	// against.
	Screening ScreeningRecord `json:"screening"`
}

// AddressBookJSON identifies an address book: where it was read from, the
// SHA-256 of its content and its number of entries.
type AddressBookJSON struct {
	Source  string `json:"source"`
	SHA256  string `json:"sha256"`
	Entries int    `json:"entries"`
}

// JSON returns the JSON form of v.
func (v *Verification) JSON() VerificationJSON {
	out := VerificationJSON{
		SafeTxHash: v.Hashes.SafeTxHash.Hex(), DomainHash: v.Hashes.DomainHash.Hex(), MessageHash: v.Hashes.MessageHash.Hex(),
		Verdict: v.Verdict, Simulated: v.Simulated(), Screened: v.Screening.Checked, VerdictText: v.VerdictText(), NotChecked: v.NotChecked(), Findings: v.Findings, Decoded: v.Decoded, EthSignHash: v.Hashes.EthSignHash.Hex(),
		Safe: v.Safe.Hex(), ChainID: decString(v.ChainID), SafeVersion: v.Version.String(),
		Transaction:   txJSON(v.Tx),
		PolicyVersion: v.PolicyVersion, RegistryVersion: v.RegistryVersion,
		Options: VerifyOptionsJSON{AllowMultisend: v.Policy.AllowMultiSend, TrustAddressOnly: v.Policy.TrustAddressOnly, Screening: v.Screening},
	}
	if b := v.Policy.AddressBook; b != nil {
		out.Options.AddressBook = &AddressBookJSON{Source: b.Source, SHA256: b.Digest, Entries: b.Len()}
	}
	if v.ProposedSafeTxHash != nil {
		out.ProposedSafeTxHash = v.ProposedSafeTxHash.Hex()
	}
	if out.Findings == nil {
		out.Findings = []Finding{}
	}
	if v.Chain != nil {
		out.Chain = v.Chain.json()
		out.Chain.HashMatchesChain = v.ContractHashMatches()
	}
	if v.Simulation != nil {
		out.Simulation = v.Simulation.json()
	}
	return out
}
