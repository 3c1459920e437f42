package safetest

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
)

// DefaultExecGas is the gas limit of an execTransaction the harness
// submits. It is set rather than estimated: with safeTxGas 0, Safe 1.1.1
// runs the inner call with all gas left and reports an inner failure as
// ExecutionFailure instead of reverting, so an estimate can come out too
// low for the inner call to succeed.
const DefaultExecGas = 3_000_000

// Event topics of execTransaction's outcome, the same in every version.
// Both events carry txHash and payment: as data up to 1.3.0, with txHash
// indexed (topic 1) from 1.4.0.
var (
	ExecutionSuccessTopic = crypto.Keccak256Hash([]byte("ExecutionSuccess(bytes32,uint256)"))
	ExecutionFailureTopic = crypto.Keccak256Hash([]byte("ExecutionFailure(bytes32,uint256)"))
)

// Safe is a Safe proxy the harness created.
type Safe struct {
	Address    common.Address
	Deployment *Deployment
	// Singleton is the artifact of the singleton the proxy was set up with
	// (L2 or not), whose ABI encodes the Safe's own calls.
	Singleton *Artifact
	// Owners and Threshold are those given to setup; later owner changes
	// are not tracked here (read State).
	Owners    []*Owner
	Threshold int
	// ExecGas is the gas limit Exec gives execTransaction.
	ExecGas uint64
}

// Chain returns the chain the Safe lives on.
func (s *Safe) Chain() *Chain { return s.Deployment.Chain }

// Version returns the Safe's contract version.
func (s *Safe) Version() safe.Version { return s.Deployment.Version }

// Domain returns the Safe's EIP-712 domain for the safe package's hashing.
func (s *Safe) Domain() safe.Domain {
	return safe.Domain{ChainID: s.Chain().ChainID, Safe: s.Address, Version: s.Version()}
}

// State reads the Safe's state from storage at the latest block.
func (s *Safe) State(t testing.TB) State {
	t.Helper()
	return s.Chain().ReadState(t, s.Address)
}

// Nonce returns the Safe's current nonce, read from storage.
func (s *Safe) Nonce(t testing.TB) *big.Int {
	t.Helper()
	return s.Chain().Storage(t, s.Address, SlotNonce, ethrpc.Latest).Big()
}

// Balance returns the Safe's ETH balance.
func (s *Safe) Balance(t testing.TB) *big.Int {
	t.Helper()
	return s.Chain().Balance(t, s.Address)
}

// FundETH sends wei to the Safe from the chain's sender.
func (s *Safe) FundETH(t testing.TB, wei *big.Int) {
	t.Helper()
	s.Chain().FundETH(t, s.Address, wei)
}

// FundERC20 mints amount of the TestERC20 token to the Safe.
func (s *Safe) FundERC20(t testing.TB, token common.Address, amount *big.Int) {
	t.Helper()
	s.Chain().MintERC20(t, token, s.Address, amount)
}

// Tx returns a transaction of the Safe at its current nonce with no gas
// fields or refund: what a wallet proposes by default.
func (s *Safe) Tx(t testing.TB, to common.Address, value *big.Int, data []byte, op safe.Operation) safe.Tx {
	t.Helper()
	if value == nil {
		value = new(big.Int)
	}
	return safe.Tx{
		To: to, Value: value, Data: data, Operation: op,
		SafeTxGas: new(big.Int), BaseGas: new(big.Int), GasPrice: new(big.Int),
		Nonce: s.Nonce(t),
	}
}

// TransferETHTx returns a plain ETH transfer of wei to `to`.
func (s *Safe) TransferETHTx(t testing.TB, to common.Address, wei *big.Int) safe.Tx {
	t.Helper()
	return s.Tx(t, to, wei, nil, safe.Call)
}

// ERC20TransferTx returns a CALL of token.transfer(to, amount).
func (s *Safe) ERC20TransferTx(t testing.TB, token, to common.Address, amount *big.Int) safe.Tx {
	t.Helper()
	return s.Tx(t, token, nil, ERC20TransferData(to, amount), safe.Call)
}

