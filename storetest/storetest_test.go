package storetest_test

import (
	"bytes"
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/storetest"
)

// memStore is the smallest store that meets the contracts. Running the
// suite against it as well as SQLite shows the suite asks for the
// contracts, not for SQLite's habits.
type memStore struct {
	mu     sync.Mutex
	tokens map[string]*auth.Token
	order  []string
	log    []*audit.Entry
}

var (
	_ auth.TokenStore = (*memStore)(nil)
	_ audit.Store     = (*memStore)(nil)
)

func newMemStore(*testing.T) *memStore { return &memStore{tokens: map[string]*auth.Token{}} }

func copyToken(t *auth.Token) *auth.Token {
	c := *t
	c.Hash = bytes.Clone(t.Hash)
	c.CreatedAt = t.CreatedAt.UTC()
	for _, p := range []**time.Time{&c.ExpiresAt, &c.LastUsedAt, &c.RevokedAt} {
		if *p != nil {
			u := (*p).UTC()
			*p = &u
		}
	}
	return &c
}

func (m *memStore) CreateToken(_ context.Context, t *auth.Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tokens[t.ID]; ok {
		return bulwark.Errorf(bulwark.ECONFLICT, "a token with id %s already exists", t.ID)
	}
	for _, o := range m.tokens {
		if o.Name == t.Name {
			return bulwark.Errorf(bulwark.ECONFLICT, "a token named %s already exists", t.Name)
		}
	}
	m.tokens[t.ID] = copyToken(t)
	m.order = append(m.order, t.ID)
	return nil
}

func (m *memStore) TokenByID(_ context.Context, id string) (*auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no token with id %q", id)
	}
	return copyToken(t), nil
}

func (m *memStore) ListTokens(context.Context) ([]*auth.Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []*auth.Token{}
	for _, id := range m.order {
		out = append(out, copyToken(m.tokens[id]))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

func (m *memStore) update(id string, f func(t *auth.Token)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return bulwark.Errorf(bulwark.ENOTFOUND, "no token with id %q", id)
	}
	f(t)
	return nil
}

func (m *memStore) RevokeToken(_ context.Context, id string, at time.Time) error {
	return m.update(id, func(t *auth.Token) {
		if t.RevokedAt == nil {
			at = at.UTC()
			t.RevokedAt = &at
		}
	})
}

func (m *memStore) TouchToken(_ context.Context, id string, at time.Time) error {
	return m.update(id, func(t *auth.Token) { at = at.UTC(); t.LastUsedAt = &at })
}

func (m *memStore) CountTokens(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.tokens), nil
}

func (m *memStore) head() audit.Head {
	if len(m.log) == 0 {
		return audit.Head{Seq: 0, Hash: audit.GenesisHash}
	}
	last := m.log[len(m.log)-1]
	return audit.Head{Seq: last.Seq, Hash: last.Hash}
}

func (m *memStore) AppendAudit(ctx context.Context, build func(context.Context, audit.Head) (*audit.Entry, error)) (*audit.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.head()
	e, err := build(ctx, h)
	if err != nil {
		return nil, err
	}
	if e == nil || e.Seq != h.Seq+1 || e.PrevHash != h.Hash || e.Hash != e.ComputeHash() {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "audit entry does not extend the chain")
	}
	c := *e
	c.Time = e.Time.UTC()
	c.Details = bytes.Clone(e.Details)
	m.log = append(m.log, &c)
	return e, nil
}

func (m *memStore) AuditEntries(_ context.Context, after int64, limit int) ([]*audit.Entry, error) {
	if limit <= 0 {
		return nil, bulwark.Invalid("limit", "must be positive")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []*audit.Entry{}
	for _, e := range m.log {
		if e.Seq > after && len(out) < limit {
			c := *e
			c.Details = bytes.Clone(e.Details)
			out = append(out, &c)
		}
	}
	return out, nil
}

func (m *memStore) AuditHead(context.Context) (audit.Head, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.head(), nil
}

func TestMemStore(t *testing.T) {
	storetest.TokenStore(t, func(t *testing.T) auth.TokenStore { return newMemStore(t) })
	storetest.AuditStore(t, func(t *testing.T) audit.Store { return newMemStore(t) })
}
