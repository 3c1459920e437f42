// Package thorchain recognises deposits into THORChain, the cross-chain
// swap network, as exits of traced value: a transfer into a THORChain
// router (or vault) whose transaction input carries a memo
// ("=:BTC.BTC:bc1q…") naming the chain and address the value is swapped
// to.
//
// The routers are contracts; a deposit calls deposit(vault, asset,
// amount, memo) or depositWithExpiry(vault, asset, amount, memo,
// expiration), with ETH as the call's value or an ERC-20 token pulled by
// the router. [Detector] reads the memo from the call's input (go-ethereum
// ABI decoding); a deposit straight into a vault carries the memo as the
// transaction's data in UTF-8. The router and vault addresses come from a
// constants file the user can pass ([ReadConstants], the layout of
// graphsense-lib's THORChain constants) or the three public router
// addresses built in ([DefaultConstants]).
package thorchain

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"math/big"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/bulwark-sec/bulwark/tracing/internal/csvfile"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// Service is the Exit.Service of THORChain exits.
const Service = "THORChain"

// Constants are THORChain's addresses on Ethereum: routers (contracts
// called with deposit or depositWithExpiry) and vaults (addresses that
// take plain transfers with the memo as data), each with a label.
type Constants struct {
	Routers map[common.Address]string
	Vaults  map[common.Address]string
}

// DefaultConstants returns THORChain's public Ethereum router addresses
// (graphsense-lib's THORChain module lists the same three). Vaults rotate
// with every churn and are not built in: pass a constants file naming
// them.
func DefaultConstants() Constants {
	return Constants{
		Routers: map[common.Address]string{
			common.HexToAddress("0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146"): "THORChain ETH router",
			common.HexToAddress("0x3624525075b88b24ecc29ce226b0cec1ffcb6976"): "THORChain ETH router (previous)",
			common.HexToAddress("0xc145990e84155416144c532e31f89b840ca8c2ce"): "THORChain ETH router (historical)",
		},
		Vaults: map[common.Address]string{},
	}
}

// ReadConstants reads a THORChain constants file: CSV with the header
// kind,chain,value,label; rows of kind router or vault on chain ETH give
// an address (value) and its label; other kinds (event_topic0) and other
// chains are skipped. Lines starting with '#' are comments; when label is
// the last column, commas in an unquoted label are kept. name is the file's name for errors: a bad row is an
// EINVALID error naming the file and line.
func ReadConstants(name string, r io.Reader) (Constants, error) {
	c := Constants{Routers: map[common.Address]string{}, Vaults: map[common.Address]string{}}
	cr := csv.NewReader(r)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err == io.EOF {
		return c, bulwark.Invalid(name, "the file is empty: a THORChain constants file starts with the header kind,chain,value,label")
	}
	if err != nil {
		return c, csvfile.Error(name, err, "check quotes and commas")
	}
	col, _ := csvfile.Columns(header)
	for _, k := range []string{"kind", "chain", "value"} {
		if _, ok := col[k]; !ok {
			return c, bulwark.Invalid(name, "line 1: no %s column: a THORChain constants file has the header kind,chain,value,label", k)
		}
	}
	cell := func(rec []string, k string) string { return csvfile.Cell(rec, col, k) }
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return c, csvfile.Error(name, err, "check quotes and commas")
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < len(header) {
			return c, bulwark.Invalid(name, "line %d has %d fields, the header %d: give every row kind,chain,value,label", line, len(rec), len(header))
		}
		if li, ok := col["label"]; ok && li == len(header)-1 && len(rec) > len(header) {
			// An unquoted label holding commas (the published file has
			// one): the label is the rest of the row.
			rec = append(rec[:li:li], strings.Join(rec[li:], ","))
		} else if len(rec) > len(header) {
			return c, bulwark.Invalid(name, "line %d has %d fields, the header %d: quote a cell holding a comma", line, len(rec), len(header))
		}
		kind := strings.ToLower(cell(rec, "kind"))
		if kind != "router" && kind != "vault" {
			continue
		}
		if ch := strings.ToUpper(cell(rec, "chain")); ch != "ETH" {
			continue
		}
		v := cell(rec, "value")
		if !tracing.IsHexAddress(v) {
			return c, bulwark.Invalid(name, "line %d: %s address %q is not 0x and 40 hex digits", line, kind, bulwark.Echo(v))
		}
		label := cell(rec, "label")
		if label == "" {
			label = "THORChain " + kind
		}
		if kind == "router" {
			c.Routers[common.HexToAddress(v)] = label
		} else {
			c.Vaults[common.HexToAddress(v)] = label
		}
	}
	if len(c.Routers)+len(c.Vaults) == 0 {
		return c, bulwark.Invalid(name, "no ETH router or vault row: nothing to detect")
	}
	return c, nil
}