// Calldata ABI-encodes a call of the Safe's own method (e.g.
// "addOwnerWithThreshold") with the singleton's ABI.
func (s *Safe) Calldata(t testing.TB, method string, args ...any) []byte {
	t.Helper()
	data, err := s.Singleton.Pack(method, args...)
	if err != nil {
		t.Fatalf("safetest: %v", err)
	}
	return data
}

// SelfCallTx returns a transaction in which the Safe calls its own method:
// how every owner, threshold, module, guard and fallback-handler change is
// made.
func (s *Safe) SelfCallTx(t testing.TB, method string, args ...any) safe.Tx {
	t.Helper()
	return s.Tx(t, s.Address, nil, s.Calldata(t, method, args...), safe.Call)
}

// AddOwnerWithThresholdTx returns addOwnerWithThreshold(owner, threshold).
func (s *Safe) AddOwnerWithThresholdTx(t testing.TB, owner common.Address, threshold int) safe.Tx {
	t.Helper()
	return s.SelfCallTx(t, "addOwnerWithThreshold", owner, big.NewInt(int64(threshold)))
}

// ChangeThresholdTx returns changeThreshold(threshold).
func (s *Safe) ChangeThresholdTx(t testing.TB, threshold int) safe.Tx {
	t.Helper()
	return s.SelfCallTx(t, "changeThreshold", big.NewInt(int64(threshold)))
}

// EnableModuleTx returns enableModule(module).
func (s *Safe) EnableModuleTx(t testing.TB, module common.Address) safe.Tx {
	t.Helper()
	return s.SelfCallTx(t, "enableModule", module)
}

// SetGuardTx returns setGuard(guard) (1.3.0 and later; from 1.4.1 the guard
// must answer ERC-165 for the guard interface: use DeployGuard).
func (s *Safe) SetGuardTx(t testing.TB, guard common.Address) safe.Tx {
	t.Helper()
	return s.SelfCallTx(t, "setGuard", guard)
}

// SetFallbackHandlerTx returns setFallbackHandler(handler).
func (s *Safe) SetFallbackHandlerTx(t testing.TB, handler common.Address) safe.Tx {
	t.Helper()
	return s.SelfCallTx(t, "setFallbackHandler", handler)
}

// Hash computes tx's hashes with the safe package (safe.Domain.HashTx).
func (s *Safe) Hash(t testing.TB, tx safe.Tx) safe.TxHashes {
	t.Helper()
	h, err := s.Domain().HashTx(tx)
	if err != nil {
		t.Fatalf("safetest: hash: %v", err)
	}
	return h
}

// OnChainTxHash asks the Safe's getTransactionHash for tx's safeTxHash
// (only while the proxy still delegates to a real singleton).
func (s *Safe) OnChainTxHash(t testing.TB, tx safe.Tx) common.Hash {
	t.Helper()
	out := s.Chain().Call(t, s.Singleton, s.Address, "getTransactionHash",
		tx.To, orZero(tx.Value), tx.Data, uint8(tx.Operation), orZero(tx.SafeTxGas), orZero(tx.BaseGas),
		orZero(tx.GasPrice), tx.GasToken, tx.RefundReceiver, orZero(tx.Nonce))
	return common.Hash(out[0].([32]byte))
}

