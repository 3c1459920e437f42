package safetest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe"
)

// compiledJSON is the output of testdata/contracts/compile.js.
//
//go:embed testdata/contracts/compiled.json
var compiledJSON []byte

// Names of the test contracts in compiled.json.
const (
	ERC20Name  = "TestERC20"
	GuardName  = "TestGuard"
	TrojanName = "Trojan"
	// WETHName is wrapped ether with WETH9's interface and events.
	WETHName = "TestWETH"
	// DEXName is a constant-product pool of ether and one ERC-20 token:
	// constructor(token), swapETHForTokens(minOut, to) payable,
	// swapTokensForETH(amountIn, minOut, to).
	DEXName = "TestDEX"
	// ForwarderName pays on all ether it receives to the target given to
	// its constructor, with an internal call.
	ForwarderName = "Forwarder"
	// ERC1155Name is a multi-token anyone may mint: mint(to, id, value),
	// mintBatch(to, ids, values), safeTransferFrom, safeBatchTransferFrom,
	// balanceOf(account, id); a transfer of zero needs no approval.
	ERC1155Name = "TestERC1155"
	// OwnedProxyName is a protocol contract its owner hands over:
	// constructor(owner), owner(), implementation(),
	// transferOwnership(newOwner), upgradeToAndCall(impl, data), both only
	// by the owner.
	OwnedProxyName = "TestOwnedProxy"
	// TimelockName is a timelock with TimelockController's interface:
	// constructor(minDelay, proposer), schedule, execute, updateDelay (only
	// by the timelock itself), getMinDelay(), hashOperation, timestamps(id).
	TimelockName = "TestTimelock"
)

var testContracts = sync.OnceValues(func() (map[string]*Artifact, error) {
	var file struct {
		Contracts map[string]struct {
			ABI              json.RawMessage `json:"abi"`
			Bytecode         string          `json:"bytecode"`
			DeployedBytecode string          `json:"deployedBytecode"`
		} `json:"contracts"`
	}
	if err := json.Unmarshal(compiledJSON, &file); err != nil {
		return nil, fmt.Errorf("safetest: compiled.json: %w", err)
	}
	out := map[string]*Artifact{}
	for name, c := range file.Contracts {
		a, err := newArtifact(artifactJSON{ContractName: name, ABI: c.ABI, Bytecode: c.Bytecode, DeployedBytecode: c.DeployedBytecode})
		if err != nil {
			return nil, fmt.Errorf("safetest: compiled.json: %w", err)
		}
		out[name] = a
	}
	return out, nil
})

// TestContract returns the embedded test contract name (one of the
// *Name constants). It panics on an unknown name or a broken
// compiled.json, both programming errors caught by the package's tests.
func TestContract(name string) *Artifact {
	m, err := testContracts()
	if err != nil {
		panic(err)
	}
	a := m[name]
	if a == nil {
		panic("safetest: no test contract " + name)
	}
	return a
}

// DeployERC20 deploys a TestERC20: an ERC-20 ("BTT", 18 decimals) anyone
// may mint. Its balanceOf mapping is at storage slot 0.
func (c *Chain) DeployERC20(t testing.TB) common.Address {
	t.Helper()
	return c.DeployArtifact(t, TestContract(ERC20Name))
}

// MintERC20 mints amount of the TestERC20 token to holder.
func (c *Chain) MintERC20(t testing.TB, token, holder common.Address, amount *big.Int) {
	t.Helper()
	data, err := TestContract(ERC20Name).Pack("mint", holder, amount)
	if err != nil {
		t.Fatal(err)
	}
	c.MustSend(t, msgTo(token, nil, data))
}

// ERC20Balance returns holder's balance of an ERC-20 token (balanceOf).
func (c *Chain) ERC20Balance(t testing.TB, token, holder common.Address) *big.Int {
	t.Helper()
	out := c.Call(t, TestContract(ERC20Name), token, "balanceOf", holder)
	return out[0].(*big.Int)
}

// ERC20TransferData returns the calldata of transfer(to, amount), for a
// Safe transaction that moves tokens.
func ERC20TransferData(to common.Address, amount *big.Int) []byte {
	data, err := TestContract(ERC20Name).Pack("transfer", to, amount)
	if err != nil {
		panic(err)
	}
	return data
}

