package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/httpapi"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/posture"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
)

// The Safe page's reads: the newest held or refused transactions, and
// the newest alerts of each watched Safe for its posture.
const (
	heldShown         = 100
	postureAlerts     = 50
	watchedSafesShown = 200
)

// safeRoutes registers the Safe pages.
func (c *Console) safeRoutes() {
	c.AddNav(NavItem{Path: "/safe", Label: "Safe", Perm: auth.PermRead})
	c.Page("GET /safe", auth.PermRead, c.safePage)
	c.Page("POST /safe/verify", auth.PermAnalyze, c.safeVerify)
}

// safeView is the data of safe.html.
type safeView struct {
	OnChain   bool
	CanVerify bool
	// CanAudit says the posture can be audited (a node); PostureAudited
	// that it was, for this page.
	CanAudit, PostureAudited bool
	// CanList says pending transactions can be listed (serve
	// --safe-queue); Pending are those of PendingSafe, when asked for.
	CanList          bool
	PendingSafe      string
	Pending          []pendingView
	PendingTruncated bool
	// Form is what was posted (kept on an error or with a result).
	Form safeForm
	// Result is the verification just made (nil on GET).
	Result *verifyView
	// Held are the queue's held and refused transactions, newest first.
	Held []watch.StoredAlert
	// Watched are the watched Safes with their alerts' posture.
	Watched []watchedView
	// HeldCapped says more held transactions may exist than are shown.
	HeldCapped bool
	// WatchedMore counts the watched Safes not shown.
	WatchedMore int
	// Unavailable says which parts serve lacks.
	Unavailable []string
}

type safeForm struct {
	Tx, ChainID, SafeVersion         string
	AllowMultisend, TrustAddressOnly bool
}

// watchedView is one watched Safe and the alerts stored for it.
type watchedView struct {
	watch.WatchedSafe
	Address string
	// Alerts counts its newest alerts (at most postureAlerts); Worst is
	// the highest severity among them ("" with none), Last the newest.
	Alerts int
	Worst  policy.Severity
	Last   *watch.StoredAlert
	// Posture is its audit at the node's latest block, when asked for.
	Posture *posture.Report
}

// verifyView is a verification as the page shows it.
type verifyView struct {
	policy.VerificationJSON
	AuditSeq int64
	// Alarms are the singleton (masterCopy) changes, made or made
	// possible (an untrusted DELEGATECALL): the Bybit attack.
	Alarms []alarm
	// Tree is the decoded call tree, flattened in order with depths.
	Tree []callView
}

// alarm is a finding shown above everything else.
type alarm struct{ Title, Code, Message string }

// callView is one decoded call of the tree.
type callView struct {
	*decode.DecodedCall
	Depth     int
	Operation string
	Args      []argView
	Findings  []policy.Finding
}

type argView struct{ Name, Type, Value string }

func (c *Console) safePage(w http.ResponseWriter, r *http.Request) error {
	v, err := c.safeData(r.Context(), PrincipalOf(r))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("posture") != "" {
		if err := c.auditPosture(r.Context(), v); err != nil {
			return err
		}
	}
	if q.Has("pending") {
		if err := c.pending(r.Context(), v, q.Get("pending")); err != nil {
			return err
		}
	}
	return c.Render(w, r, http.StatusOK, "safe.html", v)
}

// pendingView is one pending transaction of a watched Safe.
type pendingView struct {
	Nonce, SafeTxHash string
	Confirmations     int
	Required          int
	// TxJSON is the transaction as the verify form takes it; Err says why
	// the entry cannot be read as one.
	TxJSON, Err string
}

// pending lists the pending transactions of the watched Safe text names,
// each with a form to verify it.
func (c *Console) pending(ctx context.Context, v *safeView, text string) error {
	list := c.cfg.Services.SafePending
	if list == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "listing pending transactions needs a Safe Transaction Service: start the server with --safe-queue")
	}
	addr, err := safe.ParseAddress("pending", text)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(v.Watched, func(w watchedView) bool { return w.Safe == addr }) {
		return bulwark.Invalid("pending", "pending: %s is not a watched Safe: add it to the watch list first", addr.Hex())
	}
	l, err := list(ctx, addr)
	if err != nil {
		return err
	}
	v.PendingSafe, v.PendingTruncated, v.Pending = addr.Hex(), l.Truncated, []pendingView{}
	for _, e := range l.Entries {
		pv := pendingView{SafeTxHash: e.SafeTxHash.Hex(), Confirmations: len(e.Confirmations), Required: e.ConfirmationsRequired}
		if e.Nonce != nil {
			pv.Nonce = e.Nonce.String()
		}
		switch {
		case e.Err != nil:
			pv.Err = bulwark.ErrorMessage(e.Err)
		case e.Tx != nil:
			b, err := e.Tx.MarshalJSON()
			if err != nil {
				pv.Err = "cannot be shown: " + err.Error()
			}
			pv.TxJSON = string(b)
		}
		v.Pending = append(v.Pending, pv)
	}
	return nil
}

