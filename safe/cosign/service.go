package cosign

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/screening"
)

// Source is one input a verdict depends on that can fall out of date: a
// screening list, the registry of pinned Safe deployments.
type Source struct {
	// Name names it in findings: "list us-ofac-sdn", "registry safe-deployments/1.37.63".
	Name string
	// Updated is when it was published (or imported, when it states no
	// date); zero when nobody knows, which counts as stale.
	Updated time.Time
	// MaxAge, when set, is this source's own maximum age in place of the
	// Service's MaxListAge: the registry of Safe deployments changes
	// far less often than a sanctions list, and its age only leaves a new
	// deployment unknown (a review finding), never an unsafe one trusted.
	MaxAge time.Duration
}

// Sources reports the sources behind a verdict and their dates.
type Sources interface {
	Sources(ctx context.Context) ([]Source, error)
}

// SourcesFunc is a function as a Sources.
type SourcesFunc func(ctx context.Context) ([]Source, error)

// Sources calls f.
func (f SourcesFunc) Sources(ctx context.Context) ([]Source, error) { return f(ctx) }

// Service is the co-signer. Chain, Simulator, Signer, Store and Audit are
// required; a node is mandatory, there is no offline co-signature.
type Service struct {
	// Chain is the node the Safe is read from; Simulator simulates
	// execTransaction on it (debug_traceCall).
	Chain     onchain.ChainReader
	Simulator policy.Simulator
	// Signer holds the co-signer's key.
	Signer Signer
	// Store keeps co-signatures and approvals; Audit records every
	// request, refusal, signature and approval. Store (and Verifications)
	// must be adapters of the audit log's store, so that a record and its
	// audit entry commit together.
	Store Store
	Audit *audit.Log
	// Verifications receives the record of every verification the
	// co-signer makes (as 'safe verify' records its verdicts), and is where
	// Approve looks up the verdict of a safeTxHash. Required by Approve.
	Verifications policy.VerificationStore
	// Tokens says whether the API token of a "token:" approval is still
	// active; an approval whose token is revoked, expired or unknown does
	// not count. Without Tokens no token approval counts.
	Tokens Tokens
	// Sources and MaxListAge: a source older than its maximum age (its own
	// MaxAge, else MaxListAge), or of unknown age, refuses every
	// co-signature (LISTS_STALE). A source whose maximum is 0 is not
	// checked; with MaxListAge set, Sources is required.
	Sources    Sources
	MaxListAge time.Duration
	// ApprovalTTL is how long an approval counts after it is given
	// (CheckApprovalTTL's bounds); 0 means DefaultApprovalTTL. An approval
	// lasts the TTL in force when it was given, cut short when the setting
	// is lowered later.
	ApprovalTTL time.Duration
	// OneCLIApproval counts at most one command-line ("cli:") approval
	// per transaction: serve sets it, since whoever runs the command line
	// on its data directory is one operator, whatever names --as gives.
	OneCLIApproval bool
	// Dual is dual control over approvals: a person's approval is held
	// until a second person approves it with a WebAuthn assertion
	// (approval.SafeApprove); nil records approvals at once.
	Dual approval.Gate
	// Policy is the rule set of the verification (the zero Policy is the
	// strict default).
	Policy policy.Policy
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	// afterVerify, set by tests, runs between the verification and the
	// re-read of the Safe's state at signing time.
	afterVerify func(ctx context.Context)
}

func (s *Service) check() error {
	switch {
	case s.Chain == nil || s.Simulator == nil:
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the co-signer needs a node that simulates (--rpc): it never co-signs an offline verdict")
	case s.Signer == nil:
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "the co-signer has no key: create or import one with 'bulwark safe cosigner init' or 'import'")
	case s.Store == nil || s.Audit == nil:
		return bulwark.Errorf(bulwark.EINTERNAL, "the co-signer needs a store and an audit log")
	case s.MaxListAge > 0 && s.Sources == nil:
		return bulwark.Errorf(bulwark.EINTERNAL, "the co-signer has a maximum list age but nothing that reports the lists' ages")
	}
	_, err := s.approvalTTL()
	return err
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// checkText checks a name or note: valid UTF-8, within max bytes, no
// control characters (newlines and tabs allowed in a note). required says
// whether it may be empty.
func checkText(field, what, s string, max int, required, multiline bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "" && required:
		return "", bulwark.Invalid(field, "required: %s", what)
	case !utf8.ValidString(s):
		return "", bulwark.Invalid(field, "not valid UTF-8")
	case len(s) > max:
		return "", bulwark.Invalid(field, "%d bytes: at most %d", len(s), max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return "", bulwark.Invalid(field, "contains a control character (%U)", r)
		}
	}
	return s, nil
}

