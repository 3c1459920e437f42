package safetest_test

import (
	"math/big"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
	"github.com/bulwark-sec/bulwark/internal/safetest"
)

// TestHarness runs every harness scenario on one Anvil node, one Safe
// version after another: deploying, the ordinary transactions a later part
// verifies as ok or review, and the Bybit replay.
func TestHarness(t *testing.T) {
	chain := safetest.StartChain(t, anviltest.Silent())
	token := chain.DeployERC20(t)
	for _, v := range safetest.Versions() {
		t.Run(v, func(t *testing.T) {
			d := safetest.Deploy(t, chain, v)
			t.Run("deployment", func(t *testing.T) { testDeployment(t, d) })
			t.Run("transfers", func(t *testing.T) { testTransfers(t, d, token) })
			t.Run("addOwnerWithThreshold", func(t *testing.T) { testAddOwner(t, d) })
			if v != "1.1.1" {
				t.Run("setGuard", func(t *testing.T) { testSetGuard(t, d) })
				t.Run("enableModule", func(t *testing.T) { testEnableModule(t, d) })
			}
			t.Run("badSignatures", func(t *testing.T) { testBadSignatures(t, d) })
			t.Run("executionFailure", func(t *testing.T) { testExecutionFailure(t, d, token) })
			t.Run("approvedHash", func(t *testing.T) { testApprovedHash(t, d) })
			t.Run("bybit", func(t *testing.T) { testBybitReplay(t, d, token) })
		})
	}
}

func testDeployment(t *testing.T, d *safetest.Deployment) {
	c := d.Chain
	// The deployed singleton runs exactly the artifact's (canonical) code.
	if got, want := crypto.Keccak256Hash(c.Code(t, d.Singleton)), d.Artifacts.Singleton.CodeHash(); got != want {
		t.Errorf("singleton code hash %s, want %s", got, want)
	}
	out := c.Call(t, d.Artifacts.Singleton, d.Singleton, "VERSION")
	if out[0].(string) != d.Version.String() {
		t.Errorf("VERSION() = %q, want %s", out[0], d.Version)
	}
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	st := s.State(t)
	if st.MasterCopy != d.Singleton || st.Threshold.Int64() != 3 || st.OwnerCount.Int64() != 6 || st.Nonce.Sign() != 0 {
		t.Errorf("state %+v", st)
	}
	if !slices.Equal(st.Owners, safetest.Addresses(owners)) {
		t.Errorf("owners %v, want %v in setup order", st.Owners, safetest.Addresses(owners))
	}
	if st.FallbackHandler != d.FallbackHandler || st.Guard != (common.Address{}) || len(st.Modules) != 0 {
		t.Errorf("handler %s guard %s modules %v", st.FallbackHandler, st.Guard, st.Modules)
	}
	// The proxy runs the Safe's code: its getOwners and getThreshold agree
	// with storage.
	got := c.Call(t, s.Singleton, s.Address, "getOwners")[0].([]common.Address)
	if !slices.Equal(got, st.Owners) {
		t.Errorf("getOwners() = %v, storage %v", got, st.Owners)
	}
	// The safe package's hash is the one the contract computes.
	tx := s.TransferETHTx(t, owners[0].Address, big.NewInt(12345))
	tx.Data = []byte{0xde, 0xad}
	tx.SafeTxGas, tx.BaseGas, tx.GasPrice, tx.Nonce = big.NewInt(1), big.NewInt(2), big.NewInt(3), big.NewInt(4)
	tx.GasToken, tx.RefundReceiver = owners[1].Address, owners[2].Address
	if h, onchain := s.Hash(t, tx).SafeTxHash, s.OnChainTxHash(t, tx); h != onchain {
		t.Errorf("safe.Domain.HashTx = %s, getTransactionHash = %s", h, onchain)
	}
	if d.Version.String() != "1.1.1" {
		l2 := d.CreateSafe(t, safetest.SafeOptions{Owners: owners[:2], Threshold: 1, L2: true, FallbackHandler: new(common.Address)})
		if st := l2.State(t); st.MasterCopy != d.SingletonL2 || st.FallbackHandler != (common.Address{}) {
			t.Errorf("L2 Safe state %+v", st)
		}
	}
}

