package approval

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

// People puts the changes of who may act under dual control (PeopleChange):
// creating a console user, raising a user's role, and resetting a user's
// second factors. Each of them otherwise lets one credential (an admin
// token, one admin session) mint a "second person" who then approves that
// credential's requests. The API and the console go through People; the
// command line on the server host calls auth.Users directly (it holds the
// data directory, which is everything) and is audited there.
//
// The enrolment secret of an approved creation or reset is never in the
// request (neither summary nor payload, and not in the outcome): the
// requester collects it afterwards with Enrolment.
type People struct {
	Users *auth.Users
	// Dual is dual control; nil, or PeopleChange switched off, does the
	// changes at once.
	Dual *Service
}

// PeopleHold is a held change of a person (the executor's input).
type PeopleHold struct {
	// Op is "create", "role" or "reset-mfa".
	Op   string    `json:"op"`
	Name string    `json:"name"`
	Role auth.Role `json:"role,omitempty"`
	// From is the role before a raise.
	From auth.Role `json:"from,omitempty"`
}

func (h PeopleHold) subject() string { return "user:" + h.Name }

func (h PeopleHold) summary() string {
	var b strings.Builder
	line := func(k, v string) { fmt.Fprintf(&b, "%-10s%s\n", k+":", v) }
	switch h.Op {
	case "create":
		line("Change", "create a console user")
		line("User", h.Name)
		line("Role", string(h.Role))
		line("Then", "the requester is given the user's one-time enrolment secret (not shown here)")
	case "role":
		line("Change", "raise a user's role")
		line("User", h.Name)
		line("Role", string(h.From)+" -> "+string(h.Role))
	case "reset-mfa":
		line("Change", "reset a user's second factors (TOTP, passkeys, recovery codes) and end their sessions")
		line("User", h.Name)
		line("Role", string(h.Role))
		line("Then", "the requester is given a new one-time enrolment secret (not shown here)")
	}
	return b.String()
}

func (p *People) gate(ctx context.Context, actor string, h PeopleHold) error {
	if p.Dual == nil {
		return nil
	}
	return p.Dual.Check(ctx, Hold{Action: PeopleChange, Subject: h.subject(), Summary: h.summary(), Payload: h, Actor: actor})
}

// CreateUser creates user name with role: at once (returning the
// enrolment secret) when not under dual control or ctx carries the grant,
// else EPENDING with the pending request (no user, no secret yet).
func (p *People) CreateUser(ctx context.Context, actor, name string, role auth.Role) (string, *auth.User, error) {
	if err := auth.ValidateUserName(name); err != nil {
		return "", nil, err
	}
	if _, err := auth.ParseRole(string(role)); err != nil {
		return "", nil, err
	}
	if _, err := p.Users.User(ctx, name); err == nil {
		return "", nil, bulwark.Errorf(bulwark.ECONFLICT, "user %s exists already", name)
	} else if !bulwark.IsCode(err, bulwark.ENOTFOUND) {
		return "", nil, err
	}
	if err := p.gate(ctx, actor, PeopleHold{Op: "create", Name: name, Role: role}); err != nil {
		return "", nil, err
	}
	return p.Users.CreateUser(ctx, actor, name, role)
}

// SetRole sets user name's role: a raise (a role that grants more) is
// under dual control like CreateUser; lowering a role is done at once.
func (p *People) SetRole(ctx context.Context, actor, name string, role auth.Role) (*auth.User, error) {
	if _, err := auth.ParseRole(string(role)); err != nil {
		return nil, err
	}
	u, err := p.Users.User(ctx, name)
	if err != nil {
		return nil, err
	}
	if auth.Raises(u.Role, role) {
		if err := p.gate(ctx, actor, PeopleHold{Op: "role", Name: name, Role: role, From: u.Role}); err != nil {
			return nil, err
		}
	}
	return p.Users.SetRole(ctx, actor, name, role)
}

// ResetMFA resets user name's second factors (auth.Users.ResetMFA), under
// dual control like CreateUser.
func (p *People) ResetMFA(ctx context.Context, actor, name string) (string, *auth.User, error) {
	u, err := p.Users.User(ctx, name)
	if err != nil {
		return "", nil, err
	}
	if err := p.gate(ctx, actor, PeopleHold{Op: "reset-mfa", Name: name, Role: u.Role}); err != nil {
		return "", nil, err
	}
	return p.Users.ResetMFA(ctx, actor, name)
}