// auditPosture audits the watched Safes shown at the node's latest block
// (owners, threshold, modules, guards, fallback handler, singleton), each
// report beside its Safe.
func (c *Console) auditPosture(ctx context.Context, v *safeView) error {
	audit := c.cfg.Services.SafePosture
	if audit == nil {
		return bulwark.Errorf(bulwark.EUNAVAILABLE, "auditing posture needs a node: start the server with --rpc")
	}
	if len(v.Watched) == 0 {
		return nil
	}
	addrs := make([]common.Address, len(v.Watched))
	for i := range v.Watched {
		addrs[i] = v.Watched[i].Safe
	}
	reps, err := audit(ctx, addrs)
	if err != nil {
		return err
	}
	for i := range v.Watched {
		if i < len(reps) {
			v.Watched[i].Posture = reps[i]
		}
	}
	v.PostureAudited = true
	return nil
}

// safeData reads the queue and the watch list for the Safe page.
func (c *Console) safeData(ctx context.Context, p *Principal) (*safeView, error) {
	s := c.cfg.Services
	v := &safeView{OnChain: s.SafeOnChain, CanVerify: p.Allows(auth.PermAnalyze) && s.SafeVerify != nil, CanAudit: s.SafePosture != nil, CanList: s.SafePending != nil}
	if s.SafeVerify == nil {
		v.Unavailable = append(v.Unavailable, "Safe transaction verification is not configured on this server")
	}
	if s.SafeAlerts == nil {
		v.Unavailable = append(v.Unavailable, "Safe alerts (the co-signer's queue) are not configured on this server")
	} else {
		var err error
		v.Held, err = s.SafeAlerts.Alerts(ctx, watch.AlertFilter{Codes: []string{queue.CodeTxHeld, queue.CodeTxRefused}, Newest: true, Limit: heldShown})
		if err != nil {
			return nil, err
		}
		v.HeldCapped = len(v.Held) == heldShown
	}
	if s.SafeWatches == nil {
		v.Unavailable = append(v.Unavailable, "the Safe watch list is not configured on this server")
		return v, nil
	}
	ws, err := s.SafeWatches.Watches(ctx)
	if err != nil {
		return nil, err
	}
	if len(ws) > watchedSafesShown {
		ws, v.WatchedMore = ws[:watchedSafesShown], len(ws)-watchedSafesShown
	}
	for _, wsafe := range ws {
		wv := watchedView{WatchedSafe: wsafe, Address: wsafe.Safe.Hex()}
		if s.SafeAlerts != nil {
			recent, err := s.SafeAlerts.Alerts(ctx, watch.AlertFilter{Safe: wv.Address, Newest: true, Limit: postureAlerts})
			if err != nil {
				return nil, err
			}
			wv.Alerts = len(recent)
			for i := range recent {
				if severityRank(recent[i].Severity) > severityRank(wv.Worst) {
					wv.Worst = recent[i].Severity
				}
			}
			if len(recent) > 0 {
				wv.Last = &recent[0]
			}
		}
		v.Watched = append(v.Watched, wv)
	}
	return v, nil
}

// severityRank orders severities ("" lowest).
func severityRank(s policy.Severity) int {
	return slices.Index([]policy.Severity{policy.SeverityInfo, policy.SeverityLow, policy.SeverityMedium, policy.SeverityHigh, policy.SeverityCritical}, s) + 1
}

// safeVerify verifies a pasted Safe Transaction Service JSON, as POST
// /api/v1/safe/verify does, records the verdict in the audit log and
// shows it.
func (c *Console) safeVerify(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalOf(r)
	form := safeForm{Tx: r.PostFormValue("tx"), ChainID: strings.TrimSpace(r.PostFormValue("chainId")),
		SafeVersion:    strings.TrimSpace(r.PostFormValue("safeVersion")),
		AllowMultisend: r.PostFormValue("allowMultisend") != "", TrustAddressOnly: r.PostFormValue("trustAddressOnly") != ""}
	page, err := c.safeData(r.Context(), p)
	if err != nil {
		return err
	}
	page.Form = form
	result, err := c.verify(r.Context(), p, form)
	if err != nil {
		return c.formFailed(w, r, "safe.html", page, err)
	}
	page.Result = result
	return c.Render(w, r, http.StatusOK, "safe.html", page)
}