// Inputs holds transaction inputs (calldata) by transaction hash: for a
// deposit through a router, the input of the call into the router (the
// transaction's own input, or the internal call's when an aggregator
// called the router); for a deposit into a vault, the transaction's data.
type Inputs map[common.Hash][]byte

// routerABI declares the router's deposit functions (THORChain router
// v2-v4).
var routerABI = func() abi.ABI {
	a, err := abi.JSON(strings.NewReader(`[
{"type":"function","name":"deposit","stateMutability":"payable","inputs":[{"name":"vault","type":"address"},{"name":"asset","type":"address"},{"name":"amount","type":"uint256"},{"name":"memo","type":"string"}],"outputs":[]},
{"type":"function","name":"depositWithExpiry","stateMutability":"payable","inputs":[{"name":"vault","type":"address"},{"name":"asset","type":"address"},{"name":"amount","type":"uint256"},{"name":"memo","type":"string"},{"name":"expiration","type":"uint256"}],"outputs":[]}
]`))
	if err != nil {
		panic(err) // a constant: cannot fail
	}
	return a
}()

// DepositTopic is the first topic of the router's event
// Deposit(address indexed to, address indexed asset, uint256 amount,
// string memo), which it emits for every deposit, whoever called it.
var DepositTopic = crypto.Keccak256Hash([]byte("Deposit(address,address,uint256,string)"))

// depositEvent decodes the Deposit event's data (amount, memo).
var depositEvent = func() abi.Arguments {
	u, _ := abi.NewType("uint256", "", nil)
	s, _ := abi.NewType("string", "", nil)
	return abi.Arguments{{Name: "amount", Type: u}, {Name: "memo", Type: s}}
}()

// RouterMemo decodes a router call's input and returns its memo; false
// when input is not a deposit or depositWithExpiry call.
func RouterMemo(input []byte) (string, bool) {
	if len(input) < 4 {
		return "", false
	}
	m, err := routerABI.MethodById(input[:4])
	if err != nil {
		return "", false
	}
	args, err := m.Inputs.Unpack(input[4:])
	if err != nil || len(args) < 4 {
		return "", false
	}
	memo, ok := args[3].(string)
	return memo, ok
}

// EventInput returns, for a Deposit event (DepositTopic) logged by a
// router d knows, the input of the router call it records:
// deposit(to, asset, amount, memo), ABI-encoded, which RouterMemo reads.
// A deposit made through an aggregator contract has its memo in the
// router's event though the transaction's own input is the aggregator's.
// False for another event, one of an address that is not a known router,
// or a malformed one.
func (d *Detector) EventInput(addr common.Address, topics []common.Hash, data []byte) ([]byte, bool) {
	if _, ok := d.c.Routers[addr]; !ok || len(topics) != 3 || topics[0] != DepositTopic {
		return nil, false
	}
	args, err := depositEvent.Unpack(data)
	if err != nil || len(args) != 2 {
		return nil, false
	}
	amount, ok1 := args[0].(*big.Int)
	memo, ok2 := args[1].(string)
	if !ok1 || !ok2 {
		return nil, false
	}
	in, err := routerABI.Pack("deposit", common.BytesToAddress(topics[1][12:]), common.BytesToAddress(topics[2][12:]), amount, memo)
	if err != nil {
		return nil, false
	}
	return in, true
}

// AddEvent puts in in, for transaction tx, the input a router's Deposit
// event records (EventInput), unless in already holds the input of a
// router call for tx (the call's own arguments win). It reports whether it
// did. Every source of events (an export's logs.csv, a node's receipts)
// goes through it, so each reads the same memos.
func (d *Detector) AddEvent(in Inputs, tx common.Hash, addr common.Address, topics []common.Hash, data []byte) bool {
	if _, ok := RouterMemo(in[tx]); ok {
		return false
	}
	input, ok := d.EventInput(addr, topics, data)
	if !ok {
		return false
	}
	in[tx] = input
	return true
}

// InputReader reads the inputs (Inputs) of transactions for a Detector:
// from a node (ethrpc.Client.ExitInputs) or from files read beforehand (an
// Inputs map is one).
type InputReader interface {
	ExitInputs(ctx context.Context, d *Detector, hashes []common.Hash) (Inputs, error)
}

// ExitInputs returns in: the inputs read beforehand.
func (in Inputs) ExitInputs(context.Context, *Detector, []common.Hash) (Inputs, error) {
	return in, nil
}

// Finder is THORChain's tracing.ExitFinder: for a run over transfers it
// finds the transactions paying a router or vault of Constants, reads
// their inputs through Inputs (nil: exits without memos) and returns the
// Detector over them. One-shot traces, case runs and the live follower
// all detect exits through it.
type Finder struct {
	Constants Constants
	Inputs    InputReader
	// Chain, when set, is the chain Inputs reads (a node's): transfers of
	// another chain get exits without memos.
	Chain uint64
}

