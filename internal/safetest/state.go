package safetest

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// Storage layout of a Safe proxy, the same in every version from 1.0.0 to
// 1.5.0 (MasterCopy.sol / SafeStorage.sol and the named slots of
// GuardManager, FallbackManager and ModuleManager).
var (
	// SlotMasterCopy (slot 0) holds the singleton ("masterCopy") the proxy
	// delegates to: what the Bybit trojan overwrote.
	SlotMasterCopy = common.BigToHash(big.NewInt(0))
	// SlotModules (slot 1) is the modules mapping, a linked list from Sentinel.
	SlotModules = common.BigToHash(big.NewInt(1))
	// SlotOwners (slot 2) is the owners mapping, a linked list from Sentinel.
	SlotOwners = common.BigToHash(big.NewInt(2))
	// SlotOwnerCount (slot 3) is ownerCount.
	SlotOwnerCount = common.BigToHash(big.NewInt(3))
	// SlotThreshold (slot 4) is the threshold.
	SlotThreshold = common.BigToHash(big.NewInt(4))
	// SlotNonce (slot 5) is the nonce.
	SlotNonce = common.BigToHash(big.NewInt(5))
	// GuardSlot is keccak256("guard_manager.guard.address"), from 1.3.0.
	GuardSlot = crypto.Keccak256Hash([]byte("guard_manager.guard.address"))
	// FallbackHandlerSlot is keccak256("fallback_manager.handler.address"),
	// from 1.1.0.
	FallbackHandlerSlot = crypto.Keccak256Hash([]byte("fallback_manager.handler.address"))
	// ModuleGuardSlot is keccak256("module_manager.module_guard.address"),
	// from 1.5.0.
	ModuleGuardSlot = crypto.Keccak256Hash([]byte("module_manager.module_guard.address"))
)

// Sentinel (0x…01) heads and ends the owner and module linked lists.
var Sentinel = common.HexToAddress("0x0000000000000000000000000000000000000001")

// maxListLen bounds a linked-list walk, against a corrupted list.
const maxListLen = 1000

// MappingSlot returns the storage slot of mapping(address => …)[key] for
// a mapping declared at slot: keccak256(pad32(key) ‖ slot).
func MappingSlot(key common.Address, slot common.Hash) common.Hash {
	return crypto.Keccak256Hash(common.LeftPadBytes(key[:], 32), slot[:])
}

// State is a Safe's security-relevant state, read from storage (not through
// the Safe's functions, which a replaced singleton no longer answers).
type State struct {
	MasterCopy      common.Address
	Owners          []common.Address // in list order
	OwnerCount      *big.Int
	Threshold       *big.Int
	Nonce           *big.Int
	Modules         []common.Address // in list order
	Guard           common.Address
	FallbackHandler common.Address
	ModuleGuard     common.Address
	Balance         *big.Int // ETH, wei
}

// ReadState reads the state of the Safe at addr at the latest block.
func (c *Chain) ReadState(t testing.TB, addr common.Address) State {
	t.Helper()
	return c.ReadStateAt(t, addr, ethrpc.Latest)
}

// ReadStateAt reads the state of the Safe at addr at block. The fixed slots
// and the balance come in one batch; the linked lists are walked one slot
// at a time. A list that is not closed by Sentinel within 1,000 entries
// fails t.
func (c *Chain) ReadStateAt(t testing.TB, addr common.Address, block ethrpc.BlockRef) State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	slots := []common.Hash{SlotMasterCopy, SlotOwnerCount, SlotThreshold, SlotNonce, GuardSlot, FallbackHandlerSlot, ModuleGuardSlot}
	words := make([]hexutil.Bytes, len(slots))
	var balance hexutil.Big
	batch := make([]ethrpc.BatchElem, 0, len(slots)+1)
	for i, s := range slots {
		batch = append(batch, ethrpc.BatchElem{Method: "eth_getStorageAt", Args: []any{addr, s, block}, Result: &words[i]})
	}
	batch = append(batch, ethrpc.BatchElem{Method: "eth_getBalance", Args: []any{addr, block}, Result: &balance})
	if err := c.RPC.BatchCall(ctx, batch); err != nil {
		t.Fatalf("safetest: read state of %s: %v", addr, err)
	}
	for _, b := range batch {
		if b.Error != nil {
			t.Fatalf("safetest: read state of %s: %s: %v", addr, b.Method, b.Error)
		}
	}
	word := func(i int) common.Hash { return common.BytesToHash(words[i]) }
	st := State{
		MasterCopy:      common.BytesToAddress(word(0).Bytes()),
		OwnerCount:      word(1).Big(),
		Threshold:       word(2).Big(),
		Nonce:           word(3).Big(),
		Guard:           common.BytesToAddress(word(4).Bytes()),
		FallbackHandler: common.BytesToAddress(word(5).Bytes()),
		ModuleGuard:     common.BytesToAddress(word(6).Bytes()),
		Balance:         balance.ToInt(),
	}
	st.Owners = c.walkList(t, addr, SlotOwners, block, "owners")
	st.Modules = c.walkList(t, addr, SlotModules, block, "modules")
	return st
}

