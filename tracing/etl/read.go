package etl

import (
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// The files of an export, as ethereum-etl names them.
const (
	TransactionsFile   = "transactions.csv"
	ReceiptsFile       = "receipts.csv"
	BlocksFile         = "blocks.csv"
	TracesFile         = "traces.csv"
	TokenTransfersFile = "token_transfers.csv"
	LogsFile           = "logs.csv"
)

// Status is a transaction's outcome as its receipt says.
type Status int8

// Statuses. StatusUnknown when no file gives the receipt (or the block
// predates Byzantium, whose receipts have a state root instead).
const (
	StatusUnknown Status = iota
	StatusFailed
	StatusSucceeded
)

func statusOf(v string) (Status, bool) {
	switch v {
	case "1":
		return StatusSucceeded, true
	case "0":
		return StatusFailed, true
	case "":
		return StatusUnknown, true
	}
	return StatusUnknown, false
}

// Transaction is a row of transactions.csv. BigQuery's crypto_ethereum
// transactions table also carries the receipt (receipt_status,
// receipt_gas_used, receipt_effective_gas_price,
// receipt_contract_address); they fill Receipt when present.
type Transaction struct {
	Hash     common.Hash
	Block    uint64
	Index    uint32
	Time     int64
	From     common.Address
	To       common.Address // zero for a contract creation (Create set)
	Create   bool
	Value    uint256.Int
	GasPrice uint256.Int // for a mined transaction, the price it paid
	// HasGasPrice is false when the file has no gas_price (or it is empty).
	HasGasPrice bool
	Receipt     Receipt // Receipt.Known when the file has receipt columns
}

// Receipt is a row of receipts.csv (or the receipt columns of a BigQuery
// transactions row).
type Receipt struct {
	Known           bool
	TxHash          common.Hash
	Status          Status
	GasUsed         uint64
	HasGasUsed      bool
	EffectivePrice  uint256.Int
	HasEffective    bool
	ContractAddress common.Address // the contract a creation made, if any
}

// Block is a row of blocks.csv: what fees need (the fee recipient and the
// base fee) and the block's time.
type Block struct {
	Number uint64
	Time   int64
	Miner  common.Address
	// BaseFee is the EIP-1559 base fee per gas; HasBaseFee is false for
	// blocks before London, whose whole fee goes to the miner.
	BaseFee    uint256.Int
	HasBaseFee bool
}

// TokenTransfer is a row of token_transfers.csv: a Transfer event of a
// token contract.
type TokenTransfer struct {
	Token, From, To common.Address
	Value           uint256.Int
	TxHash          common.Hash
	LogIndex        uint32
	Block           uint64
}

var (
	txRequired = []string{"hash", "block_number", "transaction_index", "from_address", "to_address", "value", "block_timestamp"}
	txOptional = []string{"gas_price", "receipt_status", "receipt_gas_used", "receipt_effective_gas_price", "receipt_contract_address"}

	receiptRequired = []string{"transaction_hash", "gas_used", "status"}
	receiptOptional = []string{"effective_gas_price", "contract_address"}

	blockRequired = []string{"number", "timestamp", "miner"}
	blockOptional = []string{"base_fee_per_gas"}

	tokenRequired = []string{"token_address", "from_address", "to_address", "value", "transaction_hash", "log_index", "block_number"}

	logRequired = []string{"log_index", "transaction_hash", "address", "data", "topics"}

	traceRequired = []string{"block_number", "transaction_hash", "transaction_index", "from_address", "to_address", "value", "trace_type", "call_type", "trace_address", "error"}
	traceOptional = []string{"status"}
)

// ReadTransactions calls fn for every row of a transactions.csv with the
// line it starts on (name is used in errors). The Transaction is reused
// between calls. The other readers work alike.
func ReadTransactions(name string, r io.Reader, fn func(line int, row *Transaction) error) error {
	t, err := newTable(name, r, txRequired, txOptional)
	if err != nil {
		return err
	}
	hasReceipt := t.has("receipt_status") || t.has("receipt_gas_used")
	var tx Transaction
	for {
		ok, err := t.next()
		if !ok || err != nil {
			return err
		}
		tx = Transaction{}
		if tx.Hash, err = t.hash("hash"); err != nil {
			return err
		}
		if tx.Block, err = t.uint("block_number", 64); err != nil {
			return err
		}
		idx, err := t.uint("transaction_index", 32)
		if err != nil {
			return err
		}
		tx.Index = uint32(idx)
		if tx.Time, err = t.timestamp("block_timestamp"); err != nil {
			return err
		}
		if tx.From, _, err = t.addr("from_address", false); err != nil {
			return err
		}
		var hasTo bool
		if tx.To, hasTo, err = t.addr("to_address", true); err != nil {
			return err
		}
		tx.Create = !hasTo
		if _, err = t.amount(&tx.Value, "value", false); err != nil {
			return err
		}
		if tx.HasGasPrice, err = t.amount(&tx.GasPrice, "gas_price", true); err != nil {
			return err
		}
		if hasReceipt {
			rc := &tx.Receipt
			rc.Known, rc.TxHash = true, tx.Hash
			if err := t.receipt(rc, "receipt_status", "receipt_gas_used", "receipt_effective_gas_price", "receipt_contract_address"); err != nil {
				return err
			}
		}
		if err := fn(t.line, &tx); err != nil {
			return err
		}
	}
}

func (t *table) receipt(rc *Receipt, status, gasUsed, price, contract string) error {
	var ok bool
	if rc.Status, ok = statusOf(t.str(status)); !ok {
		return t.bad(status, t.str(status), "1, 0 or empty")
	}
	var err error
	if rc.GasUsed, rc.HasGasUsed, err = t.optUint(gasUsed, 64); err != nil {
		return err
	}
	if rc.HasEffective, err = t.amount(&rc.EffectivePrice, price, true); err != nil {
		return err
	}
	rc.ContractAddress, _, err = t.addr(contract, true)
	return err
}

// ReadReceipts calls fn for every row of a receipts.csv. The Receipt is
// reused between calls.
func ReadReceipts(name string, r io.Reader, fn func(line int, row *Receipt) error) error {
	t, err := newTable(name, r, receiptRequired, receiptOptional)
	if err != nil {
		return err
	}
	var rc Receipt
	for {
		ok, err := t.next()
		if !ok || err != nil {
			return err
		}
		rc = Receipt{Known: true}
		if rc.TxHash, err = t.hash("transaction_hash"); err != nil {
			return err
		}
		if err := t.receipt(&rc, "status", "gas_used", "effective_gas_price", "contract_address"); err != nil {
			return err
		}
		if err := fn(t.line, &rc); err != nil {
			return err
		}
	}
}

// ReadBlocks calls fn for every row of a blocks.csv. The Block is reused
// between calls.
func ReadBlocks(name string, r io.Reader, fn func(line int, row *Block) error) (hasBaseFee bool, err error) {
	t, err := newTable(name, r, blockRequired, blockOptional)
	if err != nil {
		return false, err
	}
	var b Block
	for {
		ok, err := t.next()
		if !ok || err != nil {
			return t.empty || t.has("base_fee_per_gas"), err
		}
		b = Block{}
		if b.Number, err = t.uint("number", 64); err != nil {
			return false, err
		}
		if b.Time, err = t.timestamp("timestamp"); err != nil {
			return false, err
		}
		if b.Miner, _, err = t.addr("miner", false); err != nil {
			return false, err
		}
		if b.HasBaseFee, err = t.amount(&b.BaseFee, "base_fee_per_gas", true); err != nil {
			return false, err
		}
		if err := fn(t.line, &b); err != nil {
			return false, err
		}
	}
}

// ReadTokenTransfers calls fn for every row of a token_transfers.csv. The
// TokenTransfer is reused between calls.
func ReadTokenTransfers(name string, r io.Reader, fn func(line int, row *TokenTransfer) error) error {
	t, err := newTable(name, r, tokenRequired, nil)
	if err != nil {
		return err
	}
	var tt TokenTransfer
	for {
		ok, err := t.next()
		if !ok || err != nil {
			return err
		}
		tt = TokenTransfer{}
		if tt.Token, _, err = t.addr("token_address", false); err != nil {
			return err
		}
		if tt.From, _, err = t.addr("from_address", false); err != nil {
			return err
		}
		if tt.To, _, err = t.addr("to_address", false); err != nil {
			return err
		}
		if _, err = t.amount(&tt.Value, "value", false); err != nil {
			return err
		}
		if tt.TxHash, err = t.hash("transaction_hash"); err != nil {
			return err
		}
		li, err := t.uint("log_index", 32)
		if err != nil {
			return err
		}
		tt.LogIndex = uint32(li)
		if tt.Block, err = t.uint("block_number", 64); err != nil {
			return err
		}
		if err := fn(t.line, &tt); err != nil {
			return err
		}
	}
}

// ReadTraces calls fn for every row of a traces.csv, as a tracing.Frame:
// a status column of 0 marks the row reverted (ethereum-etl sets it for a
// failed frame and everything under it). The Frame is reused between
// calls, its TraceAddress included: copy what you keep.
func ReadTraces(name string, r io.Reader, fn func(line int, row *tracing.Frame) error) error {
	t, err := newTable(name, r, traceRequired, traceOptional)
	if err != nil {
		return err
	}
	var tr tracing.Frame
	path := make([]uint32, 0, 8)
	for {
		ok, err := t.next()
		if !ok || err != nil {
			return err
		}
		tr = tracing.Frame{}
		if tr.Block, err = t.uint("block_number", 64); err != nil {
			return err
		}
		if tr.Type, err = tracing.ParseTraceType(t.str("trace_type")); err != nil {
			return t.bad("trace_type", t.str("trace_type"), "call, create, suicide or reward")
		}
		if tr.CallType, err = tracing.ParseCallType(t.str("call_type")); err != nil {
			return t.bad("call_type", t.str("call_type"), "call, callcode, delegatecall, staticcall or empty")
		}
		if (tr.Type == tracing.TraceCall) != (tr.CallType != tracing.CallNone) {
			return t.bad("call_type", t.str("call_type"), "given for a call and only for a call")
		}
		if tr.Type != tracing.TraceReward {
			if tr.TxHash, err = t.hash("transaction_hash"); err != nil {
				return err
			}
			idx, err := t.uint("transaction_index", 32)
			if err != nil {
				return err
			}
			tr.TxIndex = uint32(idx)
		}
		tr.Error = t.str("error")
		st, ok := statusOf(t.str("status"))
		if !ok {
			return t.bad("status", t.str("status"), "1, 0 or empty")
		}
		tr.Reverted = st == StatusFailed
		// A reward has no from; a failed create made no contract.
		if tr.From, _, err = t.addr("from_address", tr.Type == tracing.TraceReward); err != nil {
			return err
		}
		if tr.To, _, err = t.addr("to_address", tr.Error != "" || tr.Reverted); err != nil {
			return err
		}
		if _, err = t.amount(&tr.Value, "value", tr.Type == tracing.TraceCall && tr.CallType == tracing.CallStatic); err != nil {
			return err
		}
		path = path[:0]
		if p := t.str("trace_address"); p != "" {
			for f := range strings.SplitSeq(p, ",") {
				n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 32)
				if err != nil {
					return t.bad("trace_address", p, "a comma-separated list of call positions (0,2,1)")
				}
				path = append(path, uint32(n))
			}
		}
		tr.TraceAddress = path
		if err := fn(t.line, &tr); err != nil {
			return err
		}
	}
}

