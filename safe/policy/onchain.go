package policy

import (
	"context"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// Finding codes that only a verification against a node emits (see
// docs/safe.md, "Verify against a node").
const (
	// CodeUnknownSingleton: the Safe's slot 0 holds a singleton whose code
	// is not a known Safe deployment.
	CodeUnknownSingleton = "UNKNOWN_SINGLETON"
	// CodeContractHashUnavailable: the Safe did not answer
	// getTransactionHash, so the recomputed hash could not be confirmed.
	CodeContractHashUnavailable = "CONTRACT_HASH_UNAVAILABLE"
)

// ChainFields names the inputs of [VerifyOnChain] in its error messages:
// the CLI's flags ("--chain-id") or the API's keys ("chainId").
type ChainFields struct {
	ChainID, Version, Node string
}

// CLIChainFields are the flag names of `bulwark safe verify`.
var CLIChainFields = ChainFields{ChainID: "--chain-id", Version: "--safe-version", Node: "--rpc"}

// ChainOptions tune [VerifyOnChain].
type ChainOptions struct {
	// Simulator runs execTransaction against the Safe's state; nil skips
	// the simulation.
	Simulator Simulator
	// Fields names the inputs in errors; zero means the API's keys
	// (chainId, safeVersion, rpc).
	Fields ChainFields
}

// ChainCheck is what a verification read from the node: the block, where
// the chain id and version came from, the singleton, and the Safe's own
// getTransactionHash.
type ChainCheck struct {
	Block uint64
	// VersionSource is "node" when the version was established from the
	// chain (and agreed with a given one), "given" when the node could not
	// establish it and the caller's version was used.
	VersionSource string
	// ChainIDSource is "node", or "given+node" when both agreed.
	ChainIDSource     string
	Singleton         common.Address
	SingletonCodeHash common.Hash
	// SingletonKnown reports a singleton whose code is a pinned Safe
	// deployment; SingletonName names it ("GnosisSafe 1.1.1").
	SingletonKnown  bool
	SingletonName   string
	ReportedVersion string
	// ContractSafeTxHash is what the Safe's getTransactionHash answered;
	// nil when it did not answer (ContractHashError says why).
	ContractSafeTxHash *common.Hash
	ContractHashError  string
	// CodeHashes are the runtime code hashes of the decoded tree's targets.
	CodeHashes map[common.Address]common.Hash
	// State is the Safe's state at Block.
	State *onchain.State `json:"-"`
}

// ContractHashMatches reports whether the Safe answered getTransactionHash
// with the recomputed safeTxHash.
func (v *Verification) ContractHashMatches() bool {
	return v.Chain != nil && v.Chain.ContractSafeTxHash != nil && *v.Chain.ContractSafeTxHash == v.Hashes.SafeTxHash
}

// VerifyOnChain verifies req against the node r reads from, never guessing:
// the chain id is the node's (req.ChainID, if set, must equal it), the
// version is established from the Safe's singleton ([onchain.State.Version]); a
// version the node cannot establish is taken from req.Version when given
// and is otherwise an error, and a given version the node contradicts is
// an error. Every call target of the decoded tree has its code hash read
// (one batch, with the Safe's own getTransactionHash), so allowlisted
// libraries are trusted by code and a known address with other code is
// not; a contract hash that differs from the recomputed one is
// HASH_MISMATCH, and a singleton that is not a known deployment is
// UNKNOWN_SINGLETON. With opt.Simulator the transaction is simulated too
// (see [Simulate]).
//
// Errors are the node's (unreachable …), EINVALID for a chain id or version
// that disagrees with the node or cannot be established, or an address
// that is not a Safe.
func VerifyOnChain(ctx context.Context, r onchain.ChainReader, req VerifyRequest, opt ChainOptions) (*Verification, error) {
	f := opt.Fields
	if f == (ChainFields{}) {
		f = ChainFields{ChainID: "chainId", Version: "safeVersion", Node: "rpc"}
	}
	if req.Tx.Safe == (common.Address{}) {
		return nil, bulwark.Invalid("safe", "required: the Safe's address")
	}
	chainID, err := r.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	check := &ChainCheck{ChainIDSource: "node"}
	node := new(big.Int).SetUint64(chainID)
	if req.ChainID != nil {
		if req.ChainID.Cmp(node) != 0 {
			return nil, bulwark.Invalid(f.ChainID, "%s is not the chain id of the node at %s, which is on chain %d: check both (the chain id is part of what is signed from Safe 1.3.0)",
				req.ChainID, f.Node, chainID)
		}
		check.ChainIDSource = "given+node"
	}
	block, err := r.BlockNumber(ctx)
	if err != nil {
		return nil, err
	}
	check.Block = block
	at := onchain.AtBlockNumber(block)
	st, err := onchain.ReadState(ctx, r, req.Tx.Safe, at)
	if err != nil {
		return nil, err
	}
	check.State, check.Singleton, check.SingletonCodeHash = st, st.Singleton, st.SingletonCodeHash
	check.SingletonKnown, check.ReportedVersion = st.SingletonKnown(), st.ReportedVersion
	if check.SingletonKnown {
		check.SingletonName = onchain.DeploymentNames(st.SingletonDeployments)
	}
	version, verr := st.Version()
	switch {
	case verr == nil && req.Version.Known() && version.Core() != req.Version.Core():
		return nil, bulwark.Invalid(f.Version, "%s contradicts the chain: Safe %s runs singleton %s, which is Safe %s (%s); drop %s to use the node's version, or check the Safe address",
			req.Version, req.Tx.Safe.Hex(), st.Singleton.Hex(), version, versionEvidence(st), f.Version)
	case verr == nil:
		check.VersionSource = "node"
	case req.Version.Known():
		version, check.VersionSource = req.Version, "given"
	default:
		return nil, verr
	}
	req.ChainID, req.Version = node, version

	// Decode once offline to learn the targets, read their code and the
	// Safe's own hash in one batch, then verify with the code hashes.
	d := &decode.Decoder{Safe: req.Tx.Safe, Version: version, ChainID: node, Registry: req.Policy.Registry}
	root, _ := d.DecodeTx(req.Tx.Tx)
	reads, targets := targetReads(root)
	probes, questions := probeReads(root)
	hashCall, herr := getTransactionHashData(req.Tx.Tx)
	if herr != nil {
		return nil, herr
	}
	reads = append(append(reads, probes...), onchain.Read{Kind: onchain.ReadCall, Addr: req.Tx.Safe, Data: hashCall})
	if err := r.BatchRead(ctx, at, reads); err != nil {
		return nil, err
	}
	req.Probes = readProbes(block, reads[len(targets):len(targets)+len(probes)], questions)
	check.CodeHashes = make(map[common.Address]common.Hash, len(targets))
	for i, a := range targets {
		if reads[i].Err != nil {
			return nil, bulwark.Wrap(reads[i].Err, bulwark.ErrorCode(reads[i].Err), fmt.Sprintf("cannot read the code of %s at block %d: %s", a.Hex(), block, bulwark.ErrorMessage(reads[i].Err)))
		}
		check.CodeHashes[a] = crypto.Keccak256Hash(reads[i].Out)
	}
	hr := reads[len(reads)-1]
	switch {
	case hr.Err != nil:
		check.ContractHashError = "the call failed: " + bulwark.ErrorMessage(hr.Err)
	case hr.Reverted:
		check.ContractHashError = "it reverted"
	case len(hr.Out) != 32:
		check.ContractHashError = fmt.Sprintf("it returned %d bytes, not a bytes32", len(hr.Out))
	default:
		h := common.BytesToHash(hr.Out)
		check.ContractSafeTxHash = &h
	}
	req.CodeHashes = check.CodeHashes

	v, err := verifyOffline(req)
	if err != nil {
		return nil, err
	}
	v.Chain = check
	v.Findings = append(v.Findings, chainFindings(v)...)
	if opt.Simulator != nil {
		sim, err := Simulate(ctx, r, opt.Simulator, v)
		if err != nil {
			return nil, bulwark.Wrap(err, bulwark.ErrorCode(err), fmt.Sprintf("cannot simulate the transaction at block %d: %s", check.Block, bulwark.ErrorMessage(err)))
		}
		v.Simulation = sim
		v.Findings = append(v.Findings, v.Simulation.Findings...)
	} else {
		v.Findings = append(v.Findings, finding(CodeSimulationUnavailable, SeverityMedium, nil, simulationSkipMessage,
			fmt.Sprintf("the Safe's state was read at block %d, but no simulation was asked for: the transaction's effects on the Safe were not checked", check.Block)).With("status", "not_requested"))
	}
	SortFindings(v.Findings)
	v.Verdict = VerdictOf(v.Findings)
	return v, nil
}

func versionEvidence(st *onchain.State) string {
	if st.SingletonKnown() {
		return "its code is " + onchain.DeploymentNames(st.SingletonDeployments)
	}
	return "its VERSION() answers " + safe.Quote(st.ReportedVersion)
}

// chainFindings are the findings about what the node showed: the Safe's
// own hash and its singleton.
func chainFindings(v *Verification) []Finding {
	c := v.Chain
	var out []Finding
	switch {
	case c.ContractSafeTxHash == nil:
		out = append(out, finding(CodeContractHashUnavailable, SeverityMedium, nil,
			"the Safe did not answer getTransactionHash (%s), so the recomputed safeTxHash %s could not be confirmed by the contract itself; a Safe whose singleton works always answers it",
			c.ContractHashError, v.Hashes.SafeTxHash.Hex()).With("computed", v.Hashes.SafeTxHash.Hex(), "reason", c.ContractHashError))
	case *c.ContractSafeTxHash != v.Hashes.SafeTxHash:
		out = append(out, finding(CodeHashMismatch, SeverityCritical, nil,
			"the Safe's own getTransactionHash answers %s at block %d, not the hash Bulwark computes (%s): the contract would check signatures over a different hash than the one your device shows. Do not sign",
			c.ContractSafeTxHash.Hex(), c.Block, v.Hashes.SafeTxHash.Hex()).With("contract", c.ContractSafeTxHash.Hex(), "computed", v.Hashes.SafeTxHash.Hex()))
	}
	if !c.SingletonKnown {
		out = append(out, finding(CodeUnknownSingleton, SeverityHigh, nil,
			"the Safe's singleton (slot 0) %s has code %s, which is not a known Safe deployment: the code that checks signatures and executes this transaction is not Safe's (a hijacked or custom Safe)",
			c.Singleton.Hex(), c.SingletonCodeHash.Hex()).With("singleton", c.Singleton.Hex(), "codeHash", c.SingletonCodeHash.Hex()))
	}
	return out
}

// targetReads returns a code read for every distinct call target in the
// tree, and the targets in the same order.
func targetReads(root *decode.DecodedCall) ([]onchain.Read, []common.Address) {
	var reads []onchain.Read
	var addrs []common.Address
	if root == nil {
		return nil, nil
	}
	seen := map[common.Address]bool{}
	root.Walk(func(c *decode.DecodedCall) bool {
		if !seen[c.To] {
			seen[c.To] = true
			addrs = append(addrs, c.To)
			reads = append(reads, onchain.Read{Kind: onchain.ReadCode, Addr: c.To})
		}
		return true
	})
	return reads, addrs
}

// getTransactionHashSelector selects getTransactionHash, whose parameters
// are the same in every version (dataGas before 1.0.0 is a uint256 too).
var getTransactionHashSelector = safe.Selector("getTransactionHash(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,uint256)")

// getTransactionHashData returns the calldata of getTransactionHash(tx…).
func getTransactionHashData(tx safe.Tx) ([]byte, error) {
	exec, err := safe.ExecTransactionCalldata(tx, nil)
	if err != nil {
		return nil, err
	}
	if err := safe.CheckUint256("nonce", tx.Nonce); err != nil {
		return nil, err
	}
	// execTransaction's head has the signatures' offset where
	// getTransactionHash has the nonce; its tail ends with the empty
	// signatures' length word, which getTransactionHash does not have.
	out := exec[:len(exec)-32]
	copy(out, getTransactionHashSelector[:])
	word := out[4+288 : 4+320]
	clear(word)
	safe.PutUint(word, tx.Nonce)
	return out, nil
}