// Cosign decides on req and, unless it is a dry run, records the decision
// in the audit log and co-signs when the decision is signed. The
// transaction is verified against the node with simulation
// ([policy.VerifyOnChain]); then the co-signer's own checks add their
// findings (see [Codes]). Decision:
//
//   - refused (verdict reject): a critical finding, the policy's or the
//     co-signer's (not simulated, not an owner, nonce used, state changed
//     at signing time, lists stale, another safeTxHash already co-signed
//     for the nonce);
//   - held (review): a medium or high finding and fewer than two
//     different approvers (NEEDS_APPROVALS), or a transaction that would
//     be signed but that no human owner has signed in the request
//     (NO_OWNER_CONFIRMATION; a dry run only notes it in Skipped);
//   - signed: ok, or review with two approvers. The same safeTxHash asked
//     again gets the stored signature; it is never signed twice.
//
// The error is for a request that cannot be decided (invalid input, the
// node unreachable, the store failing); such a request is audited too
// (decision "error"). A dry run is audited as decision "dry-run" (with
// the verdict, the deciding codes and the decision it would make),
// unless the request is Unaudited (the queue watch's look-ahead).
func (s *Service) Cosign(ctx context.Context, req Request) (*Result, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	requester, err := checkText("requester", "who asks for the co-signature", req.Requester, MaxApproverLen, true, false)
	actor := req.Actor
	if actor == "" {
		actor = requester
	}
	if err != nil {
		if actor == "" {
			actor = "(invalid requester)"
		}
		return nil, s.refuseInput(ctx, "safe.cosign", actor, err)
	}
	res, v, prior, err := s.decide(ctx, req)
	if err != nil {
		if !req.Unaudited {
			s.auditError(ctx, actor, requester, req, err)
		}
		return nil, err
	}
	if req.DryRun {
		if !req.Unaudited {
			// What a dry run said is on record too: who asked, what would
			// have decided. Nothing is stored but the entry.
			d := s.details(res, v, requester, false)
			d["decision"], d["dryRun"] = "dry-run", true
			d["wouldDecide"] = res.Decision
			if len(res.Skipped) > 0 {
				d["skipped"] = res.Skipped
			}
			entry, err := s.Audit.Record(ctx, audit.Event{Actor: actor, Action: "safe.cosign", Target: v.AuditTarget(), Details: d})
			if err != nil {
				return nil, err
			}
			res.AuditSeq = entry.Seq
		}
		return res, nil
	}
	base := *res
	var out *Result
	entry, err := s.Audit.Do(ctx, func(txctx context.Context) (audit.Event, error) {
		r := base
		r.Findings = slices.Clone(base.Findings)
		if s.Verifications != nil {
			if err := policy.RecordInAudit(txctx, s.Verifications, v); err != nil {
				return audit.Event{}, err
			}
		}
		repeated := false
		if r.Decision == DecisionSigned {
			if err := s.sign(txctx, &r, v, prior, &repeated); err != nil {
				return audit.Event{}, err
			}
		}
		out = &r
		return audit.Event{Actor: actor, Action: "safe.cosign", Target: v.AuditTarget(), Details: s.details(&r, v, requester, repeated)}, nil
	})
	if err != nil {
		return nil, err
	}
	out.AuditSeq = entry.Seq
	return out, nil
}

// sign co-signs r's safeTxHash inside the audit transaction and stores the
// signature; a co-signature stored meanwhile for the nonce turns r into a
// refusal (another hash) or is handed back (the same hash).
func (s *Service) sign(ctx context.Context, r *Result, v *policy.Verification, prior *SignatureRecord, repeated *bool) error {
	if prior != nil && prior.SafeTxHash == r.SafeTxHash {
		r.Signature, *repeated = slices.Clone(prior.Signature), true
		return nil
	}
	sig, err := s.Signer.SignHash(r.SafeTxHash)
	if err != nil {
		return err
	}
	if err := checkSignature(r.SafeTxHash, sig, s.Signer.Address()); err != nil {
		return err
	}
	seq, ok := audit.PendingSeq(ctx)
	if !ok {
		return bulwark.Errorf(bulwark.EINTERNAL, "a co-signature stored outside an audit transaction")
	}
	p, err := s.Store.SaveSignature(ctx, SignatureRecord{ChainID: v.ChainID, Safe: v.Safe, Nonce: v.Tx.Nonce,
		SafeTxHash: r.SafeTxHash, Signer: s.Signer.Address(), Signature: sig, Verdict: r.Verdict, AuditSeq: seq, Outflows: v.Outflows})
	if err != nil {
		return err
	}
	switch {
	case p == nil:
		r.Signature = sig
	case p.SafeTxHash == r.SafeTxHash:
		r.Signature, *repeated = slices.Clone(p.Signature), true
	default:
		r.Findings = append(r.Findings, alreadyCosigned(p))
		settle(r)
	}
	return nil
}

