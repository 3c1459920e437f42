package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/posture"
)

// maxAuditSafes bounds --safe.
const maxAuditSafes = 1000

// safeAuditFlags are the settings of 'bulwark safe audit'.
type safeAuditFlags struct {
	safes, rpc, block, approvalsFrom string
	noApprovals                      bool
}

func (m *Main) safeAuditCmd() *command {
	var f safeAuditFlags
	return &command{
		name:    "audit",
		summary: "audit a Safe's posture (version, singleton, owners, modules, guard, handler, approvals); exit by verdict",
		usage:   "bulwark safe audit --safe ADDR[,ADDR…] --rpc URL [--block N] [--approvals-from N] [--no-approvals] [--json]",
		long:    safeAuditLong(),
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.safes, "safe", "", "the Safe's `ADDR`ess; several separated by commas")
			fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of the node to read from")
			fs.StringVar(&f.block, "block", "", "audit at block `N` (default: the latest)")
			fs.StringVar(&f.approvalsFrom, "approvals-from", "", "scan ApproveHash events from block `N` (default: 10,000 blocks back)")
			fs.BoolVar(&f.noApprovals, "no-approvals", false, "do not scan for pending on-chain approvals (not with --approvals-from)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe audit", args); err != nil {
				return bulwark.ExitError, err
			}
			reps, err := m.buildSafeAudit(ctx, f)
			if err != nil {
				return bulwark.ExitError, err
			}
			_, _, log, err := m.services(ctx)
			if err != nil {
				return bulwark.ExitError, err
			}
			seqs := make([]int64, len(reps))
			verdicts := make([]bulwark.Verdict, len(reps))
			for i, r := range reps {
				entry, err := log.Record(ctx, audit.Event{Actor: m.cliActor(), Action: "safe.audit", Target: r.AuditTarget(), Details: r.AuditDetails()})
				if err != nil {
					return bulwark.ExitError, err
				}
				seqs[i], verdicts[i] = entry.Seq, r.Verdict
			}
			code := bulwark.Worst(verdicts...).ExitCode()
			if m.g.json {
				outs := make([]auditOutput, len(reps))
				for i, r := range reps {
					outs[i] = auditOutput{ReportJSON: r.JSON(), AuditSeq: seqs[i]}
				}
				if len(outs) == 1 {
					return code, m.printJSON(outs[0])
				}
				return code, m.printJSON(outs)
			}
			for i, r := range reps {
				if i > 0 {
					fmt.Fprintln(m.Stdout)
				}
				writeAuditText(m.Stdout, r, seqs[i])
			}
			return code, nil
		},
	}
}

// auditOutput is the --json form of one Safe's audit: the report and its
// audit entry. Several Safes give a JSON array of them, in --safe order.
type auditOutput struct {
	posture.ReportJSON
	AuditSeq int64 `json:"auditSeq"`
}

func (m *Main) buildSafeAudit(ctx context.Context, f safeAuditFlags) ([]*posture.Report, error) {
	if err := required("--safe", "the Safe's address (several separated by commas)", f.safes); err != nil {
		return nil, err
	}
	if err := required("--rpc", "the JSON-RPC URL of a node to read the Safe from, e.g. http://127.0.0.1:8545", f.rpc); err != nil {
		return nil, err
	}
	addrs, err := safe.ParseAddressList("--safe", f.safes)
	if err != nil {
		return nil, err
	}
	if len(addrs) > maxAuditSafes {
		return nil, bulwark.Invalid("--safe", "%d Safes given, at most %d per run", len(addrs), maxAuditSafes)
	}
	var (
		block    = onchain.LatestBlock
		blockNum uint64
	)
	if f.block != "" {
		n, err := safe.ParseBlockNumber("--block", f.block)
		if err != nil {
			return nil, err
		}
		block, blockNum = onchain.AtBlockNumber(n), n
	}
	if f.noApprovals && f.approvalsFrom != "" {
		return nil, bulwark.Invalid("--no-approvals", "contradicts --approvals-from: give --approvals-from N to scan from block N, or --no-approvals to scan nothing, not both")
	}
	opt := posture.AuditOptions{SkipApprovals: f.noApprovals}
	if f.approvalsFrom != "" {
		n, err := safe.ParseBlockNumber("--approvals-from", f.approvalsFrom)
		if err != nil {
			return nil, err
		}
		opt.ApprovalsFrom = &n
	}
	client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 2, Logger: m.logger, DebugRetries: true})
	if err != nil {
		return nil, rpcFlagError(err)
	}
	defer client.Close()
	if f.block != "" {
		// A block the node has not mined would fail deep in the reads with
		// the node's own words ("header not found").
		head, err := client.BlockNumber(ctx)
		if err != nil {
			return nil, rpcFlagError(err)
		}
		if blockNum > head {
			return nil, bulwark.Invalid("--block", "block %d is beyond the node's head %d", blockNum, head)
		}
	}
	reps, err := posture.AuditMany(ctx, client, addrs, block, opt)
	if err != nil {
		return nil, auditReadError(err)
	}
	return reps, nil
}

// auditReadError names the flag at fault in an error of posture.AuditMany:
// --safe for an address that is not a Safe, --rpc for the node.
func auditReadError(err error) error {
	var rerr *onchain.ReadStatesError
	if !errors.As(err, &rerr) || len(rerr.Errs) == 0 {
		return rpcFlagError(err)
	}
	for _, e := range rerr.Errs {
		if !errors.Is(e, onchain.ErrNotSafe) {
			return rpcFlagError(e) // the node refused a read
		}
	}
	msg := bulwark.ErrorMessage(rerr.Errs[0])
	if len(rerr.Errs) > 1 {
		msg = rerr.Error()
	}
	return bulwark.Wrap(err, bulwark.EINVALID, "--safe: "+msg)
}