// ExitsFor returns the exit detector of a run over transfers.
func (f *Finder) ExitsFor(ctx context.Context, transfers []tracing.Transfer) (tracing.ExitDetector, error) {
	d := New(f.Constants, nil)
	if f.Inputs == nil || len(transfers) == 0 || (f.Chain != 0 && transfers[0].Chain != f.Chain) {
		return d, nil
	}
	wanted := d.Wanted(transfers)
	if len(wanted) == 0 {
		return d, nil
	}
	in, err := f.Inputs.ExitInputs(ctx, d, wanted)
	if err != nil {
		return nil, err
	}
	return New(f.Constants, in), nil
}

// Detector recognises THORChain deposits among transfers (it implements
// tracing.ExitDetector). Build one with [New].
type Detector struct {
	c      Constants
	inputs Inputs
}

// New returns a detector for the routers and vaults of c, reading memos
// from inputs (nil: exits are still recognised, without memo or
// destination).
func New(c Constants, inputs Inputs) *Detector {
	return &Detector{c: c, inputs: inputs}
}

// Known reports whether addr is a router or vault the detector knows.
func (d *Detector) Known(addr common.Address) bool {
	_, r := d.c.Routers[addr]
	_, v := d.c.Vaults[addr]
	return r || v
}

// Wanted returns the hashes of the transactions among ts whose input the
// detector needs (those paying a router or vault), without repeats, in
// the order of ts: a caller reading a node fetches their inputs
// (eth_getTransactionByHash) into the Inputs it passes to New.
func (d *Detector) Wanted(ts []tracing.Transfer) []common.Hash {
	var out []common.Hash
	seen := map[common.Hash]bool{}
	for i := range ts {
		t := &ts[i]
		if d.candidate(t) && !seen[t.TxHash] {
			seen[t.TxHash] = true
			out = append(out, t.TxHash)
		}
	}
	return out
}

func (d *Detector) candidate(t *tracing.Transfer) bool {
	switch t.Kind {
	case tracing.TopLevelCall, tracing.InternalCall, tracing.TokenTransfer:
	default:
		return false
	}
	// The router forwarding ETH to its vault is the same deposit.
	return d.Known(t.To) && !d.Known(t.From) && !t.Amount.IsZero()
}

// Exit reports t as a THORChain exit when it pays a known router or
// vault: Via is the router or vault, Service "THORChain", and, when the
// transaction's input holds a memo, Memo with the destination chain and
// address it names. Taint is left for the caller.
func (d *Detector) Exit(t *tracing.Transfer) (tracing.Exit, bool) {
	if !d.candidate(t) {
		return tracing.Exit{}, false
	}
	e := tracing.Exit{TxHash: t.TxHash, Block: t.Block, Time: t.Time, From: t.From, Via: t.To,
		Service: Service, Asset: t.Asset.String(), Amount: t.Amount.Dec()}
	input := d.inputs[t.TxHash]
	memo, ok := RouterMemo(input)
	if !ok {
		if _, vault := d.c.Vaults[t.To]; vault {
			_, ok = ParseMemo(string(input))
			memo = string(input)
		}
	}
	if ok {
		e.Memo = strings.TrimRight(memo, "\x00")
		if m, ok := ParseMemo(memo); ok {
			e.DestChain, e.DestAddress = m.Chain, m.Dest
		}
	}
	return e, true
}

// ReadETL reads from an ethereum-etl export the inputs d needs: the
// inputs of the calls into its routers and vaults (etl.ReadInputs:
// traces.csv, else transactions.csv) and the inputs its routers' Deposit
// events in logs.csv record (AddEvent), for deposits made through an
// aggregator contract in an export without traces. A node's inputs
// (ethrpc.Client.ExitInputs) are read the same way.
func ReadETL(fsys fs.FS, d *Detector) (Inputs, error) {
	in, err := etl.ReadInputs(fsys, d.Known)
	if err != nil {
		return nil, err
	}
	f, err := fsys.Open(etl.LogsFile)
	if errors.Is(err, fs.ErrNotExist) {
		return in, nil
	}
	if err != nil {
		return nil, bulwark.Wrap(err, bulwark.EINVALID, etl.LogsFile+": cannot open the file: "+err.Error())
	}
	defer f.Close()
	err = etl.ReadLogs(etl.LogsFile, f, func(_ int, l *etl.Log) error {
		if len(l.Topics) > 0 && l.Topics[0] == DepositTopic {
			d.AddEvent(in, l.TxHash, l.Address, l.Topics, l.Data)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}