// checkSignature makes sure sig is r‖s‖v with v 27 or 28 and recovers to
// addr over hash, so that nothing else is ever handed out as a
// co-signature.
func checkSignature(hash common.Hash, sig []byte, addr common.Address) error {
	if len(sig) != 65 {
		return bulwark.Errorf(bulwark.EINTERNAL, "the co-signer's key gave a signature of %d bytes, not 65", len(sig))
	}
	if sig[64] != 27 && sig[64] != 28 {
		return bulwark.Errorf(bulwark.EINTERNAL, "the co-signer's key gave a signature with v %d, not 27 or 28", sig[64])
	}
	raw := slices.Clone(sig)
	raw[64] -= 27
	pub, err := crypto.SigToPub(hash[:], raw)
	if err != nil || crypto.PubkeyToAddress(*pub) != addr {
		return bulwark.Errorf(bulwark.EINTERNAL, "the co-signer's signature does not recover to its address %s", addr.Hex())
	}
	return nil
}

// decide verifies req and applies the co-signer's checks, without writing
// anything.
func (s *Service) decide(ctx context.Context, req Request) (*Result, *policy.Verification, *SignatureRecord, error) {
	v, err := s.verify(ctx, req.Tx)
	if err != nil {
		return nil, nil, nil, err
	}
	r := &Result{Verdict: v.Verdict, PolicyVerdict: v.Verdict, SafeTxHash: v.Hashes.SafeTxHash, Safe: v.Safe, ChainID: v.ChainID,
		Nonce: v.Tx.Nonce, Cosigner: s.Signer.Address(), DryRun: req.DryRun, Verification: v, Approvals: []string{}}
	r.Findings = append(slices.Clone(v.Findings), s.chainChecks(v)...)
	stale, err := s.staleSources(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	r.Findings = append(r.Findings, stale...)
	prior, err := s.Store.Signature(ctx, v.ChainID, v.Safe, v.Tx.Nonce)
	if err != nil && !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return nil, nil, nil, err
	}
	if err != nil {
		prior = nil
	}
	if prior != nil && prior.SafeTxHash != r.SafeTxHash {
		r.Findings = append(r.Findings, alreadyCosigned(prior))
	}
	if policy.VerdictOf(r.Findings) == bulwark.VerdictReview {
		approvals, err := s.Store.Approvals(ctx, v.ChainID, v.Safe, r.SafeTxHash)
		if err != nil {
			return nil, nil, nil, err
		}
		counted, aside, err := s.countApprovals(ctx, approvals, v.ApprovalDigest(), s.now())
		if err != nil {
			return nil, nil, nil, err
		}
		r.Approvals, r.SetAside = approvers(counted), aside
		if len(r.Approvals) < RequiredApprovals {
			r.Findings = append(r.Findings, needsApprovals(r.Approvals, aside))
		}
	}
	if policy.VerdictOf(r.Findings) != bulwark.VerdictReject && !(prior != nil && prior.SafeTxHash == r.SafeTxHash) {
		// About to sign (or held): read the Safe again, as it is now.
		if s.afterVerify != nil {
			s.afterVerify(ctx)
		}
		changed, err := s.stateChanged(ctx, v)
		if err != nil {
			return nil, nil, nil, err
		}
		r.Findings = append(r.Findings, changed...)
	}
	settle(r)
	if r.Decision == DecisionSigned && !(prior != nil && prior.SafeTxHash == r.SafeTxHash) {
		s.requireOwnerConfirmation(r, v, req)
	}
	return r, v, prior, nil
}

// requireOwnerConfirmation holds r, about to be signed, unless the
// request carries a valid signature of its safeTxHash by an owner other
// than the co-signer: whoever can ask for a co-signature could otherwise
// have a transaction of their own (a 1-wei transfer) signed for the
// Safe's next nonce, and lock that nonce for the organisation's
// (NONCE_ALREADY_COSIGNED). A dry run only says so.
func (s *Service) requireOwnerConfirmation(r *Result, v *policy.Verification, req Request) {
	var owners []common.Address
	if v.Chain != nil && v.Chain.State != nil {
		owners = v.Chain.State.Owners
	}
	if owner, ok := OwnerConfirmation(r.SafeTxHash, owners, s.Signer.Address(), req.Tx.Confirmations); ok {
		r.ConfirmedBy = owner
		return
	}
	f := noOwnerConfirmation(r.SafeTxHash, len(req.Tx.Confirmations))
	if req.DryRun {
		r.Skipped = append(r.Skipped, f.Code+": "+f.Message+" (a dry run does not require it; a real request would be held)")
		return
	}
	r.Findings = append(r.Findings, f)
	settle(r)
}

func noOwnerConfirmation(h common.Hash, given int) policy.Finding {
	f := policy.Finding{Code: CodeNoOwnerConfirmation, Severity: policy.SeverityMedium,
		Message: fmt.Sprintf("no owner of the Safe other than the co-signer has signed safeTxHash %s (%d signatures given, none counts): the co-signer signs only what a human owner has confirmed; "+
			"add an owner's signature of that hash to the request (the Safe Transaction Service's \"confirmations\", or \"signatures\": the owners' 65-byte signatures, EIP-712 or eth_sign) and ask again", h.Hex(), given)}
	return f.With("safeTxHash", h.Hex(), "given", fmt.Sprint(given))
}

