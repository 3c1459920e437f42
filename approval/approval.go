package approval

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

// Action names an action under dual control.
type Action string

// The actions under dual control.
const (
	// SafeApprove is a person's approval of a Safe transaction the
	// co-signer holds for review (cosign.Service.Approve).
	SafeApprove Action = "safe.approve"
	// FalsePositive is ruling a screening match a false positive
	// (screening.Service.Dispose), which keeps it out of verdicts.
	FalsePositive Action = "screen.false-positive"
	// AlertAck is acknowledging a critical Safe alert, which silences it.
	AlertAck Action = "alert.ack-critical"
	// ThresholdLower is lowering a policy threshold at run time: a change
	// after which a policy alarms or holds less (a Safe value limit raised
	// or removed, a trace alert threshold raised or removed).
	ThresholdLower Action = "policy.lower-threshold"
	// CaseClose is closing a trace case whose results name a freeze
	// request (a deposit address at an exchange that received tainted
	// value) not recorded as sent.
	CaseClose Action = "trace.case.close-unsent-freeze"
	// PeopleChange is changing who may act: creating a console user,
	// raising a user's role, resetting a user's second factors (each
	// leads to a person who can sign in, and approve, with more than
	// before). See People.
	PeopleChange Action = "people.change"
)

// Actions returns every action under dual control, in a stable order.
func Actions() []Action {
	return []Action{SafeApprove, FalsePositive, AlertAck, ThresholdLower, CaseClose, PeopleChange}
}

// Describe says in a few words what a is.
func (a Action) Describe() string {
	switch a {
	case SafeApprove:
		return "approve a held Safe transaction for the co-signer"
	case FalsePositive:
		return "rule a screening match a false positive"
	case AlertAck:
		return "acknowledge a critical Safe alert"
	case ThresholdLower:
		return "lower a policy threshold"
	case CaseClose:
		return "close a trace case with a freeze request unsent"
	case PeopleChange:
		return "create a console user, raise a role or reset second factors"
	}
	return string(a)
}

// Permission is what a role needs to approve a (and to ask for it).
func (a Action) Permission() auth.Permission {
	if a == ThresholdLower || a == PeopleChange {
		return auth.PermAdmin
	}
	return auth.PermAnalyze
}

// ParseAction returns the action named by s or an EINVALID error naming
// field.
func ParseAction(field, s string) (Action, error) {
	a := Action(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Actions(), a) {
		return a, nil
	}
	return "", bulwark.Invalid(field, "unknown action %q: use one of %s", s, actionNames())
}

