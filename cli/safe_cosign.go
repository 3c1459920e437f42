package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
)

// cosignFlags are the settings of 'bulwark safe cosign' and 'safe
// approve'.
type cosignFlags struct {
	tx, rpc     string
	book        string
	dryRun      bool
	maxListAge  time.Duration
	registryAge time.Duration
	approvalTTL time.Duration
	// approve only
	safeTxHash, safe, chainID, as, note string
	withdraw                            bool
	// cosign only: the co-signer's key
	key cosignerKeyFlags
}

func (f *cosignFlags) registerNode(fs *flag.FlagSet) {
	fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of the node the Safe is read from and the transaction simulated on (required: there is no offline co-signature)")
	fs.DurationVar(&f.maxListAge, "lists-max-age", 7*24*time.Hour, "refuse to co-sign when an official screening list is older than this `DURATION` (0: no limit)")
	registerRegistryMaxAge(fs, &f.registryAge)
	fs.StringVar(&f.book, "address-book", "", "the organisation's address book `FILE` (TOML) the transaction is verified against: names known targets, lets allowances to listed spenders through, checks new owners against it (default: the book stored in the data directory, if any)")
}

// DefaultRegistryMaxAge is how old the built-in registry of Safe
// deployments may be before the co-signer refuses: a new deployment it
// does not know is a review finding, never a trusted one, so its age is
// measured in months, a sanctions list's in days.
const DefaultRegistryMaxAge = 180 * 24 * time.Hour

// registerRegistryMaxAge registers --registry-max-age (serve, safe cosign).
func registerRegistryMaxAge(fs *flag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "registry-max-age", DefaultRegistryMaxAge, "refuse to co-sign when the built-in registry of Safe deployments (dated by the build's commit) is older than this `DURATION` (0: no limit)")
}

// registerApprovalTTL registers --approval-ttl (serve, safe cosign, safe
// approve).
func registerApprovalTTL(fs *flag.FlagSet, d *time.Duration) {
	fs.DurationVar(d, "approval-ttl", cosign.DefaultApprovalTTL, "an approval for dual control counts for this `DURATION` after it is given (1m to 720h; 0 is refused: an approval never lasts for ever); lowering it shortens the approvals already given")
}

func (m *Main) safeCosignCmd() *command {
	var f cosignFlags
	return &command{
		name:    "cosign",
		summary: "co-sign a Safe transaction with Bulwark's key when it verifies ok, or review with two approvals",
		usage: "bulwark safe cosign --tx FILE|- --rpc URL [--address-book FILE] [--keystore FILE] [--passphrase-file FILE] [--dry-run]\n" +
			"       [--lists-max-age DURATION] [--approval-ttl DURATION] [--json]",
		long: "Verifies the transaction against the node with simulation, as 'safe verify --rpc' does, then checks\n" +
			"what the co-signer itself requires: its key is an owner of the Safe, the nonce is not used, the\n" +
			"Safe read again just before signing is what was verified, the lists are not stale, and no other\n" +
			"transaction was co-signed for this nonce. It signs the safeTxHash (EIP-712, r||s||v) when the\n" +
			"verdict is ok, or review and two different people approved it ('bulwark safe approve'); never a\n" +
			"reject. Exit 0 signed, 2 held for dual control, 3 refused; the findings that decide are named.\n" +
			"Every decision is written to the audit log; --dry-run decides without signing or storing (audited as a dry run).\n" +
			"--address-book verifies against the organisation's address book, as 'safe verify' does: an\n" +
			"allowance to a listed spender is co-signed, one to any other spender is held; give the same book\n" +
			"to 'safe approve --tx' and to serve.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.tx, "tx", "", "the transaction JSON `FILE` (a Safe Transaction Service multisig-transaction; - for standard input)")
			f.registerNode(fs)
			f.key.register(fs)
			registerApprovalTTL(fs, &f.approvalTTL)
			fs.BoolVar(&f.dryRun, "dry-run", false, "decide and say which rules decide, without signing or storing (the dry run is audited)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe cosign", args); err != nil {
				return bulwark.ExitError, err
			}
			if err := required("--tx", "the transaction JSON file (a Safe Transaction Service multisig-transaction), or - for standard input", f.tx); err != nil {
				return bulwark.ExitError, err
			}
			st, source, err := m.readServiceTx(f.tx)
			if err != nil {
				return bulwark.ExitError, m.refusedInput(ctx, "safe.cosign", err)
			}
			svc, closeSvc, err := m.cosignService(ctx, f)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeSvc()
			actor := m.cliActor()
			res, err := svc.Cosign(ctx, cosign.Request{Tx: *st, Requester: strings.TrimPrefix(actor, "cli:"), Actor: actor, DryRun: f.dryRun})
			if err != nil {
				return bulwark.ExitError, cosignError(source, err)
			}
			code := res.Decision.ExitCode()
			if m.g.json {
				return code, m.printJSON(res.JSON())
			}
			writeCosignText(m.Stdout, res)
			return code, nil
		},
	}
}

