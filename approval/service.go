package approval

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// Bounds and defaults.
const (
	// DefaultTTL is how long a request waits for a second person.
	DefaultTTL = 24 * time.Hour
	// ChallengeTTL is how long an issued challenge may be answered.
	ChallengeTTL = 5 * time.Minute
	// MaxSummaryBytes bounds a summary; MaxReasonBytes a decision's note;
	// MaxPayloadBytes an action's stored input.
	MaxSummaryBytes = 16 << 10
	MaxReasonBytes  = 1000
	MaxPayloadBytes = 256 << 10
	// MaxSubjectBytes bounds a subject.
	MaxSubjectBytes = 300
	// MaxAssertionBytes bounds an assertion as sent.
	MaxAssertionBytes = 16 << 10
	// MaxList is the most requests List returns.
	MaxList = 1000
	// nonceBytes is the size of a challenge's nonce; idBytes of an id.
	nonceBytes = 32
	idBytes    = 16
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// ValidateID checks a request id (32 lower-case hex digits).
func ValidateID(id string) error {
	if !idPattern.MatchString(id) {
		return bulwark.Invalid("id", "%q is not an approval request id (32 lower-case hex digits; see GET /api/v1/approvals)", id)
	}
	return nil
}

// Executor does an approved action: it reads r.Payload and calls the
// domain service with ctx, which carries the grant (Granted). It returns a
// short outcome for the record.
type Executor func(ctx context.Context, r *Request) (outcome string, err error)

// Hold is what a domain service asks the gate before an action.
type Hold struct {
	Action Action
	// Subject names what the action is on (see Request.Subject).
	Subject string
	// Summary is the text the requester is shown and the approver will
	// see, exactly: what the action will do, on what, with which inputs.
	// It must be the same text for the same action asked again.
	Summary string
	// Payload is the executor's input (marshalled to JSON).
	Payload any
	// Actor is who asks, as the audit log names them (used when ctx
	// carries no principal).
	Actor string
}

// Gate is what a domain service asks before an action under dual control.
// *Service implements it.
type Gate interface {
	// Check returns nil when the action may run now: it is not under dual
	// control, or ctx carries the grant of an approved request for it
	// with the same summary. Otherwise it keeps a pending request (or
	// finds the one pending for the same action, subject and summary)
	// and returns an EPENDING error whose cause is a *PendingError.
	Check(ctx context.Context, h Hold) error
}

// PendingError is the cause of a gate's EPENDING error.
type PendingError struct {
	Request *Request
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("approval request %s pending", e.Request.ID)
}

// PendingRequest returns the request err is waiting on, nil when err is not a
// gate's EPENDING error.
func PendingRequest(err error) *Request {
	var pe *PendingError
	if errors.As(err, &pe) {
		return pe.Request
	}
	return nil
}

type grantKey struct{}

// grant is what an approved request lets run.
type grant struct {
	id, subject, digest string
	action              Action
}

// Granted reports whether ctx carries the grant of an approved request for
// action on subject (the context an Executor is given).
func Granted(ctx context.Context, action Action, subject string) bool {
	g, ok := ctx.Value(grantKey{}).(grant)
	return ok && g.action == action && g.subject == subject
}

// GrantedRequest returns the id of the approved request whose grant ctx
// carries, "" for none: a domain service names it in the action's audit
// entry.
func GrantedRequest(ctx context.Context) string {
	g, _ := ctx.Value(grantKey{}).(grant)
	return g.id
}

// Service keeps requests and decides them. Store and Audit are required,
// and must be the same adapter so that a request's change and its audit
// entry commit together; Verifier is required to approve.
type Service struct {
	Store    Store
	Audit    *audit.Log
	Verifier Verifier
	// Options, when set, returns the navigator.credentials.get options
	// ({"publicKey": …}) asking user's passkeys to sign challenge
	// (auth.Users.AssertionOptions): ChallengeOptions hands them to the
	// console's page.
	Options func(ctx context.Context, user string, challenge []byte) ([]byte, error)
	// Config says which actions need a second person (zero: all).
	Config Config
	// TTL is how long a request waits (0: DefaultTTL).
	TTL time.Duration
	// Now returns the current time; nil means time.Now. Rand is the source
	// of ids and nonces; nil means crypto/rand.
	Now  func() time.Time
	Rand io.Reader

	// MayApprovePerson, when set, is asked before a challenge is issued
	// and before an approval is taken: an error refuses approver (serve
	// sets it to the users' cooling-off, auth.Users.MayApprove: an
	// account created or reset recently approves nothing).
	MayApprovePerson func(ctx context.Context, approver Principal) error

	mu        sync.RWMutex
	executors map[Action]Executor
}

// Handle registers the executor of action a.
func (s *Service) Handle(a Action, e Executor) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.executors == nil {
		s.executors = map[Action]Executor{}
	}
	s.executors[a] = e
}

