package cosign_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// defaultIndex is the index of the default lists compiled into Bulwark
// (OFAC SDN, UN, the FBI's DPRK addresses), which a fresh data directory
// starts with.
var defaultIndex = sync.OnceValues(func() (*screening.Index, error) {
	lists, err := sources.Embedded()
	if err != nil {
		return nil, err
	}
	return screening.BuildIndex(lists, time.Now()), nil
})

// defaultScreener screens against defaultIndex (a test that cannot read it
// fails: nothing is screened then).
var defaultScreener = policy.IndexScreener(func() *screening.Index {
	ix, err := defaultIndex()
	if err != nil {
		panic("the embedded default lists do not read: " + err.Error())
	}
	return ix
})

// countingStore is the SQLite store, counting the co-signatures it
// stored.
type countingStore struct {
	cosign.Store
	mu    sync.Mutex
	saved []cosign.SignatureRecord
}

func (c *countingStore) SaveSignature(ctx context.Context, r cosign.SignatureRecord) (*cosign.SignatureRecord, error) {
	prior, err := c.Store.SaveSignature(ctx, r)
	if err == nil && prior == nil {
		c.mu.Lock()
		c.saved = append(c.saved, r)
		c.mu.Unlock()
	}
	return prior, err
}

func (c *countingStore) signatures() []cosign.SignatureRecord {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.saved)
}

// env is a co-signer's store, audit log and verification records.
type env struct {
	db    *sqlite.DB
	store *countingStore
	log   *audit.Log
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, sqlitetest.NewFile(t), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &env{db: db, store: &countingStore{Store: db}, log: &audit.Log{Store: db}}
}

// entries returns the audit entries of action.
func (e *env) entries(t testing.TB, action string) []*audit.Entry {
	t.Helper()
	all, err := e.db.AuditEntries(context.Background(), 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	var out []*audit.Entry
	for _, en := range all {
		if en.Action == action {
			out = append(out, en)
		}
	}
	return out
}

func codesOf(fs []policy.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Code
	}
	return out
}
