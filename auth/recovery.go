package auth

import (
	"context"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
)

// Recovery codes: RecoveryCodeCount codes of 16 characters from an
// alphabet without look-alikes (80 bits each, written in groups of four),
// stored as SHA-256 hashes and each accepted once.
const (
	RecoveryCodeCount = 10
	recoveryAlphabet  = "abcdefghjkmnpqrstuvwxyz23456789" // 31 symbols, no 0/o, 1/l/i
	recoveryLen       = 16
)

// normalizeRecoveryCode lower-cases a code and drops spaces and dashes; ok
// is false for anything that cannot be a code.
func normalizeRecoveryCode(code string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch {
		case r == '-' || r == ' ':
		case strings.ContainsRune(recoveryAlphabet, r):
			b.WriteRune(r)
		default:
			return "", false
		}
		if b.Len() > recoveryLen {
			return "", false
		}
	}
	return b.String(), b.Len() == recoveryLen
}

// newRecoveryCodes replaces u's recovery codes (in the caller's
// transaction) and returns them, formatted xxxx-xxxx-xxxx-xxxx.
func (s *Users) newRecoveryCodes(ctx context.Context, u *User) ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([][]byte, RecoveryCodeCount)
	for i := range codes {
		raw, err := randomBytes(recoveryLen)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for j, c := range raw {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			// 256 is not a multiple of 31: the slight bias toward the
			// first symbols costs well under a bit of the 79 bits.
			b.WriteByte(recoveryAlphabet[int(c)%len(recoveryAlphabet)])
		}
		codes[i] = b.String()
		norm, _ := normalizeRecoveryCode(codes[i])
		hashes[i] = sha(norm)
	}
	if err := s.Store.SetRecoveryCodes(ctx, u.ID, hashes); err != nil {
		return nil, err
	}
	return codes, nil
}

// UseRecoveryCode completes a sign-in with a recovery code, which is spent.
// The session is rotated. Audited as session.signin with method recovery
// and the number of codes left.
func (s *Users) UseRecoveryCode(ctx context.Context, sess *Session, u *User, code string) (*SignedIn, error) {
	if err := s.secondFactorGate(ctx, sess, u); err != nil {
		return nil, err
	}
	wrong := bulwark.Errorf(bulwark.EUNAUTHORIZED, "wrong or already used recovery code")
	norm, ok := normalizeRecoveryCode(code)
	if !ok {
		return nil, s.secondFactorFailed(ctx, sess, u, "recovery", "malformed code", wrong)
	}
	var out *SignedIn
	failed := false
	_, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		err := s.Store.UseRecoveryCode(ctx, u.ID, sha(norm), s.now())
		if bulwark.IsCode(err, bulwark.ENOTFOUND) {
			failed = true
			return audit.Event{}, wrong
		} else if err != nil {
			return audit.Event{}, err
		}
		left, err := s.Store.CountRecoveryCodes(ctx, u.ID)
		if err != nil {
			return audit.Event{}, err
		}
		var ev audit.Event
		out, ev, err = s.signedIn(ctx, sess, u, "recovery", map[string]any{"recoveryCodesLeft": left})
		return ev, err
	})
	if failed {
		return nil, s.secondFactorFailed(ctx, sess, u, "recovery", "wrong or used code", err)
	}
	return out, err
}

// RegenerateRecoveryCodes replaces a user's recovery codes and returns the
// new ones, once: only while enrolling (see requireFactorChange). Audited
// as user.recovery-codes.
func (s *Users) RegenerateRecoveryCodes(ctx context.Context, sess *Session, u *User) ([]string, error) {
	if err := s.requireFactorChange(sess); err != nil {
		return nil, err
	}
	var codes []string
	_, err := s.Log.Do(ctx, func(ctx context.Context) (audit.Event, error) {
		var err error
		if codes, err = s.newRecoveryCodes(ctx, u); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: u.AuditTarget(), Action: "user.recovery-codes", Target: u.AuditTarget(),
			Details: map[string]any{"count": len(codes)}}, nil
	})
	return codes, err
}