func testTransfers(t *testing.T, d *safetest.Deployment, token common.Address) {
	c := d.Chain
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(10))
	s.FundERC20(t, token, big.NewInt(1_000_000))
	to := common.HexToAddress("0x00000000000000000000000000000000000b0b01")
	before := c.Balance(t, to)

	// ETH, signed with EIP-712 by three owners that are not the first three.
	e := s.MustExec(t, s.TransferETHTx(t, to, safetest.Ether(1)), safetest.EIP712, owners[5], owners[3], owners[1])
	if got := new(big.Int).Sub(c.Balance(t, to), before); got.Cmp(safetest.Ether(1)) != 0 {
		t.Errorf("recipient got %s wei, want 1 ether", got)
	}
	if got := s.Balance(t); got.Cmp(safetest.Ether(9)) != 0 {
		t.Errorf("Safe holds %s wei, want 9 ether", got)
	}
	if e.Block() == 0 || e.Payment.Sign() != 0 {
		t.Errorf("block %d payment %s", e.Block(), e.Payment)
	}

	// ERC-20, signed with eth_sign.
	s.MustExec(t, s.ERC20TransferTx(t, token, to, big.NewInt(250)), safetest.EthSign)
	if got := c.ERC20Balance(t, token, to); got.Int64() < 250 {
		t.Errorf("recipient holds %s tokens", got)
	}
	if got := c.ERC20Balance(t, token, s.Address); got.Int64() != 999_750 {
		t.Errorf("Safe holds %s tokens, want 999750", got)
	}
	if n := s.Nonce(t); n.Int64() != 2 {
		t.Errorf("nonce %s, want 2", n)
	}
}

func testAddOwner(t *testing.T, d *safetest.Deployment) {
	owners := safetest.NewOwners(7)
	s := d.NewSafe(t, 3, owners[:6]...)
	s.MustExec(t, s.AddOwnerWithThresholdTx(t, owners[6].Address, 4), safetest.EIP712)
	st := s.State(t)
	if st.Threshold.Int64() != 4 || st.OwnerCount.Int64() != 7 || len(st.Owners) != 7 || st.Owners[0] != owners[6].Address {
		t.Errorf("after addOwnerWithThreshold: threshold %s, count %s, owners %v", st.Threshold, st.OwnerCount, st.Owners)
	}
	// The new threshold applies: three signatures no longer do, four do.
	tx := s.TransferETHTx(t, owners[0].Address, nil)
	if e := s.Exec(t, tx, s.Sign(t, tx, safetest.EIP712, owners[:3]...)); e.Receipt.Status != 0 {
		t.Errorf("3 of 4 signatures executed")
	}
	s.MustExec(t, tx, safetest.EIP712, owners[6], owners[0], owners[1], owners[2])
}

func testSetGuard(t *testing.T, d *safetest.Deployment) {
	c := d.Chain
	s := d.NewSafe(t, 3, safetest.NewOwners(6)...)
	guard := c.DeployGuard(t)
	s.MustExec(t, s.SetGuardTx(t, guard), safetest.EIP712)
	if st := s.State(t); st.Guard != guard {
		t.Fatalf("guard slot = %s, want %s", st.Guard, guard)
	}
	if got := c.Storage(t, s.Address, safetest.GuardSlot, ethrpc.Latest); common.BytesToAddress(got[:]) != guard {
		t.Fatalf("raw guard slot %s", got)
	}
	s.MustExec(t, s.TransferETHTx(t, s.Address, nil), safetest.EIP712)
	if before, after := c.GuardCounts(t, guard); before != 1 || after != 1 {
		t.Errorf("guard saw %d/%d transactions, want 1/1", before, after)
	}
}