func (s *Service) executor(a Action) Executor {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.executors[a]
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) random(n int) ([]byte, error) {
	r := s.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot read random bytes for an approval")
	}
	return b, nil
}

func (s *Service) ttl() time.Duration {
	if s.TTL > 0 {
		return s.TTL
	}
	return DefaultTTL
}

func (s *Service) check() error {
	if s.Store == nil || s.Audit == nil {
		return bulwark.Errorf(bulwark.EINTERNAL, "dual control needs its store and the audit log")
	}
	return nil
}

// checkText checks a summary, subject or reason: valid UTF-8, within max
// bytes, no control characters but newlines and tabs (multiline).
func checkText(field, s string, max int, multiline bool) error {
	switch {
	case !utf8.ValidString(s):
		return bulwark.Invalid(field, "not valid UTF-8")
	case len(s) > max:
		return bulwark.Invalid(field, "%d bytes: at most %d", len(s), max)
	}
	for _, r := range s {
		if r < 0x20 && !(multiline && (r == '\n' || r == '\t')) || r == 0x7f {
			return bulwark.Invalid(field, "contains a control character (%U)", r)
		}
	}
	return nil
}

// Check implements Gate.
func (s *Service) Check(ctx context.Context, h Hold) error {
	if !s.Config.Requires(h.Action) {
		return nil
	}
	h.Summary = Neutralize(h.Summary)
	digest := Digest(h.Summary)
	if g, ok := ctx.Value(grantKey{}).(grant); ok && g.action == h.Action && g.subject == h.Subject {
		if g.digest != digest {
			return bulwark.Errorf(bulwark.ECONFLICT, "approval request %s was approved for another summary than the action has now (what it is on changed since it was asked): ask again", g.id)
		}
		return nil
	}
	if err := s.check(); err != nil {
		return err
	}
	if _, err := ParseAction("action", string(h.Action)); err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "dual control asked for an unknown action")
	}
	switch {
	case strings.TrimSpace(h.Subject) == "":
		return bulwark.Errorf(bulwark.EINTERNAL, "dual control of %s asked without a subject", h.Action)
	case strings.TrimSpace(h.Summary) == "":
		return bulwark.Errorf(bulwark.EINTERNAL, "dual control of %s asked without a summary", h.Action)
	}
	if err := checkText("subject", h.Subject, MaxSubjectBytes, false); err != nil {
		return err
	}
	if err := checkText("summary", h.Summary, MaxSummaryBytes, true); err != nil {
		return err
	}
	payload, err := json.Marshal(h.Payload)
	if err != nil {
		return bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the action's input for its approval")
	}
	if len(payload) > MaxPayloadBytes {
		return bulwark.Errorf(bulwark.ETOOLARGE, "the action's input is %d bytes: at most %d wait for approval", len(payload), MaxPayloadBytes)
	}
	who := PrincipalFrom(ctx, h.Actor)
	now := s.now()
	if !who.Role.Allows(h.Action.Permission()) {
		err := bulwark.Errorf(bulwark.EFORBIDDEN, "role %s may not ask to %s (needs %s permission)", who.Role, h.Action.Describe(), h.Action.Permission())
		s.refused(ctx, who, "approval.request", "approval:"+string(h.Action), map[string]any{"action": h.Action, "subject": h.Subject}, err)
		return err
	}
	if who.Unnamed() {
		err := bulwark.Errorf(bulwark.EFORBIDDEN, "%s names no person, so dual control cannot tell its holder from the second person approving: it may not ask to %s; create a token that names its holder (bulwark token create --name NAME --role ROLE --person PERSON) and ask with it, or ask in the console", who.Actor, h.Action.Describe())
		s.refused(ctx, who, "approval.request", "approval:"+string(h.Action), map[string]any{"action": h.Action, "subject": h.Subject}, err)
		return err
	}
	prior, err := s.Store.PendingApprovalRequest(ctx, h.Action, h.Subject, digest)
	switch {
	case err == nil && prior.StateAt(now) == Pending:
		return pendingError(prior)
	case err != nil && !bulwark.IsCode(err, bulwark.ENOTFOUND):
		return err
	}
	raw, err := s.random(idBytes)
	if err != nil {
		return err
	}
	r := &Request{ID: hex.EncodeToString(raw), Action: h.Action, Subject: h.Subject, Summary: h.Summary, SummaryDigest: digest,
		Payload: payload, Requester: who.Actor, RequesterPerson: who.Person, RequesterRole: who.Role,
		Created: now, Expires: now.Add(s.ttl()), State: Pending}
	_, err = s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		r.AuditSeq, _ = audit.PendingSeq(ctx)
		if err := s.Store.CreateApprovalRequest(ctx, r); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: who.Actor, Action: "approval.request", Target: r.AuditTarget(), Details: s.details(r, "requested", nil)}, nil
	})
	if err != nil {
		return err
	}
	return pendingError(r)
}

