package auth

import (
	"context"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// DefaultCoolingOff is how long a new account, or one whose second factors
// were reset, approves nothing under dual control (Users.CoolingOff).
const DefaultCoolingOff = 24 * time.Hour

func (s *Users) coolingOff() time.Duration {
	if s.CoolingOff > 0 {
		return s.CoolingOff
	}
	return DefaultCoolingOff
}

// MayApprove returns nil when the user with userID may approve requests under dual
// control as far as the account's age goes: an account created less than
// the cooling-off period ago (CoolingOff, default DefaultCoolingOff), or
// whose newest passkey is that young (second factors change only by
// enrolling, after creation or a reset), is EFORBIDDEN. A second person
// minted by one credential is thus at least noticed in the audit log and
// on the users page before it can approve anything.
func (s *Users) MayApprove(ctx context.Context, userID string) error {
	u, err := s.Store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	since := u.CreatedAt
	keys, err := s.Store.Passkeys(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if k.CreatedAt.After(since) {
			since = k.CreatedAt
		}
	}
	if until := since.Add(s.coolingOff()); s.now().Before(until) {
		return bulwark.Errorf(bulwark.EFORBIDDEN, "user %s was created or enrolled a second factor at %s: a new or reset account approves nothing until %s (cooling-off %s)",
			u.Name, since.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339), s.coolingOff())
	}
	return nil
}

// IssueEnrolment issues user name a new one-time enrolment secret,
// returned once (audited as user.enrolment by actor, with approval, the
// request that allowed it): how the requester of an approved creation or
// reset gets the secret after a second person approved, so that the
// secret never appears in the approval request. It is refused (ECONFLICT)
// for a user who holds a second factor or is disabled.
func (s *Users) IssueEnrolment(ctx context.Context, actor, name, approval string) (string, *User, error) {
	secret, exp, hash, err := s.newEnrolSecret()
	if err != nil {
		return "", nil, err
	}
	u, err := s.adminChange(ctx, actor, name, "user.enrolment", func(ctx context.Context, u *User, now time.Time) (map[string]any, error) {
		keys, err := s.Store.Passkeys(ctx, u.ID)
		if err != nil {
			return nil, err
		}
		if u.DisabledAt != nil || u.TOTPSecret != "" || len(keys) > 0 {
			return nil, bulwark.Errorf(bulwark.ECONFLICT, "user %s is disabled or has enrolled a second factor: no enrolment secret is issued (reset their second factors first)", u.Name)
		}
		u.EnrolHash, u.EnrolExpiresAt = hash, &exp
		return map[string]any{"approvalRequest": approval, "enrolExpiresAt": exp.Format(time.RFC3339)}, nil
	})
	if err != nil {
		return "", nil, err
	}
	return secret, u, nil
}

// Raises reports whether changing a role from to to grants more.
func Raises(from, to Role) bool {
	for _, p := range rolePerms[to] {
		if !from.Allows(p) {
			return true
		}
	}
	return false
}
