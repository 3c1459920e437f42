package onchain_test

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

// TestKnownProxyCode checks the pinned proxy code hashes against the
// proxy artifacts of every release the harness has.
func TestKnownProxyCode(t *testing.T) {
	for _, v := range safetest.Versions() {
		a := safetest.RequireArtifacts(t, v)
		if got := onchain.KnownProxyCode(a.Proxy.CodeHash()); got != v {
			t.Errorf("%s: KnownProxyCode(%s of %s) = %q", v, a.Proxy.CodeHash(), a.Proxy.Name, got)
		}
		// The singletons the harness deploys are the pinned deployments.
		if ds := decode.KnownDeployments().ByCodeHash(a.Singleton.CodeHash()); len(ds) == 0 || ds[0].Version.Core() != v {
			t.Errorf("%s: singleton code %s is not a known %s deployment: %v", v, a.Singleton.CodeHash(), v, ds)
		}
	}
}

// TestStateOnAnvil reads Safes of every version the harness deploys on one
// Anvil node: their state against the harness's own storage reader, the
// version, the changes ordinary transactions make, the Bybit replay, and
// addresses that are not Safes.
func TestStateOnAnvil(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	for _, v := range safetest.Versions() {
		t.Run(v, func(t *testing.T) {
			d := safetest.Deploy(t, chain, v)
			t.Run("read", func(t *testing.T) { testReadOnChain(t, d) })
			t.Run("changes", func(t *testing.T) { testChangesOnChain(t, d) })
			t.Run("bybit", func(t *testing.T) { testBybitOnChain(t, d) })
		})
	}
	t.Run("not a Safe", func(t *testing.T) { testNotSafeOnChain(t, chain) })
	t.Run("batch", func(t *testing.T) { testBatchOnChain(t, chain) })
}

func readState(t *testing.T, c *safetest.Chain, addr common.Address, block onchain.BlockID) *onchain.State {
	t.Helper()
	st, err := onchain.ReadState(context.Background(), c.RPC, addr, block)
	if err != nil {
		t.Fatalf("ReadState(%s, %s): %v", addr, block, err)
	}
	return st
}

// sameAsHarness compares a state with the harness's reading of storage.
func sameAsHarness(t *testing.T, got *onchain.State, want safetest.State) {
	t.Helper()
	if got.Singleton != want.MasterCopy || !slices.Equal(got.Owners, want.Owners) || got.OwnerCount.Cmp(want.OwnerCount) != 0 ||
		got.Threshold.Cmp(want.Threshold) != 0 || got.Nonce.Cmp(want.Nonce) != 0 || !slices.Equal(got.Modules, want.Modules) ||
		got.Guard != want.Guard || got.FallbackHandler != want.FallbackHandler || got.ModuleGuard != want.ModuleGuard ||
		got.Balance.Cmp(want.Balance) != 0 || got.OwnersStatus != onchain.ListOK || got.ModulesStatus != onchain.ListOK {
		t.Errorf("ReadState differs from the harness:\n got %+v\nwant %+v", got, want)
	}
}