func pendingError(r *Request) error {
	return &bulwark.Error{Code: bulwark.EPENDING, Err: &PendingError{Request: r},
		Message: bulwark.Sprintf("held for dual control (%s): request %s waits for a second person's approval until %s; approve it in the console at /approvals/%s",
			r.Action.Describe(), r.ID, r.Expires.UTC().Format(time.RFC3339), r.ID)}
}

// details are the audit details of r: what, on what, the summary's
// digest (the summary is in the store), and who asked.
func (s *Service) details(r *Request, decision string, extra map[string]any) map[string]any {
	d := map[string]any{"decision": decision, "id": r.ID, "action": r.Action, "subject": r.Subject,
		"summaryDigest": r.SummaryDigest, "requester": r.Requester, "expires": r.Expires.UTC().Format(time.RFC3339)}
	if r.RequesterPerson != "" {
		d["requesterPerson"] = r.RequesterPerson
	}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

// refused audits a refusal (decision "refused", the error's code and
// message) and is best effort: the refusal is returned whatever happens.
func (s *Service) refused(ctx context.Context, who Principal, action, target string, d map[string]any, cause error) {
	if s.Audit == nil {
		return
	}
	if d == nil {
		d = map[string]any{}
	}
	d["decision"], d["error"], d["reason"] = "refused", bulwark.ErrorCode(cause), bulwark.ErrorMessage(cause)
	if who.Person != "" {
		d["person"] = who.Person
	}
	_, _ = s.Audit.Record(context.WithoutCancel(ctx), audit.Event{Actor: who.Actor, Action: action, Target: target, Details: d})
}

// Get returns request id, its state as of now.
func (s *Service) Get(ctx context.Context, id string) (*Request, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	r, err := s.Store.ApprovalRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	r.State = r.StateAt(s.now())
	return r, nil
}

// List returns the requests in state st ("" for all), newest first, at
// most limit (1 to MaxList).
func (s *Service) List(ctx context.Context, st State, limit int) ([]*Request, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if limit < 1 || limit > MaxList {
		return nil, bulwark.Invalid("limit", "%d: give 1 to %d", limit, MaxList)
	}
	f := Filter{State: st, Limit: limit}
	if st == Expired {
		f.State = "" // stored pending or expired: filtered below
		f.Limit = MaxList
	}
	rs, err := s.Store.ApprovalRequests(ctx, f)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := rs[:0]
	for _, r := range rs {
		r.State = r.StateAt(now)
		if st == "" || r.State == st {
			out = append(out, r)
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// eligible checks that approver may decide r at now: r pending, approver
// not its requester (not the same person), the role allowing the action.
func eligible(r *Request, approver Principal, now time.Time) error {
	switch st := r.StateAt(now); st {
	case Pending:
	case Expired:
		return bulwark.Errorf(bulwark.ECONFLICT, "approval request %s expired at %s: ask again", r.ID, r.Expires.UTC().Format(time.RFC3339))
	default:
		return bulwark.Errorf(bulwark.ECONFLICT, "approval request %s is %s already: a request is decided once", r.ID, st)
	}
	if r.requester().Unnamed() {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "request %s was asked by %s, a token that names no person: nobody can be told apart from its holder, so it is never approved; refuse or withdraw it and ask again with a token created with --person", r.ID, r.Requester)
	}
	if approver.SamePerson(r.requester()) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "%s asked for request %s: dual control needs a second, different person to decide it", r.Requester, r.ID)
	}
	if !approver.Role.Allows(r.Action.Permission()) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "role %s may not %s (needs %s permission)", approver.Role, r.Action.Describe(), r.Action.Permission())
	}
	return nil
}