// verify verifies tx against the node with simulation, with what the
// co-signatures given in its value limits' periods let the Safe send.
func (s *Service) verify(ctx context.Context, tx policy.ServiceTx) (*policy.Verification, error) {
	// One address book for the whole verification: the limits counted
	// and the verdict are the same book's, whatever changes meanwhile.
	pol := s.Policy.Snapshot()
	vreq := policy.VerifyRequest{Tx: tx, ChainID: tx.ChainID, Policy: pol}
	if tx.Version != nil {
		vreq.Version = *tx.Version
	}
	sent, err := s.sentInPeriod(ctx, tx, pol)
	if err != nil {
		return nil, err
	}
	vreq.SentInPeriod = sent
	return policy.VerifyOnChain(ctx, s.Chain, vreq, policy.ChainOptions{Simulator: s.Simulator})
}

// sentInPeriod adds up, for each value limit of the request's Safe, what
// the co-signatures it gave in the limit's period let the Safe send of
// the limit's asset: the co-signer's own record of what left the Safe
// with its signature. A co-signature counts from when it was given,
// whether or not its transaction has executed; one for the request's own
// nonce is left out (it is this transaction, or one it replaces). An
// asset and period whose co-signatures include one stored without its
// outflows is left out, so that limit is reported as not checked.
func (s *Service) sentInPeriod(ctx context.Context, tx policy.ServiceTx, pol policy.Policy) (map[policy.SentKey]*big.Int, error) {
	safeAddr := tx.Safe
	if !hasLimits(pol, safeAddr) {
		return nil, nil
	}
	chainID := tx.ChainID
	if chainID == nil {
		id, err := s.Chain.ChainID(ctx)
		if err != nil {
			return nil, err
		}
		chainID = new(big.Int).SetUint64(id)
	}
	limits := pol.LimitsFor(chainID, safeAddr)
	if len(limits) == 0 {
		return nil, nil
	}
	var longest time.Duration
	for _, l := range limits {
		longest = max(longest, l.Period)
	}
	now := s.now()
	recs, err := s.Store.SignaturesSince(ctx, chainID, safeAddr, now.Add(-longest))
	if err != nil {
		return nil, err
	}
	out := map[policy.SentKey]*big.Int{}
	for _, l := range limits {
		key := policy.SentKey{Asset: l.Asset, Period: l.Period}
		if _, done := out[key]; done {
			continue
		}
		sum, known := new(big.Int), true
		for _, r := range recs {
			if r.Time.Before(now.Add(-l.Period)) || tx.Tx.Nonce != nil && r.Nonce.Cmp(tx.Tx.Nonce) == 0 {
				continue
			}
			if r.Outflows == nil {
				known = false
				break
			}
			if n := r.Outflows[l.Asset]; n != nil {
				sum.Add(sum, n)
			}
		}
		if known {
			out[key] = sum
		}
	}
	return out, nil
}

// hasLimits reports whether pol has a value limit of safeAddr, on any
// chain.
func hasLimits(pol policy.Policy, safeAddr common.Address) bool {
	for _, l := range slices.Concat(pol.Limits, pol.AddressBook.Limits()) {
		if l.Safe == safeAddr {
			return true
		}
	}
	return false
}

// settle sorts r's findings and sets its verdict, decision and deciding
// findings from them.
func settle(r *Result) {
	policy.SortFindings(r.Findings)
	r.Verdict = policy.VerdictOf(r.Findings)
	switch r.Verdict {
	case bulwark.VerdictReject:
		r.Decision = DecisionRefused
	case bulwark.VerdictReview:
		r.Decision = DecisionSigned
		if len(r.Approvals) < RequiredApprovals || slices.ContainsFunc(r.Findings, func(f policy.Finding) bool { return f.Code == CodeNoOwnerConfirmation }) {
			// Approvals never stand in for an owner's confirmation.
			r.Decision = DecisionHeld
		}
	default:
		r.Decision = DecisionSigned
	}
	if r.Decision != DecisionSigned {
		r.Signature = nil
	}
	r.Deciding = deciding(r)
}

// deciding returns the codes of the findings that decide r: those at the
// most severe rank present (none for an ok verdict), and NEEDS_APPROVALS
// for a held transaction; for review with approvals, the findings the
// approvals answered.
func deciding(r *Result) []string {
	out := []string{}
	if r.Verdict == bulwark.VerdictOK || len(r.Findings) == 0 {
		return out
	}
	worst := r.Findings[0].Severity.Rank()
	for _, f := range r.Findings {
		if f.Severity.Rank() == worst || (f.Code == CodeNeedsApprovals || f.Code == CodeNoOwnerConfirmation) && r.Decision == DecisionHeld {
			if !slices.Contains(out, f.Code) {
				out = append(out, f.Code)
			}
		}
	}
	return out
}