func testReadOnChain(t *testing.T, d *safetest.Deployment) {
	c, v := d.Chain, d.Version.String()
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(2))

	st := readState(t, c, s.Address, onchain.LatestBlock)
	sameAsHarness(t, st, s.State(t))
	if n, ok := st.Block.Number(); !ok || n != c.BlockNumber(t) || st.ChainID != anviltest.DefaultChainID {
		t.Errorf("block %s chain %d", st.Block, st.ChainID)
	}
	if st.ProxyVersion != v || st.ProxyCodeHash != d.Artifacts.Proxy.CodeHash() {
		t.Errorf("proxy %q %s, want %s %s", st.ProxyVersion, st.ProxyCodeHash, v, d.Artifacts.Proxy.CodeHash())
	}
	// On Anvil the singleton is at another address than the canonical
	// one; its code is the same, which is what identifies it.
	if st.SingletonCodeHash != d.Artifacts.Singleton.CodeHash() || !st.SingletonKnown() || st.ReportedVersion != v || st.VersionCallFailure != "" {
		t.Errorf("singleton code %s known %v VERSION() %q (%s)", st.SingletonCodeHash, st.SingletonKnown(), st.ReportedVersion, st.VersionCallFailure)
	}
	if canonical := st.SingletonDeployments[0].Address; canonical == d.Singleton {
		t.Errorf("the Anvil singleton sits at the canonical address %s", canonical)
	}

	got, st2, err := onchain.DetectVersion(context.Background(), c.RPC, s.Address, onchain.LatestBlock)
	if err != nil || got.String() != v || st2 == nil {
		t.Fatalf("DetectVersion = %v, %v", got, err)
	}
	// The domain built from the state is the one the contract uses.
	dom, err := st.Domain()
	if err != nil {
		t.Fatal(err)
	}
	sep, err := dom.Separator()
	if err != nil {
		t.Fatal(err)
	}
	if onchain := c.Call(t, s.Singleton, s.Address, "domainSeparator")[0].([32]byte); sep != common.Hash(onchain) {
		t.Errorf("domain separator %s, contract %x", sep, onchain)
	}

	if d.SingletonL2 != (common.Address{}) {
		l2 := d.CreateSafe(t, safetest.SafeOptions{Owners: owners[:2], Threshold: 1, L2: true})
		got, st, err := onchain.DetectVersion(context.Background(), c.RPC, l2.Address, onchain.LatestBlock)
		if err != nil || got.String() != v+"+L2" || st.Singleton != d.SingletonL2 {
			t.Errorf("L2 Safe: DetectVersion = %v, %v (singleton %v)", got, err, st)
		}
	}
}

func testChangesOnChain(t *testing.T, d *safetest.Deployment) {
	c := d.Chain
	owners := safetest.NewOwners(7)
	s := d.NewSafe(t, 3, owners[:6]...)
	before := readState(t, c, s.Address, onchain.LatestBlock)
	step := func(name string, tx safe.Tx, want ...onchain.Change) {
		t.Helper()
		nonce := before.Nonce
		s.MustExec(t, tx, safetest.EIP712, owners[:before.Threshold.Int64()]...)
		after := readState(t, c, s.Address, onchain.LatestBlock)
		sameAsHarness(t, after, s.State(t))
		want = append(want, onchain.Change{Kind: onchain.ChangeNonce, Before: nonce.String(), After: new(big.Int).Add(nonce, big.NewInt(1)).String()})
		if got := onchain.DiffStates(before, after); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: DiffStates =\n  %v\nwant\n  %v", name, got, want)
		}
		before = after
	}
	zero := common.Address{}.Hex()

	step("addOwnerWithThreshold", s.AddOwnerWithThresholdTx(t, owners[6].Address, 4),
		onchain.Change{Kind: onchain.ChangeOwnerAdded, After: owners[6].Address.Hex()},
		onchain.Change{Kind: onchain.ChangeThreshold, Before: "3", After: "4"})
	module := common.HexToAddress("0x000000000000000000000000000000000000d0d0")
	step("enableModule", s.EnableModuleTx(t, module),
		onchain.Change{Kind: onchain.ChangeModuleEnabled, After: module.Hex()})
	if d.Version.DomainHasChainID() { // guards exist from 1.3.0
		guard := c.DeployGuard(t)
		step("setGuard", s.SetGuardTx(t, guard),
			onchain.Change{Kind: onchain.ChangeGuard, Before: zero, After: guard.Hex()})
	}
	step("setFallbackHandler", s.SetFallbackHandlerTx(t, common.Address{}),
		onchain.Change{Kind: onchain.ChangeFallbackHandler, Before: d.FallbackHandler.Hex(), After: zero})

	// The module guard (1.5.0) needs a guard contract the harness does not
	// have: write the slot directly and check it is read and diffed.
	mg := common.HexToAddress("0x00000000000000000000000000000000000a6a6d")
	anvilSetStorage(t, c, s.Address, onchain.SlotModuleGuard, common.BytesToHash(mg[:]))
	after := readState(t, c, s.Address, onchain.LatestBlock)
	if got, want := onchain.DiffStates(before, after), []onchain.Change{{Kind: onchain.ChangeModuleGuard, Before: zero, After: mg.Hex()}}; !reflect.DeepEqual(got, want) {
		t.Errorf("module guard: DiffStates = %v", got)
	}
}

