package cosign_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"math/big"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/safe/cosign"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/sqlite/sqlitetest"
)

// keySigner is a cosign.Signer over a go-ethereum key held in memory.
type keySigner struct{ key *ecdsa.PrivateKey }

func (k keySigner) Address() common.Address { return crypto.PubkeyToAddress(k.key.PublicKey) }

func (k keySigner) SignHash(h common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(h[:], k.key)
	if err != nil {
		return nil, err
	}
	sig[64] += 27
	return sig, nil
}

// memStore is a cosign.Store in memory, with the contract's semantics.
type memStore struct {
	mu   sync.Mutex
	sigs []cosign.SignatureRecord
	apps []cosign.Approval
}

func sameKey(a, b *big.Int) bool { return a != nil && b != nil && a.Cmp(b) == 0 }

func (m *memStore) SaveSignature(_ context.Context, r cosign.SignatureRecord) (*cosign.SignatureRecord, error) {
	if r.ChainID == nil || r.Safe == (common.Address{}) || r.Nonce == nil || r.SafeTxHash == (common.Hash{}) ||
		r.Signer == (common.Address{}) || len(r.Signature) != 65 || r.Verdict == "" || r.AuditSeq == 0 {
		return nil, bulwark.Invalid("signature", "incomplete record %+v", r)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.sigs {
		if sameKey(p.ChainID, r.ChainID) && p.Safe == r.Safe && sameKey(p.Nonce, r.Nonce) {
			p := p
			return &p, nil
		}
	}
	r.Time = time.Now().UTC()
	m.sigs = append(m.sigs, r)
	return nil, nil
}

func (m *memStore) Signature(_ context.Context, chainID *big.Int, safe common.Address, nonce *big.Int) (*cosign.SignatureRecord, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.sigs {
		if sameKey(p.ChainID, chainID) && p.Safe == safe && sameKey(p.Nonce, nonce) {
			p := p
			return &p, nil
		}
	}
	return nil, bulwark.Errorf(bulwark.ENOTFOUND, "no co-signature")
}

func (m *memStore) AddApproval(_ context.Context, a cosign.Approval) error {
	if a.ChainID == nil || a.Safe == (common.Address{}) || a.SafeTxHash == (common.Hash{}) || a.Approver == "" || a.AuditSeq == 0 {
		return bulwark.Invalid("approval", "incomplete approval %+v", a)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range m.apps {
		if sameKey(p.ChainID, a.ChainID) && p.Safe == a.Safe && p.SafeTxHash == a.SafeTxHash && p.Approver == a.Approver {
			return bulwark.Errorf(bulwark.ECONFLICT, "already approved")
		}
	}
	a.Time = time.Now().UTC()
	m.apps = append(m.apps, a)
	return nil
}

func (m *memStore) Approvals(_ context.Context, chainID *big.Int, safe common.Address, h common.Hash) ([]cosign.Approval, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []cosign.Approval{}
	for _, p := range m.apps {
		if sameKey(p.ChainID, chainID) && p.Safe == safe && p.SafeTxHash == h {
			out = append(out, p)
		}
	}
	return out, nil
}

func (m *memStore) signatures() []cosign.SignatureRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.sigs)
}

// env is a co-signer's store, audit log and verification records.
type env struct {
	db    *sqlite.DB
	store *memStore
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
	return &env{db: db, store: &memStore{}, log: &audit.Log{Store: db}}
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

// packed packs signatures by signer address, ascending.
func packed(sigs map[common.Address][]byte) []byte {
	keys := make([]common.Address, 0, len(sigs))
	for a := range sigs {
		keys = append(keys, a)
	}
	slices.SortFunc(keys, func(a, b common.Address) int { return bytes.Compare(a[:], b[:]) })
	var out []byte
	for _, k := range keys {
		out = append(out, sigs[k]...)
	}
	return out
}
