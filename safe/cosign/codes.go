package cosign

import (
	"fmt"

	"github.com/bulwark-sec/bulwark/safe/policy"
)

// Finding codes of the co-signer's own checks (docs/safe.md, "Co-signing a
// transaction"). They come beside the policy's findings; every one but
// NEEDS_APPROVALS is critical: the co-signer refuses.
const (
	// CodeNotSimulated: the simulation did not run (no debug_traceCall on
	// the node, a version before 1.0.0, a nonce ahead of the Safe's …), so
	// what the transaction does on chain is unknown.
	CodeNotSimulated = "NOT_SIMULATED"
	// CodeCosignerNotOwner: the co-signer's key is not an owner of the Safe.
	CodeCosignerNotOwner = "COSIGNER_NOT_OWNER"
	// CodeNonceUsed: the transaction's nonce is below the Safe's: a
	// transaction with it has already executed.
	CodeNonceUsed = "NONCE_USED"
	// CodeStateChanged: the Safe's nonce, owners, threshold, singleton,
	// guard, modules or fallback handler read again just before signing
	// differ from those verified.
	CodeStateChanged = "STATE_CHANGED"
	// CodeNodeBehind: the node reports a latest block below the block the
	// transaction was verified at, so the Safe cannot be read again as it
	// is now before signing.
	CodeNodeBehind = "NODE_BEHIND"
	// CodeListsStale: a screening list or the registry of Safe deployments
	// is older than the co-signer's maximum age, or its age is unknown.
	CodeListsStale = "LISTS_STALE"
	// CodeNonceAlreadyCosigned: another safeTxHash was already co-signed
	// for this chain, Safe and nonce.
	CodeNonceAlreadyCosigned = "NONCE_ALREADY_COSIGNED"
	// CodeVersionUnsafe: the Safe is older than 1.3.0, whose EIP-712
	// domain has no chain id: a co-signature of it would also be valid for
	// the same Safe address and nonce on another chain.
	CodeVersionUnsafe = "COSIGNER_VERSION_UNSAFE"
	// CodeNotScreened: no screening list was available to the
	// verification (SCREENING_NOT_CHECKED), so the addresses the
	// transaction names were not checked against the sanctions and
	// attribution lists.
	CodeNotScreened = "NOT_SCREENED"
	// CodeNoOwnerConfirmation: the co-signer would sign, but the request
	// carries no valid signature of the safeTxHash by an owner other than
	// the co-signer (medium: the transaction is held, whatever the
	// approvals, until the request carries one).
	CodeNoOwnerConfirmation = "NO_OWNER_CONFIRMATION"
	// CodeNeedsApprovals: the verdict is review and fewer than two people
	// have approved the transaction (medium: the transaction is held).
	CodeNeedsApprovals = "NEEDS_APPROVALS"
)

// Codes lists every finding code the co-signer adds to the policy's.
var Codes = []string{CodeNotSimulated, CodeCosignerNotOwner, CodeNonceUsed, CodeStateChanged, CodeNodeBehind, CodeListsStale,
	CodeNonceAlreadyCosigned, CodeVersionUnsafe, CodeNotScreened, CodeNoOwnerConfirmation, CodeNeedsApprovals}

// RequiredApprovals is how many different people must approve a
// transaction whose verdict is review before the co-signer signs it.
const RequiredApprovals = 2

func refusal(code, format string, args ...any) policy.Finding {
	return policy.Finding{Code: code, Severity: policy.SeverityCritical, Message: fmt.Sprintf(format, args...)}
}