func (m *Main) safeApproveCmd() *command {
	var f cosignFlags
	return &command{
		name:    "approve",
		summary: "approve a Safe transaction held for dual control, naming the approver, or withdraw one's approval",
		usage: "bulwark safe approve (--tx FILE|- --rpc URL [--address-book FILE] | --safe-tx-hash HASH --safe ADDR --chain-id N)\n" +
			"       --as NAME [--note TEXT] [--approval-ttl DURATION] [--json]\n" +
			"       bulwark safe approve --withdraw --safe-tx-hash HASH --safe ADDR --chain-id N --as NAME [--note TEXT] [--json]",
		long: "Records NAME's approval of a transaction whose verdict is review; once two different people have\n" +
			"approved it, 'bulwark safe cosign' co-signs it. With --tx the transaction is verified again on the\n" +
			"node and that verdict decides; with --safe-tx-hash the latest verdict recorded for it does\n" +
			"(ask 'safe cosign' first), and it must have been simulated on a node: an offline 'safe verify' is\n" +
			"never approved. The approval records what was approved (the transaction, policy, address book,\n" +
			"Safe state and findings); when any of it changes, the co-signer sets the approval aside and the\n" +
			"transaction must be approved again. An approval counts for --approval-ttl (default 24h). A\n" +
			"transaction that verifies reject is never approved; the same NAME twice is refused while the first\n" +
			"approval counts. --withdraw withdraws NAME's approval. The approval counts as cli:NAME, never as an\n" +
			"API token (token:<id>), and records the operating-system user and host it was given from: two\n" +
			"approvals from the same user on the same host count once, whatever names --as gave. Anyone who can\n" +
			"write the data directory can still approve under any name: command-line approvals are for a\n" +
			"single-operator set-up; where two people must approve, each approves with their own API token.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.tx, "tx", "", "the transaction JSON `FILE` (- for standard input), verified again on --rpc")
			f.registerNode(fs)
			fs.StringVar(&f.safeTxHash, "safe-tx-hash", "", "the safeTxHash `HASH` to approve (with --safe and --chain-id)")
			fs.StringVar(&f.safe, "safe", "", "the Safe's `ADDR`ess (with --safe-tx-hash)")
			fs.StringVar(&f.chainID, "chain-id", "", "the chain id `N` (with --safe-tx-hash)")
			fs.StringVar(&f.as, "as", "", "the `NAME` of the person approving (required)")
			fs.StringVar(&f.note, "note", "", "why the transaction is approved, or the approval withdrawn (`TEXT`, optional)")
			registerApprovalTTL(fs, &f.approvalTTL)
			fs.BoolVar(&f.withdraw, "withdraw", false, "withdraw NAME's approval of the transaction (with --safe-tx-hash): it no longer counts")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe approve", args); err != nil {
				return bulwark.ExitError, err
			}
			if err := cosign.CheckApprovalTTL("--approval-ttl", f.approvalTTL); err != nil {
				return bulwark.ExitError, err
			}
			req, source, err := m.approveRequest(f)
			if err != nil {
				return bulwark.ExitError, err
			}
			if f.withdraw {
				return m.withdrawApproval(ctx, f, req)
			}
			svc, closeSvc, err := m.approveService(ctx, f)
			if err != nil {
				return bulwark.ExitError, err
			}
			defer closeSvc()
			res, err := svc.Approve(ctx, *req)
			if err != nil {
				return bulwark.ExitError, cosignError(source, err)
			}
			if m.g.json {
				return bulwark.ExitOK, m.printJSON(res.JSON())
			}
			b := &textBlock{w: m.Stdout}
			b.heading("Approved for dual control")
			b.line("Safe", "%s (chain %s)", res.Approval.Safe.Hex(), res.Approval.ChainID)
			b.line("safeTxHash", "%s", res.Approval.SafeTxHash.Hex())
			b.line("Approver", "%s", res.Approval.Approver)
			if res.Approval.OSUser != "" || res.Approval.Host != "" {
				b.line("OS user", "%s@%s", res.Approval.OSUser, res.Approval.Host)
			}
			b.line("Expires", "%s", res.Approval.Expires.UTC().Format(time.RFC3339))
			b.line("Approvals", "%s (%d of %d required)", strings.Join(res.Approvers, ", "), len(res.Approvers), cosign.RequiredApprovals)
			if res.Replaced != 0 {
				b.printf("Replaces this approver's earlier approval (audit entry %d), which no longer counted.\n", res.Replaced)
			}
			b.printf("Recorded as audit entry %d.\n", res.Approval.AuditSeq)
			return bulwark.ExitOK, b.err
		},
	}
}

