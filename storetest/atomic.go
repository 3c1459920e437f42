package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
)

// Store is an adapter that holds both tokens and the audit log, as every
// Bulwark store does.
type Store interface {
	auth.TokenStore
	audit.Store
}

// Atomic checks that a change made through the store with the context that
// AppendAudit hands to build (audit.Log.Do) is part of the audit
// transaction: kept with its entry or rolled back with it, visible to reads
// made with that context and to no other reader before it commits.
func Atomic(t *testing.T, open func(t *testing.T) Store) {
	t.Run("ChangeAndEntryCommitTogether", func(t *testing.T) { changeAndEntryCommitTogether(t, open) })
	t.Run("ReadsInsideSeeTheirWrites", func(t *testing.T) { readsInsideSeeTheirWrites(t, open) })
}

func changeAndEntryCommitTogether(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	db := open(t)
	log := &audit.Log{Store: db}
	tokens := &auth.Service{Store: db}
	boom := errors.New("boom")

	tests := []struct {
		name   string
		change func(ctx context.Context) (audit.Event, error)
		kept   bool
	}{
		{"change fails", func(ctx context.Context) (audit.Event, error) {
			if _, _, err := tokens.Create(ctx, "a", auth.RoleViewer, auth.CreateOptions{}); err != nil {
				return audit.Event{}, err
			}
			return audit.Event{}, boom
		}, false},
		{"event is invalid", func(ctx context.Context) (audit.Event, error) {
			_, _, err := tokens.Create(ctx, "a", auth.RoleViewer, auth.CreateOptions{})
			return audit.Event{Actor: "test"}, err // no action: the entry is refused
		}, false},
		{"both succeed", func(ctx context.Context) (audit.Event, error) {
			_, tok, err := tokens.Create(ctx, "a", auth.RoleViewer, auth.CreateOptions{})
			return audit.Event{Actor: "test", Action: "token.create", Target: "token:" + tok.ID}, err
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := db.AuditHead(ctx)
			_, err := log.Do(ctx, tt.change)
			if (err == nil) != tt.kept {
				t.Fatalf("Do = %v", err)
			}
			list, err := db.ListTokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			head, _ := db.AuditHead(ctx)
			if got := len(list) == 1; got != tt.kept {
				t.Fatalf("token kept = %v, want %v", got, tt.kept)
			}
			if got := head.Seq == before.Seq+1; got != tt.kept {
				t.Fatalf("entry kept = %v (head %d → %d), want %v", got, before.Seq, head.Seq, tt.kept)
			}
		})
	}
	rep, err := audit.Verify(ctx, db, nil)
	if err != nil || !rep.Intact() || rep.Entries != 1 {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

func readsInsideSeeTheirWrites(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	db := open(t)
	log := &audit.Log{Store: db}
	tokens := &auth.Service{Store: db}
	plain, tok, err := tokens.Create(ctx, "victim", auth.RoleAdmin, auth.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = log.Do(ctx, func(txctx context.Context) (audit.Event, error) {
		r, err := tokens.Revoke(txctx, tok.ID)
		if err != nil {
			return audit.Event{}, err
		}
		if r.RevokedAt == nil {
			t.Error("inside the transaction the revocation is not visible")
		}
		outside, err := db.TokenByID(ctx, tok.ID)
		if err != nil {
			return audit.Event{}, err
		}
		if outside.RevokedAt != nil {
			t.Error("a reader outside the transaction sees an uncommitted revocation")
		}
		if _, err := db.AuditHead(txctx); err != nil {
			return audit.Event{}, err
		}
		if _, err := db.AuditEntries(txctx, 0, 10); err != nil {
			return audit.Event{}, err
		}
		return audit.Event{Actor: "test", Action: "token.revoke", Target: "token:" + tok.ID}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tokens.Authenticate(ctx, plain); bulwark.ErrorCode(err) != bulwark.EUNAUTHORIZED {
		t.Fatalf("revoked token still authenticates: %v", err)
	}
}