func testBybitOnChain(t *testing.T, d *safetest.Deployment) {
	c, ctx := d.Chain, context.Background()
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(100))
	trojan, backdoor := c.DeployTrojan(t), c.DeployTrojan(t)
	before := readState(t, c, s.Address, onchain.LatestBlock)

	e := s.Exec(t, safetest.BybitTx(trojan, backdoor, s.Nonce(t)), s.Sign(t, safetest.BybitTx(trojan, backdoor, s.Nonce(t)), safetest.EthSign, owners[4], owners[0], owners[2]))
	e.RequireSuccess(t)

	// The state is still read, from storage: the proxy is a known Safe
	// proxy whatever slot 0 now says.
	after := readState(t, c, s.Address, onchain.LatestBlock)
	sameAsHarness(t, after, s.State(t))
	if after.Singleton != backdoor || after.ProxyVersion != d.Version.String() || after.SingletonKnown() || after.VersionCallFailure != "reverted" {
		t.Errorf("after the attack: singleton %s proxy %q known %v VERSION() %q", after.Singleton, after.ProxyVersion, after.SingletonKnown(), after.VersionCallFailure)
	}
	want := []onchain.Change{
		{Kind: onchain.ChangeSingleton, Before: d.Singleton.Hex(), After: backdoor.Hex()},
		{Kind: onchain.ChangeNonce, Before: before.Nonce.String(), After: after.Nonce.String()},
	}
	if got := onchain.DiffStates(before, after); !reflect.DeepEqual(got, want) {
		t.Errorf("DiffStates =\n  %v\nwant\n  %v", got, want)
	}
	// The version of a hijacked Safe cannot be established: refuse.
	_, _, err := onchain.DetectVersion(ctx, c.RPC, s.Address, onchain.LatestBlock)
	if msg := bulwark.ErrorMessage(err); !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(msg, backdoor.Hex()) ||
		!strings.Contains(msg, "VERSION() reverted") || !strings.Contains(msg, "--safe-version") {
		t.Errorf("DetectVersion after the attack: %s %q", bulwark.ErrorCode(err), msg)
	}

	// At the block before, by number and by hash, the Safe was intact.
	prev := e.Block() - 1
	h, err := c.RPC.HeaderByNumber(ctx, ethrpc.AtBlock(prev))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []onchain.BlockID{onchain.AtBlockNumber(prev), onchain.AtBlockHash(h.Hash)} {
		old := readState(t, c, s.Address, b)
		if old.Singleton != d.Singleton || old.Block != b || len(onchain.DiffStates(before, old)) != 0 {
			t.Errorf("at %s: singleton %s, diff %v", b, old.Singleton, onchain.DiffStates(before, old))
		}
		if v, _, err := onchain.DetectVersion(ctx, c.RPC, s.Address, b); err != nil || v.Core() != d.Version.Core() {
			t.Errorf("DetectVersion at %s = %v, %v", b, v, err)
		}
	}

	// The sweep shows as the balance leaving.
	s.CallProxy(t, nil, safetest.SweepETHData(common.HexToAddress("0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2")))
	swept := readState(t, c, s.Address, onchain.LatestBlock)
	want = []onchain.Change{{Kind: onchain.ChangeBalance, Before: safetest.Ether(100).String(), After: "0"}}
	if got := onchain.DiffStates(after, swept); !reflect.DeepEqual(got, want) {
		t.Errorf("sweep: DiffStates = %v", got)
	}
}