// Sign signs tx as each of signers with kind and returns the sorted,
// packed signatures. With no signers it signs as the first Threshold
// owners.
func (s *Safe) Sign(t testing.TB, tx safe.Tx, kind SigKind, signers ...*Owner) []byte {
	t.Helper()
	if len(signers) == 0 {
		signers = s.Owners[:s.Threshold]
	}
	sigs, err := SignTx(s.Hash(t, tx), kind, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return sigs
}

// Execution is the outcome of an execTransaction.
type Execution struct {
	// SafeTxHash is the hash the harness computed for the transaction.
	SafeTxHash common.Hash
	// Receipt is the Ethereum transaction's receipt (Status 0: reverted).
	Receipt *ethrpc.Receipt
	// Success and Failure tell whether the Safe emitted ExecutionSuccess or
	// ExecutionFailure for SafeTxHash; Payment is the event's payment.
	Success, Failure bool
	Payment          *big.Int
}

// Block returns the number of the block the transaction was mined in.
func (e *Execution) Block() uint64 { return e.Receipt.BlockNumber }

// Exec submits execTransaction(tx, signatures) from the chain's sender
// with gas s.ExecGas and reports the outcome. It fails t only when the
// node refuses the transaction; a revert or an ExecutionFailure is
// reported in the Execution.
func (s *Safe) Exec(t testing.TB, tx safe.Tx, signatures []byte) *Execution {
	t.Helper()
	data, err := safe.ExecTransactionCalldata(tx, signatures)
	if err != nil {
		t.Fatalf("safetest: execTransaction calldata: %v", err)
	}
	e := &Execution{SafeTxHash: s.Hash(t, tx).SafeTxHash}
	msg := msgTo(s.Address, nil, data)
	msg.Gas = s.ExecGas
	e.Receipt = s.Chain().Send(t, msg)
	for _, l := range e.Receipt.Logs {
		if l.Address != s.Address || len(l.Topics) == 0 {
			continue
		}
		if l.Topics[0] != ExecutionSuccessTopic && l.Topics[0] != ExecutionFailureTopic {
			continue
		}
		// Up to 1.3.0 txHash and payment are both data; from 1.4.0 txHash
		// is indexed (topic 1) and payment is the only data word.
		var txHash common.Hash
		var payment []byte
		switch {
		case len(l.Topics) >= 2 && len(l.Data) >= 32:
			txHash, payment = l.Topics[1], l.Data[:32]
		case len(l.Topics) == 1 && len(l.Data) >= 64:
			txHash, payment = common.BytesToHash(l.Data[:32]), l.Data[32:64]
		default:
			continue
		}
		if txHash != e.SafeTxHash {
			continue
		}
		e.Success = l.Topics[0] == ExecutionSuccessTopic
		e.Failure = !e.Success
		e.Payment = new(big.Int).SetBytes(payment)
	}
	return e
}

// MustExec signs tx as signers with kind (the first Threshold owners when
// none are given), executes it and fails t unless the Safe reports
// ExecutionSuccess.
func (s *Safe) MustExec(t testing.TB, tx safe.Tx, kind SigKind, signers ...*Owner) *Execution {
	t.Helper()
	e := s.Exec(t, tx, s.Sign(t, tx, kind, signers...))
	e.RequireSuccess(t)
	return e
}

// RequireSuccess fails t unless the transaction was mined without a revert
// and the Safe emitted ExecutionSuccess for it.
func (e *Execution) RequireSuccess(t testing.TB) {
	t.Helper()
	switch {
	case e.Receipt.Status != 1:
		t.Fatalf("safetest: execTransaction %s (safeTxHash %s) reverted", e.Receipt.TxHash, e.SafeTxHash)
	case !e.Success:
		t.Fatalf("safetest: execTransaction %s (safeTxHash %s) mined without ExecutionSuccess (ExecutionFailure: %v)",
			e.Receipt.TxHash, e.SafeTxHash, e.Failure)
	}
}

// ApproveHash makes owner call approveHash(hash) on the Safe, as an owner
// approves a transaction on chain (or a parent Safe does, for a nested
// Safe). The owner's account is impersonated (anvil_impersonateAccount) and
// given 1 ether for gas. Afterwards owner's ApprovedHash signature counts.
func (s *Safe) ApproveHash(t testing.TB, owner common.Address, hash common.Hash) {
	t.Helper()
	c := s.Chain()
	c.Impersonate(t, owner)
	c.SetBalance(t, owner, Ether(1))
	msg := msgTo(s.Address, nil, safe.ApproveHashData(hash))
	msg.From = owner
	c.MustSend(t, msg)
}

// CallProxy sends data (and value) to the Safe's address from the chain's
// sender, as a plain call: e.g. sweepETH through a hijacked proxy.
func (s *Safe) CallProxy(t testing.TB, value *big.Int, data []byte) *ethrpc.Receipt {
	t.Helper()
	return s.Chain().Send(t, msgTo(s.Address, value, data))
}

func orZero(n *big.Int) *big.Int {
	if n == nil {
		return new(big.Int)
	}
	return n
}
