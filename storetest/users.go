package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
)

func hash32(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// newUser returns a valid user numbered i, created i seconds after base.
func newUser(i int) *auth.User {
	at := base.Add(time.Duration(i) * time.Second)
	return &auth.User{
		ID: fmt.Sprintf("%016x", 0xa5e0000000000000+uint64(i)), Name: fmt.Sprintf("user-%d", i), Role: auth.RoleAnalyst,
		WebAuthnHandle: hash32(fmt.Sprintf("handle-%d", i)), CreatedAt: at, CreatedBy: "cli:test", UpdatedAt: at,
	}
}

func newSession(i int, userID string) *auth.Session {
	at := base.Add(time.Duration(i) * time.Minute)
	return &auth.Session{
		ID: fmt.Sprintf("%016x", 0x5e55000000000000+uint64(i)), Hash: hash32(fmt.Sprintf("bws_%d", i)), UserID: userID,
		Stage: auth.StageFull, CSRF: hash32(fmt.Sprintf("csrf-%d", i)), Client: "192.0.2.7",
		CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(12 * time.Hour),
	}
}

func sameTime(a, b time.Time) bool {
	return a.Location() == time.UTC && a.Sub(b).Abs() < TokenTimePrecision
}

func samePtrTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return sameTime(*a, *b)
}

func assertUser(t *testing.T, got, want *auth.User) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.Role != want.Role || got.PasswordHash != want.PasswordHash ||
		!bytes.Equal(got.EnrolHash, want.EnrolHash) || !samePtrTime(got.EnrolExpiresAt, want.EnrolExpiresAt) ||
		got.TOTPSecret != want.TOTPSecret || got.TOTPLastStep != want.TOTPLastStep || !bytes.Equal(got.WebAuthnHandle, want.WebAuthnHandle) ||
		!sameTime(got.CreatedAt, want.CreatedAt) || got.CreatedBy != want.CreatedBy || !sameTime(got.UpdatedAt, want.UpdatedAt) ||
		!samePtrTime(got.DisabledAt, want.DisabledAt) {
		t.Fatalf("user read back as\n%+v\nwant\n%+v", got, want)
	}
}

func assertSession(t *testing.T, got, want *auth.Session) {
	t.Helper()
	if got.ID != want.ID || !bytes.Equal(got.Hash, want.Hash) || got.UserID != want.UserID || got.Stage != want.Stage ||
		!bytes.Equal(got.CSRF, want.CSRF) || got.Client != want.Client || !sameTime(got.CreatedAt, want.CreatedAt) ||
		!sameTime(got.LastSeenAt, want.LastSeenAt) || !sameTime(got.ExpiresAt, want.ExpiresAt) ||
		!samePtrTime(got.RevokedAt, want.RevokedAt) || !bytes.Equal(got.Pending, want.Pending) {
		t.Fatalf("session read back as\n%+v\nwant\n%+v", got, want)
	}
}