// DeployOwnedProxy deploys a TestOwnedProxy owned by owner.
func (c *Chain) DeployOwnedProxy(t testing.TB, owner common.Address) common.Address {
	t.Helper()
	return c.DeployArtifact(t, TestContract(OwnedProxyName), owner)
}

// DeployTimelock deploys a TestTimelock whose proposer is proposer, with
// minDelay seconds of minimum delay.
func (c *Chain) DeployTimelock(t testing.TB, minDelay uint64, proposer common.Address) common.Address {
	t.Helper()
	return c.DeployArtifact(t, TestContract(TimelockName), new(big.Int).SetUint64(minDelay), proposer)
}

// DeployGuard deploys a TestGuard: a transaction guard that allows
// everything, counts checkTransaction and checkAfterExecution calls
// (checked(), afterChecked()) and answers ERC-165 for the guard interface,
// as setGuard requires from 1.4.1.
func (c *Chain) DeployGuard(t testing.TB) common.Address {
	t.Helper()
	return c.DeployArtifact(t, TestContract(GuardName))
}

// GuardCounts returns how many transactions the TestGuard at guard checked
// before and after execution.
func (c *Chain) GuardCounts(t testing.TB, guard common.Address) (checked, afterChecked uint64) {
	t.Helper()
	a := TestContract(GuardName)
	return c.Call(t, a, guard, "checked")[0].(*big.Int).Uint64(), c.Call(t, a, guard, "afterChecked")[0].(*big.Int).Uint64()
}

// DeployTrojan deploys a Trojan: the Bybit attack contract. Run by
// DELEGATECALL, its transfer(address,uint256) writes the address into the
// caller's storage slot 0 (a Safe proxy's masterCopy) and emits nothing;
// sweepETH(address) and sweepERC20(address token, address to) send the
// whole balance away when a hijacked proxy delegates to it. In the real
// attack the delegatecall target (0x96221423…) and the new masterCopy, the
// backdoor (0xbDd077f6…), were two contracts; deploy two Trojans to mirror
// that, or point the trojan at itself.
func (c *Chain) DeployTrojan(t testing.TB) common.Address {
	t.Helper()
	return c.DeployArtifact(t, TestContract(TrojanName))
}

// Selectors of the Trojan's functions, the same as the Bybit contracts'.
var (
	TransferSelector   = selector("transfer(address,uint256)")   // 0xa9059cbb
	SweepETHSelector   = selector("sweepETH(address)")           // 0x1163b2b0
	SweepERC20Selector = selector("sweepERC20(address,address)") // 0x582515c7
)

func selector(sig string) [4]byte {
	var s [4]byte
	copy(s[:], crypto.Keccak256([]byte(sig)))
	return s
}

// TrojanTransferData returns transfer(newMasterCopy, 0): the calldata
// Bybit's signers approved, which a DELEGATECALL to the Trojan turns into
// "slot 0 := newMasterCopy".
func TrojanTransferData(newMasterCopy common.Address) []byte {
	data, err := TestContract(TrojanName).Pack("transfer", newMasterCopy, new(big.Int))
	if err != nil {
		panic(err)
	}
	return data
}

// SweepETHData returns sweepETH(to).
func SweepETHData(to common.Address) []byte {
	data, err := TestContract(TrojanName).Pack("sweepETH", to)
	if err != nil {
		panic(err)
	}
	return data
}

// SweepERC20Data returns sweepERC20(token, to).
func SweepERC20Data(token, to common.Address) []byte {
	data, err := TestContract(TrojanName).Pack("sweepERC20", token, to)
	if err != nil {
		panic(err)
	}
	return data
}

// BybitSafeTxGas is the safeTxGas of Bybit's malicious transaction (nonce 71).
const BybitSafeTxGas = 45746

// BybitTx returns a transaction shaped like the one Bybit's signers signed
// on 2025-02-21: a DELEGATECALL to trojan of transfer(backdoor, 0), no
// value, safeTxGas 45746, no gas refund, at nonce.
func BybitTx(trojan, backdoor common.Address, nonce *big.Int) safe.Tx {
	return safe.Tx{
		To:        trojan,
		Value:     new(big.Int),
		Data:      TrojanTransferData(backdoor),
		Operation: safe.DelegateCall,
		SafeTxGas: big.NewInt(BybitSafeTxGas),
		BaseGas:   new(big.Int),
		GasPrice:  new(big.Int),
		Nonce:     nonce,
	}
}