func approvers(as []Approval) []string {
	out := []string{}
	for _, a := range as {
		if !slices.Contains(out, a.Approver) {
			out = append(out, a.Approver)
		}
	}
	return out
}

// SetAside is an approval the co-signer did not count, and why.
type SetAside struct {
	Approver string `json:"approver"`
	// AuditSeq is the approval's audit entry.
	AuditSeq int64 `json:"auditSeq"`
	// Reason is one of the Aside* constants; Detail says more (what
	// changed, when it expired, which approval it repeats).
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

// Why an approval is set aside (SetAside.Reason).
const (
	AsideWithdrawn = "withdrawn" // the approver withdrew it
	AsideStale     = "stale"     // what was approved is not what verifies now
	AsideExpired   = "expired"   // older than the approval TTL
	AsideToken     = "token"     // its API token is revoked, expired or unknown
	AsideSource    = "source"    // recorded without its source (token: or cli:)
	AsideSameUser  = "same-os-user"
	// AsideSamePerson: another token of the same person (auth.Token.Person)
	// approved already.
	AsideSamePerson = "same-person"
	// AsideCLI: another command-line approval counts already (serve:
	// Service.OneCLIApproval).
	AsideCLI = "one-cli-approval"
)

// digestPartNames are the words for the parts of an approval digest.
var digestPartNames = map[string]string{
	policy.DigestTx: "the transaction", policy.DigestPolicy: "the policy", policy.DigestBook: "the address book",
	policy.DigestState: "the Safe's state", policy.DigestFindings: "the findings", policy.DigestLists: "the screening lists",
}

// expiry is when a stops counting: its recorded expiry, cut short to its
// time plus ttl when the setting was lowered since.
func (s *Service) expiry(a Approval, ttl time.Duration) time.Time {
	if cut := a.Time.Add(ttl); !a.Time.IsZero() && cut.Before(a.Expires) {
		return cut
	}
	return a.Expires
}

// countApprovals splits as into the approvals that count for a
// transaction whose verification has the approval digest digest, at now,
// and those set aside with why: a withdrawn one (one replaced by its
// approver's newer approval is left out), one of a token that is revoked,
// expired or unknown (or any token's without Tokens), one recorded
// without its source, one whose digest differs (what it approved is not
// what verifies now: the parts that changed are named), an expired one,
// and a second command-line approval from the same OS user and host.
func (s *Service) countApprovals(ctx context.Context, as []Approval, digest string, now time.Time) ([]Approval, []SetAside, error) {
	ttl, err := s.approvalTTL()
	if err != nil {
		return nil, nil, err
	}
	var counted []Approval
	aside := []SetAside{}
	users := map[string]string{}
	persons := map[string]string{} // PersonKey → the approver counted for that person
	firstCLI := ""
	for _, a := range as {
		set := func(reason, format string, args ...any) {
			aside = append(aside, SetAside{Approver: a.Approver, AuditSeq: a.AuditSeq, Reason: reason, Detail: fmt.Sprintf(format, args...)})
		}
		if w := a.Withdrawn; w != nil {
			if w.Reason != WithdrawnReplaced {
				set(AsideWithdrawn, "withdrawn by the approver at %s (audit entry %d)", w.Time.UTC().Format(time.RFC3339), w.AuditSeq)
			}
			continue
		}
		id, isToken := strings.CutPrefix(a.Approver, SourceToken)
		switch {
		case isToken && s.Tokens == nil:
			set(AsideToken, "its API token cannot be checked here")
			continue
		case isToken:
			active, err := s.Tokens.TokenActive(ctx, id)
			if err != nil && !bulwark.IsCode(err, bulwark.ENOTFOUND) {
				return nil, nil, err
			}
			if err != nil || !active {
				set(AsideToken, "its API token is revoked, expired or unknown")
				continue
			}
		case !strings.HasPrefix(a.Approver, SourceCLI):
			set(AsideSource, "recorded without its source (token: or cli:)")
			continue
		}
		if a.Digest != digest {
			if a.Digest == "" {
				set(AsideStale, "given before approvals recorded what was approved: approve again")
				continue
			}
			var what []string
			for _, p := range policy.DigestChanges(a.Digest, digest) {
				what = append(what, digestPartNames[p])
			}
			if len(what) == 0 { // not reached: digests that differ differ in a part
				what = []string{"what it covers"}
			}
			changed := what[len(what)-1]
			if len(what) > 1 {
				changed = strings.Join(what[:len(what)-1], ", ") + " and " + changed
			}
			set(AsideStale, "what was approved is not what verifies now: %s changed since it was given; approve again after reviewing it", changed)
			continue
		}
		if exp := s.expiry(a, ttl); !now.Before(exp) {
			set(AsideExpired, "expired at %s (approvals last %s)", exp.UTC().Format(time.RFC3339), humanDuration(ttl))
			continue
		}
		if a.OSUser != "" || a.Host != "" {
			key := a.OSUser + "@" + a.Host
			if first, dup := users[key]; dup && first != a.Approver {
				set(AsideSameUser, "given by OS user %s, as %s was: one operator's command-line approvals count once, whatever --as names", key, first)
				continue
			}
			users[key] = a.Approver
		}
		if isToken {
			person, err := s.tokenPerson(ctx, id)
			if err != nil {
				return nil, nil, err
			}
			if key := auth.PersonKey(person); key != "" {
				if first, dup := persons[key]; dup && first != a.Approver {
					set(AsideSamePerson, "given through another token of %s, as %s was: one person's approvals count once, whatever tokens they hold", person, first)
					continue
				}
				persons[key] = a.Approver
			}
		} else if s.OneCLIApproval {
			if firstCLI != "" && firstCLI != a.Approver {
				set(AsideCLI, "%s approved on the command line already: the server counts one command-line approval per transaction (whoever runs the command line on its data directory is one operator, whatever --as names); the second person approves with their own API token", firstCLI)
				continue
			}
			firstCLI = a.Approver
		}
		counted = append(counted, a)
	}
	return counted, aside, nil
}

// tokenPerson is the person of the token with id ("" when it names none,
// the token is unknown, or Tokens does not say).
func (s *Service) tokenPerson(ctx context.Context, id string) (string, error) {
	tp, ok := s.Tokens.(TokenPersons)
	if !ok {
		return "", nil
	}
	p, err := tp.TokenPerson(ctx, id)
	if bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return "", nil
	}
	return p, err
}