// Execute carries out an approved PeopleChange request (register it with
// Dual.Handle): the same method, asked again with the grant, which passes
// only while the summary is still the approved one. A secret made on the
// way is dropped: the requester collects a new one with Enrolment.
func (p *People) Execute(ctx context.Context, r *Request) (string, error) {
	var h PeopleHold
	if err := json.Unmarshal(r.Payload, &h); err != nil {
		return "", bulwark.Wrap(err, bulwark.EINTERNAL, "approval request "+r.ID+": its stored input does not read back")
	}
	collect := fmt.Sprintf("; the requester collects the enrolment secret (POST /api/v1/approvals/%s/enrolment, or the request's page)", r.ID)
	switch h.Op {
	case "create":
		if _, _, err := p.CreateUser(ctx, r.Requester, h.Name, h.Role); err != nil {
			return "", err
		}
		return fmt.Sprintf("user %s created with role %s%s", h.Name, h.Role, collect), nil
	case "role":
		if _, err := p.SetRole(ctx, r.Requester, h.Name, h.Role); err != nil {
			return "", err
		}
		return fmt.Sprintf("user %s now has role %s (sessions ended)", h.Name, h.Role), nil
	case "reset-mfa":
		if _, _, err := p.ResetMFA(ctx, r.Requester, h.Name); err != nil {
			return "", err
		}
		return fmt.Sprintf("second factors of user %s reset (sessions ended)%s", h.Name, collect), nil
	}
	return "", bulwark.Errorf(bulwark.EINTERNAL, "approval request %s: unknown people change %q", r.ID, h.Op)
}

// HasEnrolment reports whether r is a creation or second-factor reset of
// a user, whose requester collects an enrolment secret (Enrolment) once it
// is executed.
func HasEnrolment(r *Request) bool {
	_, ok := enrolmentHold(r)
	return ok
}

func enrolmentHold(r *Request) (PeopleHold, bool) {
	var h PeopleHold
	if r.Action != PeopleChange || json.Unmarshal(r.Payload, &h) != nil {
		return h, false
	}
	return h, h.Op == "create" || h.Op == "reset-mfa"
}

// Enrolment gives the requester of an executed creation or reset (request
// id) the user's one-time enrolment secret, after the second person
// approved: only to the requester (the same actor), within auth.EnrolTTL
// of the approval, and only while the user holds no second factor (each
// call replaces the secret before; audited as user.enrolment).
func (p *People) Enrolment(ctx context.Context, id string, who Principal) (string, *auth.User, error) {
	if p.Dual == nil {
		return "", nil, bulwark.Errorf(bulwark.EUNAVAILABLE, "dual control is not configured on this server")
	}
	r, err := p.Dual.Get(ctx, id)
	if err != nil {
		return "", nil, err
	}
	h, ok := enrolmentHold(r)
	switch {
	case !ok:
		return "", nil, bulwark.Errorf(bulwark.ECONFLICT, "approval request %s is not the creation or reset of a user: it has no enrolment secret", r.ID)
	case who.Actor != r.Requester:
		return "", nil, bulwark.Errorf(bulwark.EFORBIDDEN, "only the requester of approval request %s (%s) collects its enrolment secret", r.ID, r.Requester)
	case r.StateAt(p.Dual.now()) != Executed:
		return "", nil, bulwark.Errorf(bulwark.ECONFLICT, "approval request %s is %s: the enrolment secret is given once it was approved and carried out", r.ID, r.StateAt(p.Dual.now()))
	case r.DecidedAt == nil || !p.Dual.now().Before(r.DecidedAt.Add(auth.EnrolTTL)):
		return "", nil, bulwark.Errorf(bulwark.ECONFLICT, "approval request %s was approved more than %s ago: ask again", r.ID, auth.EnrolTTL.Round(time.Hour))
	}
	return p.Users.IssueEnrolment(ctx, r.Requester, h.Name, r.ID)
}