func actionNames() string {
	var names []string
	for _, a := range Actions() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// Config says which actions need a second person.
type Config struct {
	// Off lists the actions that do NOT need dual control. The zero
	// Config puts every action under dual control: the secure default.
	Off []Action
}

// Requires reports whether a needs a second person's approval.
func (c Config) Requires(a Action) bool { return !slices.Contains(c.Off, a) }

// ParseConfig reads the setting of serve's --dual-control (config key
// dual-control): "all" (the default, also ""), "none", or a comma-separated
// list of the actions kept under dual control.
func ParseConfig(field, s string) (Config, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	switch s {
	case "", "all":
		return Config{}, nil
	case "none":
		return Config{Off: Actions()}, nil
	}
	on := map[Action]bool{}
	for _, part := range strings.Split(s, ",") {
		a, err := ParseAction(field, part)
		if err != nil {
			return Config{}, bulwark.Invalid(field, "%q: give all, none, or a comma-separated list of %s", part, actionNames())
		}
		on[a] = true
	}
	var c Config
	for _, a := range Actions() {
		if !on[a] {
			c.Off = append(c.Off, a)
		}
	}
	return c, nil
}

// String is c as ParseConfig reads it.
func (c Config) String() string {
	var on []string
	for _, a := range Actions() {
		if c.Requires(a) {
			on = append(on, string(a))
		}
	}
	switch len(on) {
	case 0:
		return "none"
	case len(Actions()):
		return "all"
	}
	return strings.Join(on, ",")
}

// State is where a request stands.
type State string

// States.
const (
	// Pending: waiting for a second person.
	Pending State = "pending"
	// Approved: a second person approved; the action is running.
	Approved State = "approved"
	// Executed: approved and the action was done.
	Executed State = "executed"
	// Failed: approved, but the action failed (Outcome says why); it is
	// not tried again: ask again.
	Failed State = "failed"
	// Rejected: a second person refused it.
	Rejected State = "rejected"
	// Cancelled: the requester withdrew it.
	Cancelled State = "cancelled"
	// Expired: nobody decided before Expires (a pending request past its
	// time reads as expired).
	Expired State = "expired"
)

// ParseState returns the state named by s or an EINVALID error.
func ParseState(field, s string) (State, error) {
	st := State(strings.ToLower(strings.TrimSpace(s)))
	switch st {
	case Pending, Approved, Executed, Failed, Rejected, Cancelled, Expired:
		return st, nil
	}
	return "", bulwark.Invalid(field, "unknown state %q: use pending, approved, executed, failed, rejected, cancelled or expired", s)
}

// Principal is a person acting: who asks, who approves.
type Principal struct {
	// Actor names them as the audit log does: "user:<name>",
	// "token:<id>", "cli:<user>".
	Actor string
	// Person names the person (a token's person, a user's name); two
	// principals with the same auth.PersonKey are one person. Empty means
	// the Actor.
	Person string
	// Role is their role; the command line acts as admin.
	Role auth.Role
	// User is the signed-in user whose authenticator gives assertions
	// ("" for a token or the command line, which cannot approve).
	User string
}

// personKey is p's person as compared: the person, else the actor.
func (p Principal) personKey() string {
	if strings.TrimSpace(p.Person) != "" {
		return auth.PersonKey(p.Person)
	}
	return auth.PersonKey(p.Actor)
}

// Unnamed reports whether p is an API token that names no person: dual
// control cannot tell its holder from any approver, so it may not ask for
// a held action, and a request it asked is never approved.
func (p Principal) Unnamed() bool {
	return strings.HasPrefix(p.Actor, "token:") && strings.TrimSpace(p.Person) == ""
}

// SamePerson reports whether p and q are one person: the same actor, or
// the same person key.
func (p Principal) SamePerson(q Principal) bool {
	return p.Actor == q.Actor || p.personKey() == q.personKey()
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p: an adapter that knows the signed-in
// person (a console session) says so, and a gate asked with that context
// names p as the requester.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalOf returns the principal WithPrincipal put in ctx.
func PrincipalOf(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// PrincipalFrom returns the principal acting in ctx: the one WithPrincipal
// set, else the API token's (auth.FromContext), else a command-line
// principal named actor (role admin).
func PrincipalFrom(ctx context.Context, actor string) Principal {
	if p, ok := ctx.Value(principalKey{}).(Principal); ok {
		return p
	}
	if t := auth.FromContext(ctx); t != nil {
		return Principal{Actor: t.Actor(), Person: t.Person, Role: t.Role}
	}
	return Principal{Actor: actor, Role: auth.RoleAdmin}
}

// Request is one ask for a second person's approval.
type Request struct {
	// ID is 32 lower-case hex digits.
	ID     string `json:"id"`
	Action Action `json:"action"`
	// Subject names what the action is on: "safe:1:0xSafe:0xsafeTxHash",
	// "screen:decision:ID:entity:ENTITY", "alert:ID", "case:ID".
	Subject string `json:"subject"`
	// Summary is the exact text the requester was shown; SummaryDigest
	// its SHA-256 (hex), which the approval's challenge binds.
	Summary       string `json:"summary"`
	SummaryDigest string `json:"summaryDigest"`
	// Payload is what the action runs with once approved (its executor's
	// input), JSON.
	Payload json.RawMessage `json:"-"`
	// Requester is who asked.
	Requester       string    `json:"requester"`
	RequesterPerson string    `json:"requesterPerson,omitempty"`
	RequesterRole   auth.Role `json:"requesterRole"`
	Created         time.Time `json:"created"`
	Expires         time.Time `json:"expires"`
	State           State     `json:"state"`
	// DecidedBy, DecidedPerson and DecidedAt name who approved, rejected
	// or cancelled it and when; Reason is their note.
	DecidedBy     string     `json:"decidedBy,omitempty"`
	DecidedPerson string     `json:"decidedPerson,omitempty"`
	DecidedAt     *time.Time `json:"decidedAt,omitempty"`
	Reason        string     `json:"reason,omitempty"`
	// Outcome is what running the action gave (Executed) or why it failed
	// (Failed).
	Outcome string `json:"outcome,omitempty"`
	// AuditSeq is the audit entry of the request.
	AuditSeq int64 `json:"auditSeq"`
}

// StateAt is r's state at now: a pending request past Expires is Expired.
func (r *Request) StateAt(now time.Time) State {
	if r.State == Pending && !now.Before(r.Expires) {
		return Expired
	}
	return r.State
}

// requester is r's requester as a principal.
func (r *Request) requester() Principal {
	return Principal{Actor: r.Requester, Person: r.RequesterPerson, Role: r.RequesterRole}
}

// AuditTarget names r in audit entries: "approval:<id>".
func (r *Request) AuditTarget() string { return "approval:" + r.ID }

// Digest returns the SHA-256 (hex) of a summary.
func Digest(summary string) string {
	sum := sha256.Sum256([]byte(summary))
	return hex.EncodeToString(sum[:])
}

// challengeDomain separates the challenge hash from any other SHA-256.
const challengeDomain = "bulwark-approval-v1"

// ChallengeFor is the WebAuthn challenge an approval of r signs: SHA-256
// over the action, the subject, the summary's digest, the request id and
// the single-use nonce, each length-prefixed. An assertion made for one
// request, subject or summary does not check out for another, and one
// made for a nonce is not accepted twice (the nonce is taken when used).
func ChallengeFor(r *Request, nonce []byte) []byte {
	h := sha256.New()
	put := func(b []byte) {
		var n [binary.MaxVarintLen64]byte
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))])
		h.Write(b)
	}
	put([]byte(challengeDomain))
	put([]byte(r.Action))
	put([]byte(r.Subject))
	put([]byte(r.SummaryDigest))
	put([]byte(r.ID))
	put(nonce)
	return h.Sum(nil)
}