func needsApprovals(have []string, aside []SetAside) policy.Finding {
	msg := fmt.Sprintf("the verdict is review: %d different people must approve this transaction before the co-signer signs it (dual control); ", RequiredApprovals)
	if len(have) == 0 {
		msg += "no approval counts yet"
	} else {
		msg += fmt.Sprintf("approved so far by %s", strings.Join(have, ", "))
	}
	f := policy.Finding{Code: CodeNeedsApprovals, Severity: policy.SeverityMedium}
	fields := []string{"approvals", fmt.Sprint(len(have)), "required", fmt.Sprint(RequiredApprovals)}
	if len(aside) > 0 {
		var parts []string
		for _, a := range aside {
			parts = append(parts, fmt.Sprintf("%s (audit entry %d): %s: %s", a.Approver, a.AuditSeq, a.Reason, a.Detail))
		}
		msg += "; set aside: " + strings.Join(parts, "; ")
		fields = append(fields, "setAside", strings.Join(parts, "; "))
	}
	f.Message = msg
	return f.With(fields...)
}

func alreadyCosigned(p *SignatureRecord) policy.Finding {
	return refusal(CodeNonceAlreadyCosigned, "the co-signer already signed safeTxHash %s for nonce %s of this Safe (audit entry %d): it never signs a second transaction with the same nonce",
		p.SafeTxHash.Hex(), p.Nonce, p.AuditSeq).With("cosignedSafeTxHash", p.SafeTxHash.Hex(), "auditSeq", fmt.Sprint(p.AuditSeq))
}

// chainChecks are the co-signer's checks of what the verification read:
// the simulation ran, the co-signer owns the Safe, the nonce is not used.
func (s *Service) chainChecks(v *policy.Verification) []policy.Finding {
	var out []policy.Finding
	switch sim := v.Simulation; {
	case v.Chain == nil || v.Chain.State == nil:
		return []policy.Finding{refusal(CodeNotSimulated, "the transaction was not verified against a node: the co-signer never signs an offline verdict")}
	case sim == nil:
		out = append(out, refusal(CodeNotSimulated, "the transaction was not simulated: the co-signer signs only what it has seen execute against the Safe's state"))
	case sim.Status != "success" && sim.Status != "execution_failure":
		msg := "the simulation did not run to the end (" + sim.Status + ": " + sim.Reason + "), so what the transaction does on chain is unknown, and unknown is never safe"
		if n := onchain.IntOrZero(v.Chain.State.Nonce); v.Tx.Nonce != nil && v.Tx.Nonce.Cmp(n) > 0 {
			msg += fmt.Sprintf("; its nonce %s is ahead of the Safe's %s: ask again when it is the next transaction", v.Tx.Nonce, n)
		}
		out = append(out, refusal(CodeNotSimulated, "%s", msg).With("status", sim.Status))
	}
	if !v.Screening.Checked {
		out = append(out, refusal(CodeNotScreened, "the addresses this transaction names were not screened: no sanctions or attribution list was available to the co-signer, and it never signs a transfer it could not check against them (load the lists: 'bulwark lists update', or the data directory's default lists)"))
	}
	if !v.Version.DomainHasChainID() {
		out = append(out, refusal(CodeVersionUnsafe, "Safe %s is version %s: before 1.3.0 the Safe's EIP-712 domain has no chain id, so a co-signature would also execute the same Safe address and nonce on another chain; the co-signer signs only 1.3.0 and later (upgrade the Safe)",
			v.Safe.Hex(), v.Version).With("version", v.Version.String()))
	}
	st := v.Chain.State
	me := s.Signer.Address()
	switch {
	case st.OwnersStatus != onchain.ListOK:
		out = append(out, refusal(CodeCosignerNotOwner, "the Safe's owner list cannot be read to its end (%s), so the co-signer cannot tell that its key %s is an owner", st.OwnersStatus, me.Hex()).
			With("cosigner", me.Hex()))
	case !slices.Contains(st.Owners, me):
		out = append(out, refusal(CodeCosignerNotOwner, "the co-signer's key %s is not an owner of Safe %s at block %d (owners: %s): its signature would not count",
			me.Hex(), v.Safe.Hex(), v.Chain.Block, addressList(st.Owners)).With("cosigner", me.Hex()))
	}
	if n := onchain.IntOrZero(st.Nonce); v.Tx.Nonce == nil || v.Tx.Nonce.Cmp(n) < 0 {
		out = append(out, refusal(CodeNonceUsed, "nonce %s is below the Safe's nonce %s at block %d: a transaction with this nonce has already executed, this one never can",
			decimal(v.Tx.Nonce), n, v.Chain.Block).With("nonce", decimal(v.Tx.Nonce), "safeNonce", n.String()))
	}
	return out
}