func testNotSafeOnChain(t *testing.T, c *safetest.Chain) {
	d := safetest.Deploy(t, c, "1.3.0")
	token := c.DeployERC20(t)
	for _, tc := range []struct {
		name string
		addr common.Address
		want string
	}{
		{"funded EOA that sent transactions", c.Sender, "is an externally owned account (it has sent "},
		{"funded EOA that sent nothing", anviltest.DefaultAccounts()[9], "has no code and has sent no transaction"},
		{"empty address", common.HexToAddress("0x00000000000000000000000000000000deadbeef"), "has no code and has sent no transaction"},
		{"singleton", d.Singleton, "is GnosisSafe 1.3.0 (canonical), a Safe contract, not a Safe proxy"},
		{"proxy factory", d.ProxyFactory, "is GnosisSafeProxyFactory 1.3.0 (canonical), a Safe contract, not a Safe proxy"},
		{"ERC-20", token, "is a contract but not a Safe proxy"},
	} {
		_, err := onchain.ReadState(context.Background(), c.RPC, tc.addr, onchain.LatestBlock)
		if msg := bulwark.ErrorMessage(err); !errors.Is(err, onchain.ErrNotSafe) || !bulwark.IsCode(err, bulwark.EINVALID) ||
			!strings.HasPrefix(msg, tc.addr.Hex()) || !strings.Contains(msg, tc.want) {
			t.Errorf("%s: %v, want an EINVALID ErrNotSafe naming %s: %q", tc.name, err, tc.addr, tc.want)
		}
	}
}

// countingReader counts the round trips (BatchRead calls) to the node.
type countingReader struct {
	onchain.ChainReader
	batches atomic.Int64
}

func (r *countingReader) BatchRead(ctx context.Context, b onchain.BlockID, reads []onchain.Read) error {
	r.batches.Add(1)
	return r.ChainReader.BatchRead(ctx, b, reads)
}

// testBatchOnChain reads 200 Safes at once: clones of a 3-of-6 Safe, each
// with its own nonce and balance.
func testBatchOnChain(t *testing.T, c *safetest.Chain) {
	const n = 200
	d := safetest.Deploy(t, c, "1.4.1")
	s := d.NewSafe(t, 3, safetest.NewOwners(6)...)
	addrs := c.CloneSafe(t, s.Address, n)
	ctx := context.Background()
	r := &countingReader{ChainReader: c.RPC}

	req0 := c.RPC.Stats().Requests
	states, err := onchain.ReadStates(ctx, r, addrs, onchain.LatestBlock)
	if err != nil {
		t.Fatal(err)
	}
	requests, trips := c.RPC.Stats().Requests-req0, r.batches.Load()
	src := s.State(t)
	for i, st := range states {
		if st == nil || st.Address != addrs[i] || st.Nonce.Int64() != int64(i) || st.Balance.Int64() != int64(i+1) ||
			!slices.Equal(st.Owners, src.Owners) || st.Singleton != d.Singleton || !st.SingletonKnown() || st.ProxyVersion != "1.4.1" {
			t.Fatalf("state %d: %+v", i, st)
		}
	}
	// 200 × 11 reads in the first round trip, then the singleton and one
	// owner link per Safe for each of the 6 owners: 7 round trips, each
	// split into requests of 100 calls, plus eth_chainId and
	// eth_blockNumber. One at a time, the same reads would take about
	// 200 × 17 requests.
	t.Logf("%d Safes: %d HTTP requests, %d round trips", n, requests, trips)
	if trips != 7 || requests > 40 {
		t.Errorf("%d Safes took %d HTTP requests in %d round trips, want at most 40 in 7", n, requests, trips)
	}

	// With the last states as hints (a watcher's next block), one round
	// trip reads them all, and the result is the same.
	prev := make(map[common.Address]*onchain.State, n)
	for _, st := range states {
		prev[st.Address] = st
	}
	r.batches.Store(0)
	req0 = c.RPC.Stats().Requests
	again, err := onchain.ReadStatesWith(ctx, r, addrs, states[0].Block, onchain.ReadOptions{Previous: prev})
	if err != nil {
		t.Fatal(err)
	}
	requests, trips = c.RPC.Stats().Requests-req0, r.batches.Load()
	t.Logf("%d Safes with hints: %d HTTP requests, %d round trips", n, requests, trips)
	if !reflect.DeepEqual(again, states) {
		t.Error("the hinted read differs")
	}
	if trips != 1 || requests > 36 {
		t.Errorf("hinted: %d HTTP requests in %d round trips, want at most 36 in 1", requests, trips)
	}
}

func anvilSetStorage(t testing.TB, c *safetest.Chain, addr common.Address, slot, value common.Hash) {
	t.Helper()
	if err := c.RPC.Call(context.Background(), nil, "anvil_setStorageAt", addr, slot, value); err != nil {
		t.Fatalf("anvil_setStorageAt: %v", err)
	}
}
