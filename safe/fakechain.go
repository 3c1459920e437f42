package safe

import (
	"context"
	"math/big"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// FakeStateAccount is one account of fakeStateChain.
type FakeStateAccount struct {
	Code    []byte
	Storage map[common.Hash]common.Hash
	Balance *big.Int
	Nonce   uint64
	// What a call to the account (VERSION()) returns: ret, or a revert,
	// or callErr as a node failure.
	Ret     []byte
	Revert  bool
	CallErr error
}

// FakeStateChain is a ChainReader over a map of accounts, counting round trips.
type FakeStateChain struct {
	mu       sync.Mutex
	ID       uint64
	Head     uint64
	Accounts map[common.Address]*FakeStateAccount
	// failing
	ChainErr error
	BatchErr error
	ReadErr  func(r Read) error
	// counters
	Batches int
	Reads   int
	Nonces  int // ReadNonce reads
	Blocks  []BlockID
}

func NewFakeStateChain() *FakeStateChain {
	return &FakeStateChain{ID: 10, Head: 77, Accounts: map[common.Address]*FakeStateAccount{}}
}

func (f *FakeStateChain) ChainID(context.Context) (uint64, error) { return f.ID, f.ChainErr }

func (f *FakeStateChain) BlockNumber(context.Context) (uint64, error) { return f.Head, f.ChainErr }

func (f *FakeStateChain) BatchRead(_ context.Context, block BlockID, reads []Read) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Batches++
	f.Reads += len(reads)
	f.Blocks = append(f.Blocks, block)
	if f.BatchErr != nil {
		for i := range reads {
			reads[i].Err = f.BatchErr
		}
		return f.BatchErr
	}
	for i := range reads {
		r := &reads[i]
		r.Out, r.Reverted, r.Err = nil, false, nil
		if f.ReadErr != nil {
			if r.Err = f.ReadErr(*r); r.Err != nil {
				continue
			}
		}
		acct := f.Accounts[r.Addr]
		if acct == nil {
			acct = &FakeStateAccount{}
		}
		switch r.Kind {
		case ReadCode:
			r.Out = acct.Code
		case ReadStorage:
			w := acct.Storage[r.Slot]
			r.Out = w[:]
		case ReadBalance:
			r.Out = intOrZero(acct.Balance).FillBytes(make([]byte, 32))
		case ReadNonce:
			f.Nonces++
			r.Out = new(big.Int).SetUint64(acct.Nonce).FillBytes(make([]byte, 32))
		case ReadCall:
			switch {
			case acct.CallErr != nil:
				r.Err = acct.CallErr
			case acct.Revert:
				r.Reverted = true
			default:
				r.Out = acct.Ret
			}
		}
	}
	return nil
}

func (f *FakeStateChain) Set(addr common.Address, slot common.Hash, v common.Hash) {
	a := f.Accounts[addr]
	if a.Storage == nil {
		a.Storage = map[common.Hash]common.Hash{}
	}
	a.Storage[slot] = v
}

func SlotWord(a common.Address) common.Hash { return common.BytesToHash(a[:]) }

// SetList writes a sentinel-headed linked list into the mapping at slot.
func (f *FakeStateChain) SetList(addr common.Address, slot common.Hash, list []common.Address) {
	cur := SentinelAddress
	for _, x := range list {
		f.Set(addr, MappingSlot(cur, slot), SlotWord(x))
		cur = x
	}
	f.Set(addr, MappingSlot(cur, slot), SlotWord(SentinelAddress))
}

var (
	FakeProxyCode     = []byte("fake proxy: delegatecall to sload(0)")
	FakeSingletonCode = []byte("fake Safe 1.4.1 singleton")
	FakeSingleton     = common.HexToAddress("0x00000000000000000000000000000000005a1e00")
	FakeSafe          = common.HexToAddress("0x0000000000000000000000000000000000005afe")
)

// FakeRegistry knows fakeSingletonCode as Safe 1.4.1 (at another address:
// identification is by code hash).
func FakeRegistry(t testing.TB) *Registry {
	t.Helper()
	r, err := NewRegistry([]Deployment{
		{Name: "Safe", Version: Version{Major: 1, Minor: 4, Patch: 1}, Type: DeploymentCanonical,
			Address: common.HexToAddress("0x41675C099F32341bf84BFc5382aF534df5C7461a"), CodeHash: crypto.Keccak256Hash(FakeSingletonCode)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func VersionReturn(s string) []byte {
	out := make([]byte, 64+(len(s)+31)/32*32)
	out[31] = 32
	big.NewInt(int64(len(s))).FillBytes(out[32:64])
	copy(out[64:], s)
	return out
}

func FakeOwners(n int) []common.Address {
	out := make([]common.Address, n)
	for i := range out {
		out[i] = common.BigToAddress(big.NewInt(int64(0xa000 + i)))
	}
	return out
}

// AddSafe puts a set-up Safe at addr: singleton, owners, threshold, nonce,
// modules, fallback handler, balance.
func (f *FakeStateChain) AddSafe(addr common.Address, os []common.Address, threshold int, modules []common.Address) {
	f.Accounts[addr] = &FakeStateAccount{Code: FakeProxyCode, Balance: big.NewInt(5e17)}
	f.Set(addr, SlotSingleton, SlotWord(FakeSingleton))
	f.SetList(addr, SlotOwners, os)
	f.Set(addr, SlotOwnerCount, common.BigToHash(big.NewInt(int64(len(os)))))
	f.Set(addr, SlotThreshold, common.BigToHash(big.NewInt(int64(threshold))))
	f.Set(addr, SlotNonce, common.BigToHash(big.NewInt(42)))
	f.SetList(addr, SlotModules, modules)
	f.Set(addr, SlotFallbackHandler, SlotWord(common.HexToAddress("0xfb")))
	if f.Accounts[FakeSingleton] == nil {
		f.Accounts[FakeSingleton] = &FakeStateAccount{Code: FakeSingletonCode, Ret: VersionReturn("1.4.1")}
	}
}