// Log is a row of logs.csv: an event. Topics are as many as the event has
// (ethereum-etl joins them with commas in one column).
type Log struct {
	TxHash   common.Hash
	LogIndex uint32
	Address  common.Address
	Topics   []common.Hash
	Data     []byte
}

// ReadLogs calls fn for every row of a logs.csv. The Log is reused
// between calls, its Topics and Data included: copy what you keep.
func ReadLogs(name string, r io.Reader, fn func(line int, row *Log) error) error {
	t, err := newTable(name, r, logRequired, nil)
	if err != nil {
		return err
	}
	var l Log
	topics := make([]common.Hash, 0, 4)
	var data []byte
	for {
		ok, err := t.next()
		if !ok || err != nil {
			return err
		}
		l = Log{}
		if l.TxHash, err = t.hash("transaction_hash"); err != nil {
			return err
		}
		li, err := t.uint("log_index", 32)
		if err != nil {
			return err
		}
		l.LogIndex = uint32(li)
		if l.Address, _, err = t.addr("address", false); err != nil {
			return err
		}
		topics = topics[:0]
		if v := t.str("topics"); v != "" {
			for f := range strings.SplitSeq(v, ",") {
				f = strings.TrimSpace(f)
				if len(f) != 66 || f[0] != '0' || f[1] != 'x' || !allHex(f[2:]) {
					return t.bad("topics", v, "a comma-separated list of 0x-prefixed 32-byte hex topics")
				}
				topics = append(topics, common.HexToHash(f))
			}
		}
		l.Topics = topics
		d := t.str("data")
		if len(d) < 2 || d[0] != '0' || d[1] != 'x' || len(d)%2 != 0 || !allHex(d[2:]) {
			return t.bad("data", d, "0x-prefixed hex bytes")
		}
		data = slices.Grow(data[:0], (len(d)-2)/2)[:(len(d)-2)/2]
		if _, err := hex.Decode(data, []byte(d[2:])); err != nil {
			return t.bad("data", d, "0x-prefixed hex bytes")
		}
		l.Data = data
		if err := fn(t.line, &l); err != nil {
			return err
		}
	}
}

func allHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return false
		}
	}
	return true
}