// verify runs one verification and records it (see safeVerify).
func (c *Console) verify(ctx context.Context, p *Principal, form safeForm) (*verifyView, error) {
	s := c.cfg.Services
	if s.SafeVerify == nil || s.Audit == nil {
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "Safe transaction verification is not configured on this server")
	}
	if strings.TrimSpace(form.Tx) == "" {
		return nil, bulwark.Invalid("tx", "tx: required: paste the transaction as the Safe Transaction Service returns it (GET /api/v1/multisig-transactions/{safeTxHash}/)")
	}
	st, err := policy.ReadServiceTx([]byte(form.Tx))
	if err != nil {
		return nil, err
	}
	d, err := policy.SettleDomain(st, "the pasted transaction",
		policy.Given{Field: "chainId", As: "chain id ", Text: form.ChainID},
		policy.Given{Field: "safeVersion", As: "Safe version ", Text: form.SafeVersion})
	if err != nil {
		return nil, err
	}
	if !s.SafeOnChain {
		const how = "give it in the form (this server has no node to read it from)"
		if d.ChainID == nil {
			return nil, policy.MissingChainID("chainId", how)
		}
		if d.Version == (safe.Version{}) {
			return nil, policy.MissingVersion("safeVersion", how)
		}
	}
	pol := s.SafePolicy
	pol.AllowMultiSend, pol.TrustAddressOnly = form.AllowMultisend, form.TrustAddressOnly
	v, err := s.SafeVerify(ctx, policy.VerifyRequest{Tx: *st, ChainID: d.ChainID, Version: d.Version, Policy: pol})
	if err != nil {
		return nil, err
	}
	e, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		if s.SafeVerifications != nil {
			if err := policy.RecordInAudit(ctx, s.SafeVerifications, v); err != nil {
				return audit.Event{}, err
			}
		}
		return audit.Event{Actor: p.Actor, Action: "safe.verify", Target: v.AuditTarget(), Details: v.AuditDetails()}, nil
	})
	if err != nil {
		return nil, err
	}
	return newVerifyView(v, e.Seq), nil
}

// newVerifyView prepares v for the page: the call tree flattened with
// each call's findings, and the singleton alarms.
func newVerifyView(v *policy.Verification, seq int64) *verifyView {
	out := &verifyView{VerificationJSON: v.JSON(), AuditSeq: seq}
	byPath := map[string][]policy.Finding{}
	for _, f := range v.Findings {
		byPath[f.Path] = append(byPath[f.Path], f)
		switch f.Code {
		case policy.CodeMasterCopyChange, policy.CodeSimulatedMasterCopyChange, policy.CodeUnknownSingleton:
			out.Alarms = append(out.Alarms, alarm{Title: "SINGLETON CHANGE", Code: f.Code, Message: f.Message})
		case policy.CodeUntrustedDelegateCall:
			out.Alarms = append(out.Alarms, alarm{Title: "CAN REPLACE THE SINGLETON", Code: f.Code, Message: f.Message})
		}
	}
	if sim := v.Simulation; sim != nil {
		for _, ch := range sim.Changes {
			if ch.Kind == onchain.ChangeSingleton || ch.Kind == onchain.ChangeSingletonCode {
				out.Alarms = append(out.Alarms, alarm{Title: "SINGLETON CHANGE", Code: string(ch.Kind),
					Message: "the simulation changes the Safe's singleton (the code it runs): " + ch.String()})
			}
		}
	}
	if v.Decoded != nil {
		v.Decoded.Walk(func(call *decode.DecodedCall) bool {
			cv := callView{DecodedCall: call, Depth: strings.Count(call.Path, "."), Operation: call.Operation.String(), Findings: byPath[call.Path]}
			for _, a := range call.Args {
				cv.Args = append(cv.Args, argView{Name: a.Name, Type: a.Type, Value: argText(a)})
			}
			out.Tree = append(out.Tree, cv)
			return true
		})
	}
	return out
}

// argText is a decoded argument's value as text: its JSON value, a
// string without its quotes.
func argText(a decode.Arg) string {
	b, err := json.Marshal(a)
	if err != nil {
		return "(cannot be shown)"
	}
	var v struct{ Value json.RawMessage }
	if json.Unmarshal(b, &v) != nil {
		return "(cannot be shown)"
	}
	if s, err := strconv.Unquote(string(v.Value)); err == nil {
		return s
	}
	return string(v.Value)
}

// formFailed shows page again with err above the form, with the status of
// err's code (a 400 names the field to fix). A 5xx error gets the error
// page.
func (c *Console) formFailed(w http.ResponseWriter, r *http.Request, page string, data any, err error) error {
	status, code, msg, _ := httpapi.Public(err)
	if status >= 500 {
		return err
	}
	v := c.newView(r, data)
	v.Problem = &formProblem{Code: code, Message: msg}
	var be *bulwark.Error
	if errors.As(err, &be) {
		v.Problem.Field = be.Field
	}
	return c.execute(w, r, status, page, "layout", v)
}
