package safetest

import (
	"context"
	"fmt"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/internal/anviltest"
)

// callTimeout bounds each helper's work with the node.
const callTimeout = 30 * time.Second

// Chain is a node the harness deploys to and reads from: the Anvil process,
// Bulwark's JSON-RPC client for it, and the account that sends transactions.
type Chain struct {
	// Node is the Anvil node (nil when the Chain was made with Connect).
	Node *anviltest.Node
	// RPC is a client for the node's JSON-RPC endpoint.
	RPC *ethrpc.Client
	// ChainID is the node's chain id.
	ChainID *big.Int
	// Sender is the unlocked account that deploys contracts and submits
	// transactions by default: anviltest.DefaultAccounts()[0].
	Sender common.Address
}

// StartChain starts an Anvil node for t (see anviltest.Start: skipped or
// failed when anvil is not installed) and connects to it. The node stops
// when t ends.
func StartChain(t testing.TB, opts ...anviltest.Option) *Chain {
	t.Helper()
	n := anviltest.Start(t, opts...)
	c := Connect(t, n.URL)
	c.Node = n
	return c
}

// Connect returns a Chain for the node at url, whose first account from
// anviltest.DefaultAccounts must be unlocked (an Anvil node).
func Connect(t testing.TB, url string) *Chain {
	t.Helper()
	rpc, err := ethrpc.Dial(url, ethrpc.Options{MaxRetries: -1})
	if err != nil {
		t.Fatalf("safetest: %v", err)
	}
	t.Cleanup(rpc.Close)
	c := &Chain{RPC: rpc, Sender: anviltest.DefaultAccounts()[0]}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	id, err := rpc.ChainID(ctx)
	if err != nil {
		t.Fatalf("safetest: eth_chainId: %v", err)
	}
	c.ChainID = new(big.Int).SetUint64(id)
	return c
}

// URL returns the node's JSON-RPC endpoint, e.g. for a `--rpc` flag.
func (c *Chain) URL() string { return c.RPC.URL() }

// SendTx sends msg with eth_sendTransaction (From defaults to c.Sender; Gas
// 0 lets the node estimate) and waits for its receipt. A transaction that
// was mined but reverted is not an error: check Receipt.Status.
func (c *Chain) SendTx(ctx context.Context, msg ethrpc.CallMsg) (*ethrpc.Receipt, error) {
	if msg.From == (common.Address{}) {
		msg.From = c.Sender
	}
	var h common.Hash
	if err := c.RPC.Call(ctx, &h, "eth_sendTransaction", msg); err != nil {
		return nil, err
	}
	for {
		r, err := c.RPC.TransactionReceipt(ctx, h)
		if err == nil {
			return r, nil
		}
		if !bulwark.IsCode(err, bulwark.ENOTFOUND) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("transaction %s not mined: %w", h, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Send is SendTx for tests: it fails t when the node refuses the
// transaction (e.g. gas estimation hits a revert) but returns a mined,
// reverted transaction's receipt.
func (c *Chain) Send(t testing.TB, msg ethrpc.CallMsg) *ethrpc.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	r, err := c.SendTx(ctx, msg)
	if err != nil {
		t.Fatalf("safetest: send transaction to %v: %v", msg.To, err)
	}
	return r
}

// MustSend is Send that also fails t when the transaction reverted.
func (c *Chain) MustSend(t testing.TB, msg ethrpc.CallMsg) *ethrpc.Receipt {
	t.Helper()
	r := c.Send(t, msg)
	if r.Status != 1 {
		t.Fatalf("safetest: transaction %s to %v reverted (gas used %d)", r.TxHash, msg.To, r.GasUsed)
	}
	return r
}

// Deploy deploys creation code (constructor arguments appended) from
// c.Sender and returns the new contract's address.
func (c *Chain) Deploy(t testing.TB, code []byte) common.Address {
	t.Helper()
	r := c.MustSend(t, ethrpc.CallMsg{Data: code})
	if r.ContractAddress == nil {
		t.Fatalf("safetest: deployment %s has no contract address", r.TxHash)
	}
	if len(c.Code(t, *r.ContractAddress)) == 0 {
		t.Fatalf("safetest: deployment %s left no code at %s", r.TxHash, r.ContractAddress)
	}
	return *r.ContractAddress
}

// DeployArtifact deploys a's creation code with ABI-encoded constructor
// arguments.
func (c *Chain) DeployArtifact(t testing.TB, a *Artifact, args ...any) common.Address {
	t.Helper()
	code := a.Bytecode
	if len(args) > 0 {
		enc, err := a.ABI.Pack("", args...)
		if err != nil {
			t.Fatalf("safetest: %s constructor: %v", a.Name, err)
		}
		code = append(append([]byte(nil), code...), enc...)
	}
	return c.Deploy(t, code)
}

// CallContract runs an eth_call of data on to at the latest block and
// returns the result; it fails t on a revert.
func (c *Chain) CallContract(t testing.TB, to common.Address, data []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	out, err := c.RPC.CallContract(ctx, ethrpc.CallMsg{To: &to, Data: data}, ethrpc.Latest, nil)
	if err != nil {
		t.Fatalf("safetest: eth_call %s: %v", to, err)
	}
	return out
}

// Call ABI-encodes method(args…) of a, calls it on to and decodes the
// results.
func (c *Chain) Call(t testing.TB, a *Artifact, to common.Address, method string, args ...any) []any {
	t.Helper()
	data, err := a.Pack(method, args...)
	if err != nil {
		t.Fatalf("safetest: %v", err)
	}
	out, err := a.ABI.Unpack(method, c.CallContract(t, to, data))
	if err != nil {
		t.Fatalf("safetest: %s.%s result: %v", a.Name, method, err)
	}
	return out
}

// Balance returns addr's ETH balance in wei at the latest block.
func (c *Chain) Balance(t testing.TB, addr common.Address) *big.Int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	b, err := c.RPC.BalanceAt(ctx, addr, ethrpc.Latest)
	if err != nil {
		t.Fatalf("safetest: eth_getBalance %s: %v", addr, err)
	}
	return b
}

// Code returns the code at addr at the latest block.
func (c *Chain) Code(t testing.TB, addr common.Address) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	code, err := c.RPC.CodeAt(ctx, addr, ethrpc.Latest)
	if err != nil {
		t.Fatalf("safetest: eth_getCode %s: %v", addr, err)
	}
	return code
}