// withdrawApproval runs 'safe approve --withdraw'.
func (m *Main) withdrawApproval(ctx context.Context, f cosignFlags, req *cosign.ApproveRequest) (int, error) {
	if f.tx != "" || f.book != "" || f.rpc != "" {
		return bulwark.ExitError, bulwark.Invalid("--withdraw", "name the approval with --safe-tx-hash, --safe and --chain-id (no --tx, --rpc or --address-book)")
	}
	svc, err := m.cosignBase(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}
	res, err := svc.Withdraw(ctx, cosign.WithdrawRequest{ChainID: req.ChainID, Safe: req.Safe, SafeTxHash: req.SafeTxHash,
		Approver: req.Approver, Note: req.Note, Actor: req.Actor})
	if err != nil {
		return bulwark.ExitError, cosignError("", err)
	}
	if m.g.json {
		return bulwark.ExitOK, m.printJSON(res.JSON())
	}
	b := &textBlock{w: m.Stdout}
	b.heading("Approval withdrawn")
	b.line("Safe", "%s (chain %s)", res.Approval.Safe.Hex(), res.Approval.ChainID)
	b.line("safeTxHash", "%s", res.Approval.SafeTxHash.Hex())
	b.line("Approver", "%s (approval of audit entry %d)", res.Approval.Approver, res.Approval.AuditSeq)
	b.printf("Recorded as audit entry %d.\n", res.AuditSeq)
	return bulwark.ExitOK, b.err
}

// readServiceTx reads and parses a --tx file.
func (m *Main) readServiceTx(name string) (*policy.ServiceTx, string, error) {
	data, source, err := m.readInput("--tx", name, policy.MaxServiceTxSize)
	if err != nil {
		return nil, "", err
	}
	st, err := policy.ReadServiceTx(data)
	if err != nil {
		return nil, "", txFileError(source, err)
	}
	return st, source, nil
}