// Challenge issues approver a single-use challenge for request id: what
// their authenticator signs to approve it (ChallengeFor). Issuing one
// replaces any challenge issued before. It is refused (and audited) when
// approver may not approve the request: a token or the command line (no
// signed-in user), the requester, a role that does not allow the action.
func (s *Service) Challenge(ctx context.Context, id string, approver Principal) ([]byte, *Request, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	if err := s.mayApproveNow(ctx, r, approver, now); err != nil {
		s.refused(ctx, approver, "approval.approve", r.AuditTarget(), s.details(r, "refused", nil), err)
		return nil, nil, err
	}
	nonce, err := s.random(nonceBytes)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Store.SetApprovalChallenge(ctx, r.ID, Challenge{Nonce: nonce, For: approver.Actor, Expires: now.Add(ChallengeTTL)}); err != nil {
		return nil, nil, err
	}
	return ChallengeFor(r, nonce), r, nil
}

// ChallengeOptions is Challenge, with the options the approver's browser
// passes to navigator.credentials.get (Options; EUNAVAILABLE without).
func (s *Service) ChallengeOptions(ctx context.Context, id string, approver Principal) ([]byte, *Request, error) {
	if s.Options == nil || s.Verifier == nil {
		return nil, nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "approvals need the passkeys of signed-in people, which this server has not configured")
	}
	ch, r, err := s.Challenge(ctx, id, approver)
	if err != nil {
		return nil, nil, err
	}
	opts, err := s.Options(ctx, approver.User, ch)
	if err != nil {
		return nil, nil, err
	}
	return opts, r, nil
}

// MayApprove returns nil when approver may approve r now, else the error
// an approval would get (a page offers the ceremony only when it is nil).
func (s *Service) MayApprove(r *Request, approver Principal) error {
	return s.mayApprove(r, approver, s.now())
}

// mayApprove is eligible plus: approving needs a signed-in person.
func (s *Service) mayApprove(r *Request, approver Principal, now time.Time) error {
	if approver.User == "" {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "approving needs a signed-in person's WebAuthn assertion (the console): an API token or the command line can ask for %s, not approve it", r.Action.Describe())
	}
	return eligible(r, approver, now)
}

// mayApproveNow is mayApprove plus the person's own standing
// (MayApprovePerson).
func (s *Service) mayApproveNow(ctx context.Context, r *Request, approver Principal, now time.Time) error {
	if err := s.mayApprove(r, approver, now); err != nil {
		return err
	}
	if s.MayApprovePerson != nil {
		return s.MayApprovePerson(ctx, approver)
	}
	return nil
}