func testEnableModule(t *testing.T, d *safetest.Deployment) {
	s := d.NewSafe(t, 3, safetest.NewOwners(6)...)
	module := common.HexToAddress("0x000000000000000000000000000000000000d0d0")
	s.MustExec(t, s.EnableModuleTx(t, module), safetest.EthSign)
	if st := s.State(t); !slices.Equal(st.Modules, []common.Address{module}) {
		t.Fatalf("modules %v, want [%s]", st.Modules, module)
	}
	out := d.Chain.Call(t, s.Singleton, s.Address, "isModuleEnabled", module)
	if !out[0].(bool) {
		t.Error("isModuleEnabled = false")
	}
}

// testBadSignatures checks the Safe really checks what the harness signs:
// a stranger's signature or too few signatures do not execute.
func testBadSignatures(t *testing.T, d *safetest.Deployment) {
	owners := safetest.NewOwners(7)
	s := d.NewSafe(t, 3, owners[:6]...)
	tx := s.TransferETHTx(t, owners[0].Address, nil)
	for name, sigs := range map[string][]byte{
		"stranger": s.Sign(t, tx, safetest.EIP712, owners[0], owners[1], owners[6]),
		"too few":  s.Sign(t, tx, safetest.EIP712, owners[0], owners[1]),
		"wrong kind": func() []byte { // an EIP-712 signature relabelled as eth_sign
			sigs := s.Sign(t, tx, safetest.EIP712, owners[:3]...)
			sigs[64] += 4
			return sigs
		}(),
	} {
		if e := s.Exec(t, tx, sigs); e.Receipt.Status != 0 || e.Success {
			t.Errorf("%s: executed", name)
		}
	}
	if n := s.Nonce(t); n.Sign() != 0 {
		t.Errorf("nonce moved to %s", n)
	}
}

// testExecutionFailure: with safeTxGas set, a failing inner call is
// reported by ExecutionFailure and still uses the nonce (every version).
func testExecutionFailure(t *testing.T, d *safetest.Deployment, token common.Address) {
	s := d.NewSafe(t, 3, safetest.NewOwners(6)...)
	tx := s.ERC20TransferTx(t, token, s.Address, big.NewInt(1)) // the Safe holds no tokens
	tx.SafeTxGas = big.NewInt(100_000)
	e := s.Exec(t, tx, s.Sign(t, tx, safetest.EIP712))
	if e.Receipt.Status != 1 || e.Success || !e.Failure || e.Payment == nil {
		t.Fatalf("status %d success %v failure %v", e.Receipt.Status, e.Success, e.Failure)
	}
	if n := s.Nonce(t); n.Int64() != 1 {
		t.Errorf("nonce %s, want 1", n)
	}
}

// testApprovedHash: one owner approves on chain, two sign off chain, the
// three signature kinds mixed in one execTransaction.
func testApprovedHash(t *testing.T, d *safetest.Deployment) {
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	tx := s.TransferETHTx(t, owners[0].Address, nil)
	h := s.Hash(t, tx)
	s.ApproveHash(t, owners[2].Address, h.SafeTxHash)
	out := d.Chain.Call(t, s.Singleton, s.Address, "approvedHashes", owners[2].Address, h.SafeTxHash)
	if out[0].(*big.Int).Int64() != 1 {
		t.Fatalf("approvedHashes = %v", out[0])
	}
	var sigs []safetest.Signature
	for i, kind := range []safetest.SigKind{safetest.EIP712, safetest.EthSign, safetest.ApprovedHash} {
		sig, err := owners[4-i].Sign(h, kind)
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, sig)
	}
	packed, err := safetest.PackSignatures(sigs...)
	if err != nil {
		t.Fatal(err)
	}
	s.Exec(t, tx, packed).RequireSuccess(t)
}