// approveRequest reads the flags of 'safe approve' into a request.
func (m *Main) approveRequest(f cosignFlags) (*cosign.ApproveRequest, string, error) {
	if err := required("--as", "the name of the person approving (the API names the token's instead)", f.as); err != nil {
		return nil, "", err
	}
	req := &cosign.ApproveRequest{Approver: f.as, Note: f.note, Actor: m.cliActor()}
	var err error
	if req.OSUser, req.Host, err = m.osIdentity(); err != nil {
		return nil, "", err
	}
	switch {
	case f.tx != "" && f.safeTxHash != "":
		return nil, "", bulwark.Invalid("--safe-tx-hash", "give --tx or --safe-tx-hash, not both")
	case f.tx != "":
		if f.rpc == "" {
			return nil, "", bulwark.Invalid("--rpc", "required with --tx: the transaction is verified again on the node")
		}
		st, source, err := m.readServiceTx(f.tx)
		if err != nil {
			return nil, "", m.refusedInput(context.Background(), "safe.approve", err)
		}
		req.Tx = st
		return req, source, nil
	case f.safeTxHash == "":
		return nil, "", bulwark.Invalid("--tx", "required: the transaction (--tx FILE with --rpc URL), or --safe-tx-hash HASH with --safe and --chain-id")
	case f.book != "":
		return nil, "", bulwark.Invalid("--address-book", "only with --tx: with --safe-tx-hash the latest verdict recorded decides, with the address book it had")
	}
	b, err := safe.ParseHex("--safe-tx-hash", f.safeTxHash)
	if err != nil {
		return nil, "", err
	}
	if len(b) != common.HashLength {
		return nil, "", bulwark.Invalid("--safe-tx-hash", "%d bytes: a safeTxHash is 32 bytes (64 hex digits)", len(b))
	}
	req.SafeTxHash = common.BytesToHash(b)
	if err := required("--safe", "the Safe's address (with --safe-tx-hash)", f.safe); err != nil {
		return nil, "", err
	}
	if req.Safe, err = safe.ParseAddress("--safe", f.safe); err != nil {
		return nil, "", err
	}
	if err := required("--chain-id", "the chain id (with --safe-tx-hash), e.g. 1 for Ethereum mainnet", f.chainID); err != nil {
		return nil, "", err
	}
	if req.ChainID, err = safe.ParseChainID("--chain-id", f.chainID); err != nil {
		return nil, "", err
	}
	return req, "", nil
}

// cosignService builds the co-signer over the node at f.rpc, the data
// directory's store and audit log, and the co-signer's key.
func (m *Main) cosignService(ctx context.Context, f cosignFlags) (*cosign.Service, func(), error) {
	if err := required("--rpc", "the node the Safe is read from and the transaction simulated on: the co-signer never signs an offline verdict", f.rpc); err != nil {
		return nil, nil, err
	}
	if f.maxListAge < 0 {
		return nil, nil, bulwark.Invalid("--lists-max-age", "must not be negative")
	}
	if f.registryAge < 0 {
		return nil, nil, bulwark.Invalid("--registry-max-age", "must not be negative (0: no limit)")
	}
	if err := cosign.CheckApprovalTTL("--approval-ttl", f.approvalTTL); err != nil {
		return nil, nil, err
	}
	book, err := m.bookInForce(ctx, "--address-book", f.book)
	if err != nil {
		return nil, nil, err
	}
	signer, err := m.cosignSigner(ctx, f.key)
	if err != nil {
		return nil, nil, err
	}
	svc, err := m.cosignBase(ctx)
	if err != nil {
		return nil, nil, err
	}
	svc.Policy.AddressBook, svc.ApprovalTTL = book, f.approvalTTL
	client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: m.logger, DebugRetries: true})
	if err != nil {
		return nil, nil, rpcFlagError(err)
	}
	svc.Chain, svc.Simulator, svc.Signer = client, client, signer
	sc, err := m.screeningService(ctx, screeningSettings{maxAge: f.maxListAge}, false, true)
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	svc.Policy.Screener = policy.IndexScreener(sc.Screener().Index)
	svc.Sources, svc.MaxListAge = cosign.ScreeningSources(sc.Screener().Index, m.registrySource(f.registryAge)), f.maxListAge
	return svc, func() { client.Close(); closeService(sc) }, nil
}