// Approve approves request id as approver, with assertion (the WebAuthn
// assertion of approver's authenticator over the challenge Challenge
// issued), then runs the action once through its executor. Every refusal
// is audited (approval.approve, decision refused): a token or the command
// line (EFORBIDDEN), the requester or the same person (EFORBIDDEN), a role
// that does not allow the action (EFORBIDDEN), a request decided already
// or expired (ECONFLICT), no challenge issued to approver or one expired
// or used (EUNAUTHORIZED), an assertion that does not check out against
// the challenge (EUNAUTHORIZED). The approval and the action's outcome are
// audited (approval.approve, approval.execute). It returns the request as
// decided; when the action failed, also its error (the request is then
// Failed: it is not run again).
func (s *Service) Approve(ctx context.Context, id string, approver Principal, assertion []byte) (*Request, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	refuse := func(err error) (*Request, error) {
		s.refused(ctx, approver, "approval.approve", r.AuditTarget(), s.details(r, "refused", nil), err)
		return nil, err
	}
	if err := s.mayApproveNow(ctx, r, approver, now); err != nil {
		return refuse(err)
	}
	switch {
	case len(assertion) == 0:
		return refuse(bulwark.Invalid("assertion", "required: the WebAuthn assertion over the request's challenge"))
	case len(assertion) > MaxAssertionBytes:
		return refuse(bulwark.Errorf(bulwark.ETOOLARGE, "assertion: %d bytes: at most %d", len(assertion), MaxAssertionBytes))
	case s.Verifier == nil:
		return nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "approvals need the WebAuthn verifier, which this server has not configured")
	}
	// The challenge is taken (gone) before the assertion is checked: an
	// assertion is tried once, and a replay finds no challenge.
	c, err := s.Store.TakeApprovalChallenge(ctx, r.ID, approver.Actor)
	switch {
	case bulwark.IsCode(err, bulwark.ENOTFOUND):
		return refuse(bulwark.Errorf(bulwark.EUNAUTHORIZED, "no challenge of yours is outstanding for approval request %s (none was issued to you, it was used, or someone else asked for one since): ask for a new one", r.ID))
	case err != nil:
		return nil, err
	case !now.Before(c.Expires):
		return refuse(bulwark.Errorf(bulwark.EUNAUTHORIZED, "the challenge of approval request %s expired: ask for a new one", r.ID))
	}
	if err := s.Verifier.VerifyAssertion(ctx, approver.User, ChallengeFor(r, c.Nonce), assertion); err != nil {
		return refuse(bulwark.Wrap(err, bulwark.EUNAUTHORIZED, "the WebAuthn assertion does not check out for approval request "+r.ID+": approve again with your authenticator"))
	}
	// Claim: pending → approved, once, whatever else approves at the same
	// time.
	_, err = s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		cur, err := s.Store.ApprovalRequest(ctx, r.ID)
		if err != nil {
			return audit.Event{}, err
		}
		if err := eligible(cur, approver, now); err != nil {
			return audit.Event{}, err
		}
		r = cur
		at := now
		r.State, r.DecidedBy, r.DecidedPerson, r.DecidedAt = Approved, approver.Actor, approver.Person, &at
		if err := s.Store.DecideApprovalRequest(ctx, r, Pending); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: approver.Actor, Action: "approval.approve", Target: r.AuditTarget(),
			Details: s.details(r, "approved", map[string]any{"approver": approver.Actor, "approverPerson": approver.Person})}, nil
	})
	if err != nil {
		if bulwark.IsCode(err, bulwark.ECONFLICT) || bulwark.IsCode(err, bulwark.EFORBIDDEN) {
			return refuse(err)
		}
		return nil, err
	}
	return s.execute(ctx, r, approver)
}

