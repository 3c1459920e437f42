package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safetxservice"
)

type safeQueueFlags struct {
	service, safe, rpc, book         string
	allowMultiSend, trustAddressOnly bool
}

func (m *Main) safeQueueCmd() *command {
	var f safeQueueFlags
	return &command{
		name:    "queue",
		summary: "verify every pending transaction of a Safe in a Safe Transaction Service; exit by the worst verdict",
		usage:   "bulwark safe queue --service URL --safe ADDR --rpc URL [--address-book FILE] [--allow-multisend] [--trust-address-only] [--json]",
		long: "Lists the transactions proposed to the Safe at the Safe Transaction Service (or any service with its\n" +
			"API) and not executed yet, lowest nonce first, and verifies each against the node as 'safe verify\n" +
			"--rpc' does: hashes, decoded calls, the Safe's own getTransactionHash, simulation. Anyone can propose\n" +
			"to the service: an entry that cannot be read is listed with why, as review. Every verdict is\n" +
			"appended to the audit log. Exit 0 when every transaction is ok (or none is pending), 2 when one needs\n" +
			"review, 3 when one is rejected, 1 when the service or the node cannot be read.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.service, "service", "", "base `URL` of the Safe Transaction Service, e.g. https://safe-transaction-mainnet.safe.global")
			fs.StringVar(&f.safe, "safe", "", "the Safe's `ADDRESS`")
			fs.StringVar(&f.rpc, "rpc", "", "JSON-RPC `URL` of a node of the Safe's chain (required: the queue is verified against the Safe's state)")
			fs.StringVar(&f.book, "address-book", "", "the organisation's address book `FILE` (TOML) the transactions are verified against, as 'safe verify' does (default: the book stored in the data directory, if any)")
			fs.BoolVar(&f.allowMultiSend, "allow-multisend", false, "trust a DELEGATECALL to the pinned MultiSend (which can itself DELEGATECALL anything)")
			fs.BoolVar(&f.trustAddressOnly, "trust-address-only", false, "accept an allowlisted library by its pinned address without checking its code hash")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("safe queue", args); err != nil {
				return bulwark.ExitError, err
			}
			out, err := m.runSafeQueue(ctx, f)
			if err != nil {
				return bulwark.ExitError, err
			}
			if m.g.json {
				return out.Verdict.ExitCode(), m.printJSON(out)
			}
			writeQueueText(m.Stdout, out)
			return out.Verdict.ExitCode(), nil
		},
	}
}

// queueTxJSON is one pending transaction in 'safe queue --json'.
type queueTxJSON struct {
	// Nonce and ListedSafeTxHash are as the service lists them ("" when
	// they do not read).
	Nonce            string `json:"nonce"`
	ListedSafeTxHash string `json:"listedSafeTxHash,omitempty"`
	// SafeTxHash is the hash Bulwark computes (absent when the entry could
	// not be verified).
	SafeTxHash            string           `json:"safeTxHash,omitempty"`
	Confirmations         int              `json:"confirmations"`
	ConfirmationsRequired int              `json:"confirmationsRequired"`
	Verdict               bulwark.Verdict  `json:"verdict"`
	Findings              []policy.Finding `json:"findings"`
	// NotChecked lists what the verification did not check
	// (policy.Verification.NotChecked); empty when it checked everything.
	NotChecked []string `json:"notChecked"`
	// Error says why the entry could not be read or verified.
	Error    string `json:"error,omitempty"`
	AuditSeq int64  `json:"auditSeq,omitempty"`
}

// queueJSON is the output of 'safe queue --json'.
type queueJSON struct {
	Safe    string `json:"safe"`
	Service string `json:"service"`
	// Truncated reports a queue longer than is read (the lowest nonces
	// were).
	Truncated bool            `json:"truncated"`
	Verdict   bulwark.Verdict `json:"verdict"`
	// NotChecked is true when some transaction's verification left
	// something unchecked: an ok verdict is then not a full pass.
	NotChecked   bool          `json:"notChecked"`
	Transactions []queueTxJSON `json:"transactions"`
}