// walkList follows a Sentinel-headed linked list stored in the mapping at
// slot. An uninitialised list (Sentinel → 0, e.g. a module list before
// setup) is empty.
func (c *Chain) walkList(t testing.TB, addr common.Address, slot common.Hash, block ethrpc.BlockRef, what string) []common.Address {
	t.Helper()
	var out []common.Address
	seen := map[common.Address]bool{}
	cur := Sentinel
	for {
		next := common.BytesToAddress(c.Storage(t, addr, MappingSlot(cur, slot), block).Bytes())
		switch {
		case next == Sentinel:
			return out
		case next == (common.Address{}):
			if cur == Sentinel {
				return out
			}
			t.Fatalf("safetest: %s list of %s breaks off after %s", what, addr, cur)
		case seen[next] || len(out) >= maxListLen:
			t.Fatalf("safetest: %s list of %s loops or exceeds %d entries", what, addr, maxListLen)
		}
		seen[next] = true
		out = append(out, next)
		cur = next
	}
}

// CloneSafe copies the code and the state-bearing storage of the Safe at
// src to n new addresses with anvil_setCode and anvil_setStorageAt (in
// batches): clone i gets nonce i and a balance of i+1 wei.
func (c *Chain) CloneSafe(t testing.TB, src common.Address, n int) []common.Address {
	t.Helper()
	st := c.ReadState(t, src)
	slots := []common.Hash{onchain.SlotSingleton, onchain.SlotOwnerCount, onchain.SlotThreshold, onchain.SlotGuard, onchain.SlotFallbackHandler, onchain.SlotModuleGuard}
	for _, k := range append([]common.Address{onchain.SentinelAddress}, st.Owners...) {
		slots = append(slots, onchain.MappingSlot(k, onchain.SlotOwners))
	}
	for _, k := range append([]common.Address{onchain.SentinelAddress}, st.Modules...) {
		slots = append(slots, onchain.MappingSlot(k, onchain.SlotModules))
	}
	values := make([]common.Hash, len(slots))
	for i, s := range slots {
		values[i] = c.Storage(t, src, s, ethrpc.Latest)
	}
	code := hexutil.Bytes(c.Code(t, src))
	addrs := make([]common.Address, n)
	var batch []ethrpc.BatchElem
	for i := range addrs {
		a := common.BigToAddress(new(big.Int).Add(big.NewInt(0x5afe0000), big.NewInt(int64(i))))
		a[0] = 0x5a // far from precompiles and the accounts Anvil funds
		addrs[i] = a
		batch = append(batch,
			ethrpc.BatchElem{Method: "anvil_setCode", Args: []any{a, code}},
			ethrpc.BatchElem{Method: "anvil_setBalance", Args: []any{a, (*hexutil.Big)(big.NewInt(int64(i + 1)))}},
			ethrpc.BatchElem{Method: "anvil_setStorageAt", Args: []any{a, onchain.SlotNonce, common.BigToHash(big.NewInt(int64(i)))}})
		for k, s := range slots {
			if values[k] != (common.Hash{}) {
				batch = append(batch, ethrpc.BatchElem{Method: "anvil_setStorageAt", Args: []any{a, s, values[k]}})
			}
		}
	}
	if err := c.RPC.BatchCall(context.Background(), batch); err != nil {
		t.Fatalf("clone %s: %v", src, err)
	}
	for _, e := range batch {
		if e.Error != nil {
			t.Fatalf("clone %s: %s: %v", src, e.Method, e.Error)
		}
	}
	return addrs
}