// rpcFlagError makes sure a node failure names --rpc, where the fix is:
// "--rpc: node at http://host:port/… is unreachable: …".
func rpcFlagError(err error) error {
	msg := bulwark.ErrorMessage(err)
	if strings.HasPrefix(msg, "--rpc") {
		return err
	}
	return bulwark.Wrap(err, bulwark.ErrorCode(err), "--rpc: "+strings.TrimPrefix(msg, "rpc: "))
}

// writeAuditText prints one Safe's posture report.
func writeAuditText(w io.Writer, r *posture.Report, auditSeq int64) {
	st := r.State
	b := &textBlock{w: w}
	b.heading("Safe posture")
	b.line("Safe", "%s", r.Safe.Hex())
	b.line("Chain id", "%d", r.ChainID)
	b.line("Block", "%d", r.Block)
	if r.Version != "" {
		b.line("Version", "%s", r.Version)
	} else {
		b.line("Version", "unknown: %s", r.VersionError)
	}
	sing := "NOT a known Safe deployment"
	if st.SingletonKnown() {
		sing = "known: " + st.SingletonDeployments[0].String()
	}
	b.line("Singleton", "%s (%s)", st.Singleton.Hex(), sing)
	proxy := st.ProxyVersion
	if proxy == "" {
		proxy = "not a pinned Safe proxy"
	}
	b.line("Proxy code", "%s", proxy)
	b.line("Threshold", "%s of %s", decimal(st.Threshold), plural(len(st.Owners), "owner", "owners"))
	b.line("Nonce", "%s", decimal(st.Nonce))
	b.line("Balance", "%s wei", decimal(st.Balance))
	b.blank()
	b.heading("Owners")
	if st.OwnersStatus != onchain.ListOK {
		b.line("List", "%s", st.OwnersStatus)
	}
	for _, o := range r.Owners {
		b.printf("  %s  %s\n", o.Address.Hex(), accountText(o))
	}
	b.blank()
	b.heading("Modules")
	if st.ModulesStatus != onchain.ListOK {
		b.line("List", "%s", st.ModulesStatus)
	}
	if len(r.Modules) == 0 {
		b.printf("  none\n")
	}
	for _, mo := range r.Modules {
		b.printf("  %s  %s\n", mo.Address.Hex(), accountText(mo))
	}
	b.blank()
	opt := func(label string, a *posture.Account) {
		if a == nil {
			b.line(label, "none")
			return
		}
		b.line(label, "%s (%s)", a.Address.Hex(), accountText(*a))
	}
	opt("Guard", r.Guard)
	opt("Module guard", r.ModuleGuard)
	opt("Fallback handler", r.Handler)
	sc := r.Approvals
	if sc.Checked {
		b.line("Approvals", "blocks %d-%d: %d ApproveHash event(s), %d pending", sc.FromBlock, sc.ToBlock, sc.Events, len(sc.Pending))
	} else {
		b.line("Approvals", "not checked: %s", sc.Reason)
	}
	b.blank()
	b.heading("Findings (most severe first)")
	if len(r.Findings) == 0 {
		b.printf("  none\n")
	}
	for _, f := range r.Findings {
		b.printf("  %-8s  %s\n", strings.ToUpper(string(f.Severity)), f.Code)
		for _, line := range wrapText(f.Message, 92) {
			b.printf("            %s\n", line)
		}
	}
	b.blank()
	switch r.Verdict {
	case bulwark.VerdictReject:
		b.printf("Verdict: REJECT (exit 3): do not sign or send anything to this Safe until the critical findings are explained.\n")
	case bulwark.VerdictReview:
		b.printf("Verdict: REVIEW (exit 2): the findings above need a second look.\n")
	default:
		b.printf("Verdict: OK (exit 0).\n")
	}
	b.printf("Posture rules %s, registry %s; recorded as audit entry %d.\n", posture.PolicyVersion, policy.RegistryVersion, auditSeq)
}

func accountText(a posture.Account) string {
	var parts []string
	switch a.Kind {
	case posture.AccountEOA:
		parts = append(parts, "no code (EOA)")
	case posture.AccountSafe:
		parts = append(parts, "a Safe: "+a.Known)
	case posture.AccountDelegated:
		parts = append(parts, "EIP-7702 delegated to "+a.DelegatesTo)
	default:
		if a.Known != "" {
			parts = append(parts, a.Known)
		} else {
			parts = append(parts, "unknown contract, code hash "+a.CodeHash)
		}
	}
	return strings.Join(parts, "; ")
}

// safeAuditLong is the --help paragraph of 'bulwark safe audit'; its
// finding codes are posture.Codes, so the list cannot fall behind them.
func safeAuditLong() string {
	return strings.Join(wrapText("Reads each Safe's state from storage at one block (the latest unless --block), the code of every "+
		"owner, module, guard and fallback handler, and the ApproveHash events of the last 10,000 blocks "+
		"(--approvals-from N for a longer range), and reports findings with stable codes: "+
		strings.Join(posture.Codes, ", ")+" (docs/safe.md). "+
		"Verdict: reject (exit 3) if any finding is critical, review (2) if any is high or medium, ok (0). "+
		"Several Safes are read in one batch; the exit code is the worst verdict. Every verdict is appended "+
		"to the audit log of the data directory.", 100), "\n")
}

// wrapText splits s into lines of at most width characters at spaces.
func wrapText(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(s) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