func decimal(n *big.Int) string {
	if n == nil {
		return "0"
	}
	return n.String()
}

func addressList(as []common.Address) string {
	if len(as) == 0 {
		return "none"
	}
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.Hex()
	}
	return strings.Join(s, ", ")
}

// staleSources checks the sources' ages against their maximum ages.
func (s *Service) staleSources(ctx context.Context) ([]policy.Finding, error) {
	if s.Sources == nil {
		return nil, nil
	}
	srcs, err := s.Sources.Sources(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []policy.Finding
	for _, src := range srcs {
		maxAge := s.MaxListAge
		if src.MaxAge > 0 {
			maxAge = src.MaxAge
		}
		switch {
		case maxAge <= 0:
			// not checked: the setting says no limit
		case src.Updated.IsZero():
			out = append(out, refusal(CodeListsStale, "%s has no known date: a verdict on data of unknown age is not signed", src.Name).With("source", src.Name))
		case now.Sub(src.Updated) > maxAge:
			age := now.Sub(src.Updated)
			out = append(out, refusal(CodeListsStale, "%s is %s old (from %s), more than the co-signer's maximum of %s: %s before asking again",
				src.Name, humanDuration(age), src.Updated.UTC().Format(time.DateOnly), humanDuration(maxAge), updateHint(src)).
				With("source", src.Name, "ageSeconds", fmt.Sprint(int64(age/time.Second)), "maxAgeSeconds", fmt.Sprint(int64(maxAge/time.Second))))
		}
	}
	return out, nil
}

// updateHint says how to bring a stale source up to date.
func updateHint(src Source) string {
	if strings.HasPrefix(src.Name, "registry ") {
		return "run a newer Bulwark (its registry is built in), or raise --registry-max-age"
	}
	return "update it ('bulwark lists update')"
}

// humanDuration writes d in days from two days up, else in hours (or
// seconds below an hour).
func humanDuration(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int64(d/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%d hours", int64(d/time.Hour))
	}
	return d.Round(time.Second).String()
}

// stateChanged reads the Safe again at the node's latest block and
// compares what decides who can sign and what runs with what was
// verified.
func (s *Service) stateChanged(ctx context.Context, v *policy.Verification) ([]policy.Finding, error) {
	block, err := s.Chain.BlockNumber(ctx)
	if err != nil {
		return nil, err
	}
	if block < v.Chain.Block {
		// A node behind the verification (a load balancer's other
		// backend, a node resyncing) would read an older Safe: what was
		// verified is not checked again.
		return []policy.Finding{refusal(CodeNodeBehind, "the node reports block %d, behind block %d the transaction was verified at: the Safe cannot be read again as it is now, so nothing is signed; ask again when the node has caught up (or use one node, not a pool of them)",
			block, v.Chain.Block).With("verifiedBlock", fmt.Sprint(v.Chain.Block), "block", fmt.Sprint(block))}, nil
	}
	// The verified state as a hint: an unchanged Safe is read in one
	// round trip, and every link is still read at the new block.
	was := v.Chain.State
	states, err := onchain.ReadStatesWith(ctx, s.Chain, []common.Address{v.Safe}, onchain.AtBlockNumber(block),
		onchain.ReadOptions{Previous: map[common.Address]*onchain.State{v.Safe: was}, Registry: s.Policy.Registry})
	var rerr *onchain.ReadStatesError
	if errors.As(err, &rerr) && len(rerr.Errs) == 1 {
		err = rerr.Errs[0]
	}
	if err != nil {
		return nil, err
	}
	now := states[0]
	var diffs []string
	if a, b := onchain.IntOrZero(was.Nonce), onchain.IntOrZero(now.Nonce); a.Cmp(b) != 0 {
		diffs = append(diffs, fmt.Sprintf("nonce %s → %s", a, b))
	}
	if a, b := onchain.IntOrZero(was.Threshold), onchain.IntOrZero(now.Threshold); a.Cmp(b) != 0 {
		diffs = append(diffs, fmt.Sprintf("threshold %s → %s", a, b))
	}
	if !slices.Equal(was.Owners, now.Owners) || was.OwnersStatus != now.OwnersStatus {
		diffs = append(diffs, fmt.Sprintf("owners [%s] → [%s]", addressList(was.Owners), addressList(now.Owners)))
	}
	if was.Singleton != now.Singleton || was.SingletonCodeHash != now.SingletonCodeHash || was.ProxyCodeHash != now.ProxyCodeHash {
		diffs = append(diffs, fmt.Sprintf("singleton %s → %s", was.Singleton.Hex(), now.Singleton.Hex()))
	}
	if was.Guard != now.Guard || was.ModuleGuard != now.ModuleGuard {
		diffs = append(diffs, fmt.Sprintf("guard %s → %s", was.Guard.Hex(), now.Guard.Hex()))
	}
	if was.FallbackHandler != now.FallbackHandler {
		diffs = append(diffs, fmt.Sprintf("fallback handler %s → %s", was.FallbackHandler.Hex(), now.FallbackHandler.Hex()))
	}
	if !slices.Equal(was.Modules, now.Modules) || was.ModulesStatus != now.ModulesStatus {
		diffs = append(diffs, fmt.Sprintf("modules [%s] → [%s]", addressList(was.Modules), addressList(now.Modules)))
	}
	if len(diffs) == 0 {
		return nil, nil
	}
	return []policy.Finding{refusal(CodeStateChanged, "the Safe changed between the verification at block %d and the signature at block %d (%s): what was verified is not what would be signed against; ask again",
		v.Chain.Block, block, strings.Join(diffs, "; ")).With("verifiedBlock", fmt.Sprint(v.Chain.Block), "block", fmt.Sprint(block))}, nil
}

// details are the audit details of a decision: the verification's (with
// the co-signer's findings and verdict), the decision, the policy's own
// verdict, who asked, the co-signer's address and the approvers. Never a
// key, never the signature's secret.
func (s *Service) details(r *Result, v *policy.Verification, requester string, repeated bool) map[string]any {
	vv := *v
	vv.Findings, vv.Verdict = r.Findings, r.Verdict
	d := vv.AuditDetails()
	d["decision"] = r.Decision
	d["policyVerdict"] = r.PolicyVerdict
	d["deciding"] = r.Deciding
	d["requester"] = requester
	d["cosigner"] = r.Cosigner.Hex()
	d["approvals"] = r.Approvals
	if len(r.SetAside) > 0 {
		d["setAside"] = r.SetAside
	}
	if r.ConfirmedBy != (common.Address{}) {
		d["confirmedBy"] = r.ConfirmedBy.Hex()
	}
	if r.Decision == DecisionSigned {
		d["signed"] = true
		if repeated {
			d["repeated"] = true
		}
	}
	return d
}

// auditError records a request that could not be decided.
func (s *Service) auditError(ctx context.Context, actor, requester string, req Request, cause error) {
	target := "safe:" + req.Tx.Safe.Hex()
	if req.Tx.Tx.Nonce != nil {
		target += "#" + req.Tx.Tx.Nonce.String()
	}
	d := map[string]any{"decision": "error", "error": bulwark.ErrorCode(cause), "reason": AuditReason(cause), "requester": requester, "cosigner": s.Signer.Address().Hex()}
	if req.DryRun {
		d["dryRun"] = true
	}
	_, _ = s.Audit.Record(context.WithoutCancel(ctx), audit.Event{Actor: actor, Action: "safe.cosign", Target: target, Details: d})
}

// ScreeningSources reports, as Sources, the official screening lists of
// the index that index returns (each dated by its publication, else its
// import; a user's own list is as current as its owner keeps it and is not
// reported) and registry, the pinned Safe deployments, when it has a name.
func ScreeningSources(index func() *screening.Index, registry Source) Sources {
	return SourcesFunc(func(context.Context) ([]Source, error) {
		var out []Source
		if ix := index(); ix != nil {
			for _, l := range ix.Lists() {
				if !screening.OfficialListID(l.ID) {
					continue
				}
				t := l.Published
				if t.IsZero() {
					t = l.Imported
				}
				out = append(out, Source{Name: "list " + l.ID, Updated: t})
			}
		}
		if registry.Name != "" {
			out = append(out, registry)
		}
		return out, nil
	})
}
