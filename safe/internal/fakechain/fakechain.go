// Package fakechain is a onchain.ChainReader over a map of accounts, for the
// tests of the safe packages: it counts round trips and reads, can fail on
// demand, and sets up Safes (singleton, owners, modules, threshold) in
// storage as the contracts lay them out.
package fakechain

import (
	"context"
	"math/big"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// Account is one account of a Chain.
type Account struct {
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

// Chain is a onchain.ChainReader over a map of accounts, counting round trips.
type Chain struct {
	mu       sync.Mutex
	ID       uint64
	Head     uint64
	Accounts map[common.Address]*Account
	// failing
	ChainErr error
	BatchErr error
	ReadErr  func(r onchain.Read) error
	// counters
	Batches int
	Reads   int
	Nonces  int // ReadNonce reads
	Blocks  []onchain.BlockID
}

// New returns an empty chain with id 10 at block 77.
func New() *Chain {
	return &Chain{ID: 10, Head: 77, Accounts: map[common.Address]*Account{}}
}

// ChainID returns ID, or ChainErr.
func (f *Chain) ChainID(context.Context) (uint64, error) { return f.ID, f.ChainErr }

// BlockNumber returns Head, or ChainErr.
func (f *Chain) BlockNumber(context.Context) (uint64, error) { return f.Head, f.ChainErr }

// BatchRead answers reads from the accounts, counting the batch and its
// reads; BatchErr fails the batch, ReadErr a read.
func (f *Chain) BatchRead(_ context.Context, block onchain.BlockID, reads []onchain.Read) error {
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
			acct = &Account{}
		}
		switch r.Kind {
		case onchain.ReadCode:
			r.Out = acct.Code
		case onchain.ReadStorage:
			w := acct.Storage[r.Slot]
			r.Out = w[:]
		case onchain.ReadBalance:
			r.Out = make([]byte, 32)
			if acct.Balance != nil {
				acct.Balance.FillBytes(r.Out)
			}
		case onchain.ReadNonce:
			f.Nonces++
			r.Out = new(big.Int).SetUint64(acct.Nonce).FillBytes(make([]byte, 32))
		case onchain.ReadCall:
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

// Set stores v at slot of the account at addr, which must exist.
func (f *Chain) Set(addr common.Address, slot common.Hash, v common.Hash) {
	a := f.Accounts[addr]
	if a.Storage == nil {
		a.Storage = map[common.Hash]common.Hash{}
	}
	a.Storage[slot] = v
}

// SlotWord is a as a storage word.
func SlotWord(a common.Address) common.Hash { return common.BytesToHash(a[:]) }

// SetList writes a sentinel-headed linked list into the mapping at slot.
func (f *Chain) SetList(addr common.Address, slot common.Hash, list []common.Address) {
	cur := onchain.SentinelAddress
	for _, x := range list {
		f.Set(addr, onchain.MappingSlot(cur, slot), SlotWord(x))
		cur = x
	}
	f.Set(addr, onchain.MappingSlot(cur, slot), SlotWord(onchain.SentinelAddress))
}

// The fake proxy and singleton code, the singleton's address and the
// address AddSafe is usually given.
var (
	ProxyCode     = []byte("fake proxy: delegatecall to sload(0)")
	SingletonCode = []byte("fake Safe 1.4.1 singleton")
	Singleton     = common.HexToAddress("0x00000000000000000000000000000000005a1e00")
	Safe          = common.HexToAddress("0x0000000000000000000000000000000000005afe")
)

// Registry knows SingletonCode as Safe 1.4.1 (at another address:
// identification is by code hash).
func Registry(t testing.TB) *decode.Registry {
	t.Helper()
	r, err := decode.NewRegistry([]decode.Deployment{
		{Name: "Safe", Version: safe.Version{Major: 1, Minor: 4, Patch: 1}, Type: decode.DeploymentCanonical,
			Address: common.HexToAddress("0x41675C099F32341bf84BFc5382aF534df5C7461a"), CodeHash: crypto.Keccak256Hash(SingletonCode)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// VersionReturn is VERSION()'s ABI-encoded return of s.
func VersionReturn(s string) []byte {
	out := make([]byte, 64+(len(s)+31)/32*32)
	out[31] = 32
	big.NewInt(int64(len(s))).FillBytes(out[32:64])
	copy(out[64:], s)
	return out
}

// Owners returns n distinct owner addresses.
func Owners(n int) []common.Address {
	out := make([]common.Address, n)
	for i := range out {
		out[i] = common.BigToAddress(big.NewInt(int64(0xa000 + i)))
	}
	return out
}

// AddSafe puts a set-up Safe at addr: singleton, owners, threshold, nonce,
// modules, fallback handler, balance.
func (f *Chain) AddSafe(addr common.Address, os []common.Address, threshold int, modules []common.Address) {
	f.Accounts[addr] = &Account{Code: ProxyCode, Balance: big.NewInt(5e17)}
	f.Set(addr, onchain.SlotSingleton, SlotWord(Singleton))
	f.SetList(addr, onchain.SlotOwners, os)
	f.Set(addr, onchain.SlotOwnerCount, common.BigToHash(big.NewInt(int64(len(os)))))
	f.Set(addr, onchain.SlotThreshold, common.BigToHash(big.NewInt(int64(threshold))))
	f.Set(addr, onchain.SlotNonce, common.BigToHash(big.NewInt(42)))
	f.SetList(addr, onchain.SlotModules, modules)
	f.Set(addr, onchain.SlotFallbackHandler, SlotWord(common.HexToAddress("0xfb")))
	if f.Accounts[Singleton] == nil {
		f.Accounts[Singleton] = &Account{Code: SingletonCode, Ret: VersionReturn("1.4.1")}
	}
}
