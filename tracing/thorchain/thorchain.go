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
	"encoding/csv"
	"io"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/internal/csvfile"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
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