func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if !bulwark.IsCode(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

// UserStore runs the conformance suite for auth.UserStore. open must return
// a fresh, empty store for each call and close it when t ends.
func UserStore(t *testing.T, open func(t *testing.T) auth.UserStore) {
	t.Helper()
	ctx := context.Background()

	t.Run("UserRoundTrip", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		full := newUser(1)
		full.Role = auth.RoleAdmin
		full.PasswordHash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
		full.EnrolHash = append([]byte{0, 0xff}, hash32("enrol")[2:]...)
		full.EnrolExpiresAt = ptr(base.Add(72 * time.Hour))
		full.TOTPSecret, full.TOTPLastStep = "JBSWY3DPEHPK3PXP", 59000000
		full.DisabledAt = ptr(base.Add(time.Hour + 7))
		bare := newUser(2)
		for _, u := range []*auth.User{full, bare} {
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatalf("CreateUser(%s): %v", u.Name, err)
			}
		}
		for _, want := range []*auth.User{full, bare} {
			byID, err := s.UserByID(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertUser(t, byID, want)
			byName, err := s.UserByName(ctx, want.Name)
			if err != nil {
				t.Fatal(err)
			}
			assertUser(t, byName, want)
		}
		byEnrol, err := s.UserByEnrolHash(ctx, full.EnrolHash)
		if err != nil {
			t.Fatal(err)
		}
		assertUser(t, byEnrol, full)
		list, err := s.ListUsers(ctx)
		if err != nil || len(list) != 2 || list[0].ID != full.ID || list[1].ID != bare.ID {
			t.Fatalf("ListUsers = %v, %v; want the two users oldest first", list, err)
		}
		list[0].Name = "changed"
		again, _ := s.UserByID(ctx, full.ID)
		if again.Name != full.Name {
			t.Fatal("a returned user must be a copy")
		}
	})

	t.Run("UserErrors", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := newUser(1)
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		dupName := newUser(2)
		dupName.Name = u.Name
		wantCode(t, s.CreateUser(ctx, dupName), bulwark.ECONFLICT, "duplicate name")
		dupID := newUser(3)
		dupID.ID = u.ID
		wantCode(t, s.CreateUser(ctx, dupID), bulwark.ECONFLICT, "duplicate id")
		_, err := s.UserByID(ctx, newUser(9).ID)
		wantCode(t, err, bulwark.ENOTFOUND, "UserByID of a missing id")
		_, err = s.UserByName(ctx, "nobody")
		wantCode(t, err, bulwark.ENOTFOUND, "UserByName of a missing name")
		_, err = s.UserByEnrolHash(ctx, hash32("nothing"))
		wantCode(t, err, bulwark.ENOTFOUND, "UserByEnrolHash of an unknown hash")
		_, err = s.UserByEnrolHash(ctx, nil)
		wantCode(t, err, bulwark.ENOTFOUND, "UserByEnrolHash(nil) must not match users without a secret")
		wantCode(t, s.UpdateUser(ctx, newUser(9)), bulwark.ENOTFOUND, "UpdateUser of a missing id")
		list, err := open(t).ListUsers(ctx)
		if err != nil || list == nil || len(list) != 0 {
			t.Fatalf("ListUsers on an empty store = %#v, %v; want an empty slice", list, err)
		}
	})

	t.Run("UpdateUser", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := newUser(1)
		u.EnrolHash, u.EnrolExpiresAt = hash32("e"), ptr(base.Add(time.Hour))
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		u.Role, u.PasswordHash, u.EnrolHash, u.EnrolExpiresAt = auth.RoleViewer, "$argon2id$x", nil, nil
		u.TOTPSecret, u.TOTPLastStep, u.UpdatedAt, u.DisabledAt = "ABC", 42, base.Add(time.Hour), ptr(base.Add(2*time.Hour))
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		got, err := s.UserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertUser(t, got, u)
	})

	t.Run("Sessions", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u, other := newUser(1), newUser(2)
		for _, x := range []*auth.User{u, other} {
			if err := s.CreateUser(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		a, b, c, d := newSession(1, u.ID), newSession(2, u.ID), newSession(3, u.ID), newSession(4, other.ID)
		b.Stage, b.Pending = auth.StageSecondFactor, []byte(`{"kind":"totp-enrol"}`)
		c.ExpiresAt = base.Add(time.Minute) // past at "now" below
		for _, x := range []*auth.Session{a, b, c, d} {
			if err := s.CreateSession(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, s.CreateSession(ctx, newSession(1, u.ID)), bulwark.ECONFLICT, "duplicate session")
		got, err := s.SessionByHash(ctx, b.Hash)
		if err != nil {
			t.Fatal(err)
		}
		assertSession(t, got, b)
		got, err = s.SessionByID(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertSession(t, got, a)
		_, err = s.SessionByHash(ctx, hash32("nope"))
		wantCode(t, err, bulwark.ENOTFOUND, "SessionByHash of an unknown hash")

		b.Stage, b.LastSeenAt, b.Pending, b.RevokedAt = auth.StageFull, base.Add(3*time.Minute), nil, nil
		if err := s.UpdateSession(ctx, b); err != nil {
			t.Fatal(err)
		}
		got, _ = s.SessionByID(ctx, b.ID)
		assertSession(t, got, b)

		now := base.Add(10 * time.Minute)
		live, err := s.ListSessions(ctx, u.ID, now)
		if err != nil || len(live) != 2 || live[0].ID != b.ID || live[1].ID != a.ID {
			t.Fatalf("ListSessions = %v, %v; want b then a (c expired, d another user's)", live, err)
		}
		n, err := s.RevokeSessions(ctx, u.ID, now)
		if err != nil || n != 3 {
			t.Fatalf("RevokeSessions = %d, %v; want 3", n, err)
		}
		if n, _ := s.RevokeSessions(ctx, u.ID, now.Add(time.Hour)); n != 0 {
			t.Fatalf("revoking again revoked %d", n)
		}
		got, _ = s.SessionByID(ctx, a.ID)
		if !samePtrTime(got.RevokedAt, &now) {
			t.Fatalf("revoked at %v, want the first revocation %v", got.RevokedAt, now)
		}
		if live, _ := s.ListSessions(ctx, u.ID, now); len(live) != 0 {
			t.Fatalf("%d sessions listed after revocation", len(live))
		}
		if live, _ := s.ListSessions(ctx, other.ID, now); len(live) != 1 {
			t.Fatal("another user's session must stay")
		}
		// c expired at base+1m, a and b were revoked at now; d lives.
		if n, err := s.DeleteEndedSessions(ctx, now); err != nil || n != 1 {
			t.Fatalf("DeleteEndedSessions(now) = %d, %v; want c alone", n, err)
		}
		if _, err := s.SessionByID(ctx, c.ID); !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			t.Fatalf("c still there: %v", err)
		}
		if n, err := s.DeleteEndedSessions(ctx, now.Add(time.Nanosecond)); err != nil || n != 2 {
			t.Fatalf("DeleteEndedSessions(after the revocations) = %d, %v; want a and b", n, err)
		}
		if _, err := s.SessionByID(ctx, d.ID); err != nil {
			t.Fatalf("a live session was deleted: %v", err)
		}
	})

	t.Run("Passkeys", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := newUser(1)
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		k1 := &auth.Passkey{ID: []byte{1, 0, 0xff}, UserID: u.ID, CreatedAt: base, Credential: []byte(`{"a":1}`)}
		k2 := &auth.Passkey{ID: []byte{2}, UserID: u.ID, CreatedAt: base.Add(time.Second), Credential: []byte(`{"a":2}`)}
		for _, k := range []*auth.Passkey{k1, k2} {
			if err := s.AddPasskey(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		wantCode(t, s.AddPasskey(ctx, k1), bulwark.ECONFLICT, "duplicate passkey")
		k1.Credential, k1.LastUsedAt = []byte(`{"a":3}`), ptr(base.Add(time.Hour))
		if err := s.UpdatePasskey(ctx, k1); err != nil {
			t.Fatal(err)
		}
		keys, err := s.Passkeys(ctx, u.ID)
		if err != nil || len(keys) != 2 || !bytes.Equal(keys[0].ID, k1.ID) || string(keys[0].Credential) != `{"a":3}` ||
			!samePtrTime(keys[0].LastUsedAt, k1.LastUsedAt) || !bytes.Equal(keys[1].ID, k2.ID) || keys[1].LastUsedAt != nil {
			t.Fatalf("Passkeys = %+v, %v", keys, err)
		}
		if err := s.DeletePasskeys(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if keys, _ := s.Passkeys(ctx, u.ID); len(keys) != 0 {
			t.Fatal("passkeys left after DeletePasskeys")
		}
	})

	t.Run("RecoveryCodes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		u := newUser(1)
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecoveryCodes(ctx, u.ID, [][]byte{hash32("a"), hash32("b")}); err != nil {
			t.Fatal(err)
		}
		if err := s.UseRecoveryCode(ctx, u.ID, hash32("a"), base); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.UseRecoveryCode(ctx, u.ID, hash32("a"), base), bulwark.ENOTFOUND, "a code used twice")
		wantCode(t, s.UseRecoveryCode(ctx, u.ID, hash32("x"), base), bulwark.ENOTFOUND, "an unknown code")
		if n, err := s.CountRecoveryCodes(ctx, u.ID); err != nil || n != 1 {
			t.Fatalf("CountRecoveryCodes = %d, %v; want 1", n, err)
		}
		if err := s.SetRecoveryCodes(ctx, u.ID, [][]byte{hash32("c")}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.UseRecoveryCode(ctx, u.ID, hash32("b"), base), bulwark.ENOTFOUND, "a replaced code")
		if err := s.SetRecoveryCodes(ctx, u.ID, nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.CountRecoveryCodes(ctx, u.ID); n != 0 {
			t.Fatalf("%d codes left after clearing", n)
		}
	})
}