// safeScreener is the policy's screener of the lists in the data
// directory's store (the embedded default lists imported into an empty
// store first, as 'bulwark screen address' does), and what closes it.
func (m *Main) safeScreener(ctx context.Context) (policy.AddressScreener, func(), error) {
	sc, err := m.screeningService(ctx, screeningSettings{}, false, true)
	if err != nil {
		return nil, nil, err
	}
	return policy.IndexScreener(sc.Screener().Index), func() { closeService(sc) }, nil
}

// registrySource is the registry of pinned Safe deployments as a source
// of the co-signer, dated by the build's commit (it is compiled in); no
// name (not checked) for a build that recorded no commit time.
func (m *Main) registrySource(maxAge time.Duration) cosign.Source {
	if maxAge == 0 {
		return cosign.Source{}
	}
	if b := m.buildVersion(); b.CommitTime != "" {
		if t, err := time.Parse(time.RFC3339, b.CommitTime); err == nil {
			return cosign.Source{Name: "registry " + policy.RegistryVersion, Updated: t, MaxAge: maxAge}
		}
	}
	return cosign.Source{}
}

// approveService is the co-signer 'safe approve' needs: with --tx, one
// that verifies on the node (no key needed); else only the store.
func (m *Main) approveService(ctx context.Context, f cosignFlags) (*cosign.Service, func(), error) {
	if f.tx != "" {
		book, err := m.bookInForce(ctx, "--address-book", f.book)
		if err != nil {
			return nil, nil, err
		}
		svc, err := m.cosignBase(ctx)
		if err != nil {
			return nil, nil, err
		}
		svc.Policy.AddressBook, svc.ApprovalTTL = book, f.approvalTTL
		scr, closeScr, err := m.safeScreener(ctx)
		if err != nil {
			return nil, nil, err
		}
		svc.Policy.Screener = scr
		client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: m.logger, DebugRetries: true})
		if err != nil {
			closeScr()
			return nil, nil, rpcFlagError(err)
		}
		svc.Chain, svc.Simulator, svc.Signer = client, client, approveOnly{}
		return svc, func() { client.Close(); closeScr() }, nil
	}
	svc, err := m.cosignBase(ctx)
	if err != nil {
		return nil, nil, err
	}
	svc.ApprovalTTL = f.approvalTTL
	return svc, func() {}, nil
}

// approveOnly stands in for the key where only approvals are recorded:
// 'safe approve' never signs.
type approveOnly struct{}

func (approveOnly) Address() common.Address { return common.Address{} }

func (approveOnly) SignHash(common.Hash) ([]byte, error) {
	return nil, bulwark.Errorf(bulwark.EINTERNAL, "safe approve does not sign")
}

// refusedInput audits a co-signer request of action (safe.cosign,
// safe.approve) refused because its transaction file cannot be read
// (missing, too large, not JSON, a field that does not read), with the
// field and why, and returns err. A data directory that cannot be opened
// records nothing: the error is the input's either way.
func (m *Main) refusedInput(ctx context.Context, action string, err error) error {
	if !bulwark.IsCode(err, bulwark.EINVALID) && !bulwark.IsCode(err, bulwark.ETOOLARGE) && !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return err
	}
	if svc, serr := m.cosignBase(ctx); serr == nil {
		svc.RecordBadRequest(ctx, action, m.cliActor(), map[string]any{"input": "--tx"}, err)
	}
	return err
}

// cosignBase is the co-signer's store, audit log and verification records
// in the data directory.
func (m *Main) cosignBase(ctx context.Context) (*cosign.Service, error) {
	db, _, log, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	gate, err := m.dualControl(db, log)
	if err != nil {
		return nil, err
	}
	return &cosign.Service{Store: db, Audit: log, Verifications: db, Tokens: cosign.AuthTokens(db, nil), Dual: gate}, nil
}