func (m *Main) runSafeQueue(ctx context.Context, f safeQueueFlags) (*queueJSON, error) {
	if err := required("--service", "the base URL of the Safe Transaction Service", f.service); err != nil {
		return nil, err
	}
	if err := required("--safe", "the Safe's address", f.safe); err != nil {
		return nil, err
	}
	if err := required("--rpc", "a node of the Safe's chain: the queue is verified against the Safe's state", f.rpc); err != nil {
		return nil, err
	}
	addr, err := safe.ParseAddress("--safe", f.safe)
	if err != nil {
		return nil, err
	}
	book, err := m.bookInForce(ctx, "--address-book", f.book)
	if err != nil {
		return nil, err
	}
	svc, err := safetxservice.New("--service", f.service, safetxservice.Options{})
	if err != nil {
		return nil, err
	}
	listing, err := svc.Pending(ctx, addr)
	if err != nil {
		return nil, flagged("--service", err)
	}
	client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Timeout: 20 * time.Second, MaxRetries: 1, Logger: m.logger, DebugRetries: true})
	if err != nil {
		return nil, rpcFlagError(err)
	}
	defer client.Close()
	db, _, log, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	scr, closeScr, err := m.safeScreener(ctx)
	if err != nil {
		return nil, err
	}
	defer closeScr()
	v := &queue.VerifyOnly{Node: client, Simulator: client, Log: log, Store: db, Actor: m.cliActor(),
		Policy: policy.Policy{AllowMultiSend: f.allowMultiSend, TrustAddressOnly: f.trustAddressOnly, AddressBook: book, Screener: scr}}
	out := &queueJSON{Safe: addr.Hex(), Service: svc.URL(), Truncated: listing.Truncated, Verdict: bulwark.VerdictOK, Transactions: []queueTxJSON{}}
	worst := []policy.Finding{}
	queue.SortByNonce(listing.Entries) // the service's ordering is a claim
	for _, e := range listing.Entries {
		t := queueTxJSON{Confirmations: len(e.Confirmations), ConfirmationsRequired: e.ConfirmationsRequired, Findings: []policy.Finding{}, NotChecked: []string{}}
		if e.Nonce != nil {
			t.Nonce = e.Nonce.String()
		}
		if e.SafeTxHash != (common.Hash{}) {
			t.ListedSafeTxHash = e.SafeTxHash.Hex()
		}
		switch {
		case e.Tx == nil:
			t.Verdict, t.Error = bulwark.VerdictReview, bulwark.ErrorMessage(e.Err)
			worst = append(worst, policy.Finding{Severity: policy.SeverityHigh})
		default:
			ver, seq, err := v.Verify(ctx, cosign.Request{Tx: *e.Tx, Requester: m.cliActor()})
			switch {
			case err != nil && bulwark.ErrorCode(err) == bulwark.EINVALID:
				t.Verdict, t.Error = bulwark.VerdictReject, bulwark.ErrorMessage(err)
				worst = append(worst, policy.Finding{Severity: policy.SeverityCritical})
			case err != nil:
				return nil, rpcFlagError(err)
			default:
				t.SafeTxHash, t.Verdict, t.Findings, t.AuditSeq = ver.Hashes.SafeTxHash.Hex(), ver.Verdict, ver.Findings, seq
				t.NotChecked = ver.NotChecked()
				out.NotChecked = out.NotChecked || len(t.NotChecked) > 0
				worst = append(worst, ver.Findings...)
			}
		}
		out.Transactions = append(out.Transactions, t)
	}
	out.Verdict = policy.VerdictOf(worst)
	return out, nil
}

func writeQueueText(w io.Writer, q *queueJSON) {
	b := &textBlock{w: w}
	n := len(q.Transactions)
	b.heading(fmt.Sprintf("Safe %s: %s at %s", q.Safe, bulwark.Plural(n, "pending transaction", "pending transactions"), q.Service))
	if q.Truncated {
		b.printf("  (more are pending: the %d with the lowest nonces are shown)\n", n)
	}
	for _, t := range q.Transactions {
		b.blank()
		nonce := t.Nonce
		if nonce == "" {
			nonce = "?"
		}
		hash := t.SafeTxHash
		if hash == "" {
			hash = t.ListedSafeTxHash
		}
		b.printf("nonce %s  %s  safeTxHash %s  %d of %d confirmations\n", nonce, strings.ToUpper(string(t.Verdict)), orNone(hash), t.Confirmations, t.ConfirmationsRequired)
		if t.Error != "" {
			b.note("", "not verified: "+t.Error)
		}
		if t.ListedSafeTxHash != "" && t.SafeTxHash != "" && t.ListedSafeTxHash != t.SafeTxHash {
			b.note("", "the service lists it as "+t.ListedSafeTxHash+" (DIFFERENT)")
		}
		for _, f := range t.Findings {
			b.line(strings.ToUpper(string(f.Severity)), "%s", f.Code)
			b.note("", f.Message)
		}
		if len(t.NotChecked) > 0 {
			ws := make([]string, len(t.NotChecked))
			for i, k := range t.NotChecked {
				ws[i] = policy.NotCheckedText(k)
			}
			b.note("", "NOT checked: "+strings.Join(ws, "; "))
		}
	}
	b.blank()
	switch q.Verdict {
	case bulwark.VerdictReject:
		b.heading("Worst verdict: REJECT (exit 3): nobody should sign or execute the rejected transactions.")
	case bulwark.VerdictReview:
		b.heading("Worst verdict: REVIEW (exit 2): someone other than the proposer must check the findings before anyone signs.")
	case bulwark.VerdictOK:
		if q.NotChecked {
			b.heading("Worst verdict: OK, NOT FULLY CHECKED (exit 0): no finding needs a second look, but what each transaction lists as NOT checked was not; do not take it as passed. Still compare the hashes with the device.")
			break
		}
		b.heading("Worst verdict: OK (exit 0): no finding needs a second look. Still compare the hashes with the device.")
	default:
		b.heading("Worst verdict: " + strings.ToUpper(string(q.Verdict)) + ".")
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