// Storage returns storage slot of addr at block (ethrpc.Latest for now).
func (c *Chain) Storage(t testing.TB, addr common.Address, slot common.Hash, block ethrpc.BlockRef) common.Hash {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	v, err := c.RPC.StorageAt(ctx, addr, slot, block)
	if err != nil {
		t.Fatalf("safetest: eth_getStorageAt %s %s: %v", addr, slot, err)
	}
	return v
}

// BlockNumber returns the number of the latest block.
func (c *Chain) BlockNumber(t testing.TB) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	n, err := c.RPC.BlockNumber(ctx)
	if err != nil {
		t.Fatalf("safetest: eth_blockNumber: %v", err)
	}
	return n
}

// FundETH sends wei to addr from c.Sender in a plain transfer.
func (c *Chain) FundETH(t testing.TB, addr common.Address, wei *big.Int) {
	t.Helper()
	c.MustSend(t, ethrpc.CallMsg{To: &addr, Value: wei})
}

// SetBalance sets addr's balance to wei without a transaction
// (anvil_setBalance), e.g. to give a Safe more than the funded accounts
// hold.
func (c *Chain) SetBalance(t testing.TB, addr common.Address, wei *big.Int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := c.RPC.Call(ctx, nil, "anvil_setBalance", addr, (*hexutil.Big)(wei)); err != nil {
		t.Fatalf("safetest: anvil_setBalance %s: %v", addr, err)
	}
}

// Impersonate lets transactions be sent from addr without its key
// (anvil_impersonateAccount), e.g. for an owner to call approveHash itself.
// The account needs ETH for gas (SetBalance).
func (c *Chain) Impersonate(t testing.TB, addr common.Address) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := c.RPC.Call(ctx, nil, "anvil_impersonateAccount", addr); err != nil {
		t.Fatalf("safetest: anvil_impersonateAccount %s: %v", addr, err)
	}
}

// Ether returns n ether in wei.
func Ether(n int64) *big.Int {
	return new(big.Int).Mul(big.NewInt(n), big.NewInt(1e18))
}