// testBybitReplay replays the Bybit theft: three owners eth_sign a
// DELEGATECALL of transfer(backdoor, 0) to the trojan; it executes, slot 0
// becomes the backdoor, and sweepETH/sweepERC20 through the proxy drain it.
func testBybitReplay(t *testing.T, d *safetest.Deployment, token common.Address) {
	c := d.Chain
	owners := safetest.NewOwners(6)
	s := d.NewSafe(t, 3, owners...)
	s.FundETH(t, safetest.Ether(100))
	s.FundERC20(t, token, big.NewInt(5_000_000))
	trojan, backdoor := c.DeployTrojan(t), c.DeployTrojan(t)
	attacker := common.HexToAddress("0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2") // Bybit's ETH sweep destination
	before := s.State(t)

	tx := safetest.BybitTx(trojan, backdoor, s.Nonce(t))
	sigs := s.Sign(t, tx, safetest.EthSign, owners[4], owners[0], owners[2])
	for i := range 3 {
		if v := sigs[i*65+64]; v <= 30 {
			t.Fatalf("signature %d has v %d, want > 30 like Bybit's", i, v)
		}
	}
	e := s.Exec(t, tx, sigs)
	e.RequireSuccess(t)
	if len(e.Receipt.Logs) != 1 || e.Receipt.Logs[0].Topics[0] != safetest.ExecutionSuccessTopic {
		t.Errorf("the delegatecall emitted %d logs; want only ExecutionSuccess (the trojan is silent)", len(e.Receipt.Logs))
	}

	after := s.State(t)
	if after.MasterCopy != backdoor {
		t.Fatalf("slot 0 = %s, want the backdoor %s", after.MasterCopy, backdoor)
	}
	if got := c.Storage(t, s.Address, safetest.SlotMasterCopy, ethrpc.Latest); common.BytesToAddress(got[:]) != backdoor {
		t.Fatalf("raw slot 0 = %s", got)
	}
	if !slices.Equal(after.Owners, before.Owners) || after.Threshold.Cmp(before.Threshold) != 0 ||
		after.Nonce.Int64() != before.Nonce.Int64()+1 || after.Guard != before.Guard ||
		after.FallbackHandler != before.FallbackHandler || !slices.Equal(after.Modules, before.Modules) {
		t.Errorf("only slot 0 and the nonce should change: before %+v, after %+v", before, after)
	}
	// Before 1.3.0 the proxy answers masterCopy() itself (0xa619486e).
	if d.Version.String() == "1.1.1" {
		if got := c.CallContract(t, s.Address, []byte{0xa6, 0x19, 0x48, 0x6e}); common.BytesToAddress(got) != backdoor {
			t.Errorf("masterCopy() = %x", got)
		}
	}
	// The state at the block before still shows the old singleton.
	if old := c.ReadStateAt(t, s.Address, ethrpc.AtBlock(e.Block()-1)); old.MasterCopy != d.Singleton {
		t.Errorf("slot 0 before the attack block = %s", old.MasterCopy)
	}

	loot := s.Balance(t)
	must1(t, s.CallProxy(t, nil, safetest.SweepETHData(attacker)).Status)
	if got := s.Balance(t); got.Sign() != 0 {
		t.Errorf("Safe still holds %s wei after sweepETH", got)
	}
	if got := c.Balance(t, attacker); got.Cmp(loot) < 0 {
		t.Errorf("attacker holds %s wei, want at least %s", got, loot)
	}
	tokens := c.ERC20Balance(t, token, s.Address)
	must1(t, s.CallProxy(t, nil, safetest.SweepERC20Data(token, attacker)).Status)
	if got := c.ERC20Balance(t, token, s.Address); got.Sign() != 0 || tokens.Int64() != 5_000_000 {
		t.Errorf("Safe held %s tokens, still holds %s after sweepERC20", tokens, got)
	}
	// The hijacked Safe no longer executes anything its owners sign.
	next := s.TransferETHTx(t, owners[0].Address, nil)
	if ex := s.Exec(t, next, s.Sign(t, next, safetest.EIP712)); ex.Success {
		t.Error("hijacked Safe still executes owner transactions")
	}
}

func must1(t *testing.T, status uint64) {
	t.Helper()
	if status != 1 {
		t.Fatalf("transaction reverted")
	}
}