// Challenge is a single-use nonce issued to one approver for one request.
type Challenge struct {
	Nonce []byte
	// For is the actor it was issued to.
	For     string
	Expires time.Time
}

// Filter selects requests.
type Filter struct {
	// State, when set, selects requests stored in that state (Pending
	// includes those past their time: the Service filters them).
	State State
	// Limit is the most returned, newest first.
	Limit int
}

// Store keeps requests. Implementations return ENOTFOUND for a missing id.
type Store interface {
	// CreateApprovalRequest stores a new request (ECONFLICT for an id
	// that exists).
	CreateApprovalRequest(ctx context.Context, r *Request) error
	// ApprovalRequest returns the request with id.
	ApprovalRequest(ctx context.Context, id string) (*Request, error)
	// ApprovalRequests returns the requests f selects, newest first.
	ApprovalRequests(ctx context.Context, f Filter) ([]*Request, error)
	// PendingApprovalRequest returns the newest request stored pending for
	// action, subject and summary digest, ENOTFOUND when there is none.
	PendingApprovalRequest(ctx context.Context, action Action, subject, summaryDigest string) (*Request, error)
	// DecideApprovalRequest stores r's state, decision and outcome when
	// the stored request is in state from; ECONFLICT when it is not.
	DecideApprovalRequest(ctx context.Context, r *Request, from State) error
	// SetApprovalChallenge replaces the challenge of request id.
	SetApprovalChallenge(ctx context.Context, id string, c Challenge) error
	// TakeApprovalChallenge returns the challenge of request id issued
	// to actor and removes it, in one step: it is used at most once.
	// ENOTFOUND when there is none for actor (a challenge issued to
	// someone else stays).
	TakeApprovalChallenge(ctx context.Context, id, actor string) (Challenge, error)
}

// Verifier checks a WebAuthn assertion of a signed-in user against a
// challenge the caller supplies (auth's WebAuthn service): the
// authenticator must be one the user enrolled, the origin the console's,
// user verification done. Any failure is an error.
type Verifier interface {
	VerifyAssertion(ctx context.Context, user string, challenge, assertion []byte) error
}

// VerifierFunc is a function as a Verifier.
type VerifierFunc func(ctx context.Context, user string, challenge, assertion []byte) error

// VerifyAssertion calls f.
func (f VerifierFunc) VerifyAssertion(ctx context.Context, user string, challenge, assertion []byte) error {
	return f(ctx, user, challenge, assertion)
}