// cosignError names what is at fault in an error of the co-signer: the
// --tx file's fields, --rpc for the node.
func cosignError(source string, err error) error {
	var be *bulwark.Error
	switch {
	case errors.Is(err, onchain.ErrNotSafe):
		e := bulwark.Invalid("--tx", "%s: safe: %s", source, bulwark.ErrorMessage(err))
		e.Err = err
		return e
	case errors.As(err, &be) && (be.Field == "chainId" || be.Field == "safeVersion" || be.Field == "safe") && source != "":
		return txFileError(source, err)
	case errors.As(err, &be) && be.Field != "":
		if strings.HasPrefix(be.Field, "-") {
			return err
		}
		return bulwark.Wrap(err, be.Code, "--"+kebab(be.Field)+": "+be.Message)
	case errors.As(err, &be) && (be.Code == bulwark.EUNAVAILABLE || be.Code == bulwark.ETIMEOUT):
		return rpcFlagError(err)
	}
	return err
}

// kebab turns a JSON field name into its flag's: safeTxHash → safe-tx-hash.
func kebab(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('-')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// writeCosignText prints a co-signer decision.
func writeCosignText(w io.Writer, r *cosign.Result) {
	b := &textBlock{w: w}
	switch r.Decision {
	case cosign.DecisionSigned:
		b.heading("Co-signer: SIGNED (exit 0)")
	case cosign.DecisionHeld:
		if slices.Contains(r.Deciding, cosign.CodeNoOwnerConfirmation) {
			b.heading("Co-signer: HELD (exit 2): no human owner of the Safe has signed it: add an owner's signature to the transaction file")
			break
		}
		b.heading("Co-signer: HELD for dual control (exit 2): two different people must approve it ('bulwark safe approve')")
	default:
		b.heading("Co-signer: REFUSED (exit 3): nothing was signed")
	}
	b.line("Safe", "%s (chain %s)", r.Safe.Hex(), decimal(r.ChainID))
	if v := r.Verification; v != nil {
		b.line("Version", "%s", v.Version)
		b.line("To", "%s", v.Tx.To.Hex())
		b.line("Value", "%s wei", decimal(v.Tx.Value))
		b.line("Operation", "%d %s", v.Tx.Operation, v.Tx.Operation)
	}
	b.line("Nonce", "%s", decimal(r.Nonce))
	b.line("safeTxHash", "%s", r.SafeTxHash.Hex())
	b.line("Co-signer", "%s", r.Cosigner.Hex())
	b.line("Verdict", "%s (the policy's: %s)", r.Verdict, r.PolicyVerdict)
	if len(r.Approvals) > 0 {
		b.line("Approvals", "%s", strings.Join(r.Approvals, ", "))
	}
	if r.ConfirmedBy != (common.Address{}) {
		b.line("Confirmed by", "%s (a human owner's signature of the safeTxHash)", r.ConfirmedBy.Hex())
	}
	b.blank()
	if v := r.Verification; v != nil && v.Decoded != nil {
		b.heading("Decoded (what the transaction does)")
		writeCallTree(b, v.Decoded, 1)
		b.blank()
	}
	deciding := map[string]bool{}
	for _, c := range r.Deciding {
		deciding[c] = true
	}
	for _, part := range []struct {
		heading string
		want    bool
	}{{"Deciding findings", true}, {"Other findings", false}} {
		first := true
		for _, f := range r.Findings {
			if deciding[f.Code] != part.want {
				continue
			}
			if first {
				b.heading(part.heading)
				first = false
			}
			where := "whole transaction"
			if f.Path != "" {
				where = "call " + f.Path
			}
			b.line(strings.ToUpper(string(f.Severity)), "%s (%s)", f.Code, where)
			b.note("", f.Message)
		}
		if !first {
			b.blank()
		}
	}
	if len(r.Signature) > 0 {
		b.line("Signature", "%s", hexBytes(r.Signature))
		b.note("", "add it to the owners' signatures for execTransaction, all sorted by owner address (ascending)")
	}
	for _, sk := range r.Skipped {
		b.line("Not checked", "%s", sk)
	}
	if r.DryRun {
		b.printf("Dry run: nothing was signed or stored; recorded as audit entry %d.\n", r.AuditSeq)
		return
	}
	b.printf("Policy %s; recorded as audit entry %d.\n", policy.PolicyVersion, r.AuditSeq)
}