// execute runs approved r once and records the outcome.
func (s *Service) execute(ctx context.Context, r *Request, approver Principal) (*Request, error) {
	ctx = context.WithoutCancel(ctx) // an approval, once given, is carried out
	var outcome string
	var runErr error
	if exec := s.executor(r.Action); exec == nil {
		runErr = bulwark.Errorf(bulwark.EUNAVAILABLE, "nothing on this server carries out %s", r.Action)
	} else {
		gctx := context.WithValue(ctx, grantKey{}, grant{id: r.ID, action: r.Action, subject: r.Subject, digest: r.SummaryDigest})
		gctx = WithPrincipal(gctx, r.requester())
		outcome, runErr = exec(gctx, r)
	}
	next := *r
	next.State, next.Outcome = Executed, outcome
	extra := map[string]any{"approver": approver.Actor}
	if runErr != nil {
		next.State, next.Outcome = Failed, bulwark.ErrorMessage(runErr)
		extra["error"] = bulwark.ErrorCode(runErr)
	}
	if len(next.Outcome) > MaxReasonBytes {
		next.Outcome = next.Outcome[:MaxReasonBytes]
		for !utf8.ValidString(next.Outcome) {
			next.Outcome = next.Outcome[:len(next.Outcome)-1]
		}
	}
	extra["outcome"] = next.Outcome
	_, err := s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		if err := s.Store.DecideApprovalRequest(ctx, &next, Approved); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: approver.Actor, Action: "approval.execute", Target: r.AuditTarget(), Details: s.details(&next, string(next.State), extra)}, nil
	})
	if err != nil {
		return nil, err
	}
	return &next, runErr
}

// Reject refuses request id as decider, with a reason (required). The
// requester cannot reject their own request (they Cancel it); the decider's
// role must allow the action. Refusing needs no assertion: it changes
// nothing but the request. Audited as approval.reject.
func (s *Service) Reject(ctx context.Context, id string, decider Principal, reason string) (*Request, error) {
	return s.decide(ctx, id, decider, reason, Rejected)
}

// Cancel withdraws request id as its requester (the same person) or an
// admin, with an optional reason. Audited as approval.cancel.
func (s *Service) Cancel(ctx context.Context, id string, who Principal, reason string) (*Request, error) {
	return s.decide(ctx, id, who, reason, Cancelled)
}

func (s *Service) decide(ctx context.Context, id string, who Principal, reason string, to State) (*Request, error) {
	action := "approval.reject"
	if to == Cancelled {
		action = "approval.cancel"
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	now := s.now()
	check := func(cur *Request) error {
		if err := checkText("reason", reason, MaxReasonBytes, true); err != nil {
			return err
		}
		if to == Rejected {
			if reason == "" {
				return bulwark.Invalid("reason", "required: why the request is refused")
			}
			return eligible(cur, who, now)
		}
		if st := cur.StateAt(now); st != Pending {
			return bulwark.Errorf(bulwark.ECONFLICT, "approval request %s is %s: only a pending request is cancelled", cur.ID, st)
		}
		if !who.SamePerson(cur.requester()) && who.Role != "admin" {
			return bulwark.Errorf(bulwark.EFORBIDDEN, "only %s, who asked, or an admin cancels request %s", cur.Requester, cur.ID)
		}
		return nil
	}
	if err := check(r); err != nil {
		s.refused(ctx, who, action, r.AuditTarget(), s.details(r, "refused", nil), err)
		return nil, err
	}
	_, err = s.Audit.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		cur, err := s.Store.ApprovalRequest(ctx, id)
		if err != nil {
			return audit.Event{}, err
		}
		if err := check(cur); err != nil {
			return audit.Event{}, err
		}
		r = cur
		at := now
		r.State, r.DecidedBy, r.DecidedPerson, r.DecidedAt, r.Reason = to, who.Actor, who.Person, &at, reason
		if err := s.Store.DecideApprovalRequest(ctx, r, Pending); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: who.Actor, Action: action, Target: r.AuditTarget(), Details: s.details(r, string(to), map[string]any{"by": who.Actor, "note": reason})}, nil
	})
	if err != nil {
		if bulwark.IsCode(err, bulwark.ECONFLICT) || bulwark.IsCode(err, bulwark.EFORBIDDEN) {
			s.refused(ctx, who, action, r.AuditTarget(), s.details(r, "refused", nil), err)
		}
		return nil, err
	}
	return r, nil
}
