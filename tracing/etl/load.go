package etl

import (
	"errors"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Options say what Load needs beyond the files.
type Options struct {
	// Chain is the chain's EIP-155 id (1 for Ethereum mainnet).
	Chain uint64
	// Wrapped gives the chain's wrapped native token, whose Deposit and
	// Withdrawal events in logs.csv are wraps and unwraps; nil means
	// tracing.DefaultWrappedNatives().
	Wrapped tracing.WrappedNatives
}

// Export is what Load makes of an export directory.
type Export struct {
	// Transfers in the order they happened (tracing.Compare).
	Transfers []tracing.Transfer
	// Transactions is the number of transactions read.
	Transactions int
	// Files lists the files read, in the order read.
	Files []string
	// FeesUnknown counts transactions whose gas fee is not among the
	// transfers, and FeesWhy says what the export lacks for them (empty
	// when FeesUnknown is 0).
	FeesUnknown int
	FeesWhy     string
	// StatusUnknown counts transactions whose value was counted as moved
	// without a receipt or trace to say they succeeded (a failed one moved
	// nothing): give receipts.csv or traces.csv to know.
	StatusUnknown int
	// CreatesUnknown counts contract creations with value whose contract
	// address no file gives (receipts.csv's contract_address, or
	// traces.csv); their value is not among the transfers.
	CreatesUnknown int
	// TokensUnverified counts token transfers read as ERC-20 without
	// logs.csv to confirm it: ethereum-etl's token_transfers also holds
	// ERC-721 transfers, their value the token id, and only the event's
	// topics tell them apart. Give logs.csv to know.
	TokensUnverified int
	// MultiTokenSkipped counts the ERC-1155 events in logs.csv that are
	// not well-formed (any contract can emit one) and were left out, and
	// MultiTokenWhy says why the first was (empty when none was).
	MultiTokenSkipped int
	MultiTokenWhy     string
}

// Load reads an ethereum-etl export directory (or a BigQuery
// crypto_ethereum export laid out the same way) for chain and returns its
// transfers:
//
//   - transactions.csv (required) gives each transaction's position and
//     block time, and its value when there is no traces.csv;
//   - traces.csv gives the native transfers, the transactions' own values
//     included (calls with value, creates, selfdestructs; failed and
//     reverted frames left out; rewards are not transfers);
//   - token_transfers.csv gives token transfers, read as ERC-20 unless
//     logs.csv shows the event is an ERC-721 Transfer (four topics: the
//     value is the token id);
//   - logs.csv also gives the wrapped native token's Deposit and
//     Withdrawal events as wraps and unwraps, and the ERC-1155
//     TransferSingle and TransferBatch events (one transfer per item):
//     ethereum-etl's token_transfers has no ERC-1155 transfers, so without
//     logs.csv they are missing;
//   - receipts.csv (or the receipt columns of a BigQuery transactions
//     table) gives each transaction's outcome, gas used and price, and
//     with blocks.csv (fee recipient, base fee) its gas fee: the base fee
//     burned and the tip to the block's miner. Without them the fee is
//     unknown and counted in FeesUnknown.
//
// A file missing a required column, a malformed row, or a row naming a
// transaction transactions.csv lacks is an EINVALID error naming the file
// and line and the fix.
func Load(fsys fs.FS, opt Options) (*Export, error) {
	chain := opt.Chain
	wrapped := opt.Wrapped
	if wrapped == nil {
		wrapped = tracing.DefaultWrappedNatives()
	}
	if chain == 0 {
		return nil, bulwark.Invalid("chain", "chain id 0 is not a chain: give the chain's EIP-155 id (1 for Ethereum mainnet)")
	}
	ex := &Export{}
	open := func(name string, required bool, read func(io.Reader) error) (bool, error) {
		f, err := fsys.Open(name)
		if errors.Is(err, fs.ErrNotExist) {
			if required {
				if js := strings.TrimSuffix(name, ".csv") + ".json"; fileExists(fsys, js) {
					return false, bulwark.Invalid(name, "the export has no %s but a %s: this reads the CSV export; write it with ethereum-etl export_blocks_and_transactions --transactions-output %s", name, js, name)
				}
				return false, bulwark.Invalid(name, "the export has no %s: ethereum-etl export_blocks_and_transactions writes it, and every other file needs it for transaction positions and block times", name)
			}
			return false, nil
		}
		if err != nil {
			return false, bulwark.Wrap(err, bulwark.EINVALID, name+": cannot open the file: "+err.Error())
		}
		defer f.Close()
		ex.Files = append(ex.Files, name)
		return true, read(f)
	}

	type txInfo struct {
		tx     Transaction
		status Status // from traces, receipts or the transactions file
	}
	var txs []txInfo
	byHash := map[common.Hash]int{}
	if _, err := open(TransactionsFile, true, func(r io.Reader) error {
		return ReadTransactions(TransactionsFile, r, func(line int, tx *Transaction) error {
			if _, dup := byHash[tx.Hash]; dup {
				return bulwark.Invalid(TransactionsFile, "line %d: transaction %s appears twice: export each block once", line, tx.Hash.Hex())
			}
			byHash[tx.Hash] = len(txs)
			txs = append(txs, txInfo{tx: *tx, status: tx.Receipt.Status})
			return nil
		})
	}); err != nil {
		return nil, err
	}
	ex.Transactions = len(txs)

	haveReceipts, err := open(ReceiptsFile, false, func(r io.Reader) error {
		return ReadReceipts(ReceiptsFile, r, func(line int, rc *Receipt) error {
			i, ok := byHash[rc.TxHash]
			if !ok {
				return bulwark.Invalid(ReceiptsFile, "line %d: the receipt of %s has no transaction in %s: export both for the same blocks", line, rc.TxHash.Hex(), TransactionsFile)
			}
			txs[i].tx.Receipt = *rc
			txs[i].status = rc.Status
			return nil
		})
	})
	if err != nil {
		return nil, err
	}

	blocks := map[uint64]Block{}
	var blocksHaveBaseFee bool
	haveBlocks, err := open(BlocksFile, false, func(r io.Reader) error {
		var err error
		blocksHaveBaseFee, err = ReadBlocks(BlocksFile, r, func(_ int, b *Block) error {
			blocks[b.Number] = *b
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}

	asset := tracing.NativeAsset(chain)
	haveTraces, err := open(TracesFile, false, func(r io.Reader) error {
		var trs []tracing.Frame
		err := ReadTraces(TracesFile, r, func(line int, tr *tracing.Frame) error {
			if tr.Type == tracing.TraceReward {
				return nil // new coin, not a transfer
			}
			i, ok := byHash[tr.TxHash]
			if !ok {
				return bulwark.Invalid(TracesFile, "line %d: a trace of %s (block %d) has no transaction in %s: export both for the same blocks", line, tr.TxHash.Hex(), tr.Block, TransactionsFile)
			}
			if txs[i].tx.Index != tr.TxIndex || txs[i].tx.Block != tr.Block {
				return bulwark.Invalid(TracesFile, "line %d: a trace of %s places it at block %d position %d, %s at block %d position %d: export both files again from one node", line, tr.TxHash.Hex(), tr.Block, tr.TxIndex, TransactionsFile, txs[i].tx.Block, txs[i].tx.Index)
			}
			c := *tr
			c.TraceAddress = slices.Clone(tr.TraceAddress)
			trs = append(trs, c)
			return nil
		})
		if err != nil {
			return err
		}
		trs = tracing.PrunePrecompileCalls(trs)
		tracing.MarkReverted(trs)
		traced := make([]bool, len(txs))
		for k := range trs {
			tr := &trs[k]
			i := byHash[tr.TxHash]
			if len(tr.TraceAddress) == 0 {
				traced[i] = true
			}
			if len(tr.TraceAddress) == 0 && txs[i].status == StatusUnknown {
				txs[i].status = StatusSucceeded
				if tr.Error != "" || tr.Reverted {
					txs[i].status = StatusFailed
				}
			}
			tf, ok, err := tr.Transfer(chain, txs[i].tx.Time)
			if err != nil {
				return err
			}
			if ok {
				ex.Transfers = append(ex.Transfers, tf)
			}
		}
		// With traces.csv the transactions' own values come from it: a
		// transaction it does not trace would lose its transfers.
		for i, ok := range traced {
			if !ok {
				return bulwark.Invalid(TracesFile, "transaction %s (block %d position %d) has no trace (a row with an empty trace_address): export traces for the same blocks as %s", txs[i].tx.Hash.Hex(), txs[i].tx.Block, txs[i].tx.Index, TransactionsFile)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	for k := range txs {
		x := &txs[k]
		tx := &x.tx
		if !haveTraces && !tx.Value.IsZero() {
			if x.status == StatusFailed {
				continue
			}
			if x.status == StatusUnknown {
				ex.StatusUnknown++
			}
			t := tracing.Transfer{Chain: chain, Block: tx.Block, TxIndex: tx.Index, TxHash: tx.Hash, Time: tx.Time,
				Kind: tracing.TopLevelCall, TraceAddress: []uint32{}, From: tx.From, To: tx.To, Asset: asset, Amount: tx.Value}
			if tx.Create {
				if tx.Receipt.ContractAddress == (common.Address{}) {
					ex.CreatesUnknown++
					continue
				}
				t.Kind, t.To = tracing.Create, tx.Receipt.ContractAddress
			}
			ex.Transfers = append(ex.Transfers, t)
		}
	}

	// Fees.
	why := ""
	switch {
	case !haveReceipts && (len(txs) == 0 || !txs[0].tx.Receipt.Known):
		why = "the export has no receipts.csv (gas used)"
	case !haveBlocks:
		why = "the export has no blocks.csv (the fee recipient and base fee)"
	case !blocksHaveBaseFee:
		why = "blocks.csv has no base_fee_per_gas column"
	}
	for k := range txs {
		tx := &txs[k].tx
		if why != "" {
			ex.FeesUnknown++
			continue
		}
		b, okB := blocks[tx.Block]
		price := tx.GasPrice
		if tx.Receipt.HasEffective {
			price = tx.Receipt.EffectivePrice
		}
		if !okB || !tx.Receipt.Known || !tx.Receipt.HasGasUsed || !tx.Receipt.HasEffective && !tx.HasGasPrice {
			ex.FeesUnknown++
			if ex.FeesWhy == "" {
				ex.FeesWhy = feeGap(okB, tx)
			}
			continue
		}
		gas := uint256.NewInt(tx.Receipt.GasUsed)
		var burn, tip uint256.Int
		if b.HasBaseFee {
			if price.Lt(&b.BaseFee) {
				return nil, bulwark.Invalid(TransactionsFile, "transaction %s paid %s wei per gas, below its block's base fee %s: the files disagree; export them again from one node", tx.Hash.Hex(), price.Dec(), b.BaseFee.Dec())
			}
			burn.Mul(gas, &b.BaseFee)
			tip.Sub(&price, &b.BaseFee)
			tip.Mul(&tip, gas)
		} else {
			tip.Mul(gas, &price)
		}
		base := tracing.Transfer{Chain: chain, Block: tx.Block, TxIndex: tx.Index, TxHash: tx.Hash, Time: tx.Time, From: tx.From, Asset: asset}
		if !burn.IsZero() {
			t := base
			t.Kind, t.Amount = tracing.BaseFeeBurn, burn
			ex.Transfers = append(ex.Transfers, t)
		}
		if !tip.IsZero() {
			t := base
			t.Kind, t.To, t.Amount = tracing.GasTip, b.Miner, tip
			ex.Transfers = append(ex.Transfers, t)
		}
	}
	if ex.FeesUnknown > 0 && ex.FeesWhy == "" {
		ex.FeesWhy = why
	}

	// Events: the standard of each Transfer event, and wraps and unwraps
	// of the wrapped native token.
	type logKey struct {
		tx  common.Hash
		idx uint32
	}
	var transferTopics map[logKey]int
	weth, hasWeth := wrapped.Asset(chain)
	haveLogs, err := open(LogsFile, false, func(r io.Reader) error {
		transferTopics = map[logKey]int{}
		return ReadLogs(LogsFile, r, func(line int, l *Log) error {
			if len(l.Topics) == 0 {
				return nil
			}
			switch {
			case l.Topics[0] == transferEvent:
				transferTopics[logKey{l.TxHash, l.LogIndex}] = len(l.Topics)
				return nil
			case tracing.IsMultiTokenEvent(l.Topics[0]):
				i, ok := byHash[l.TxHash]
				if !ok {
					return bulwark.Invalid(LogsFile, "line %d: an event of %s has no transaction in %s: export both for the same blocks", line, l.TxHash.Hex(), TransactionsFile)
				}
				tx := &txs[i].tx
				base := tracing.Transfer{Chain: chain, Block: tx.Block, TxIndex: tx.Index, TxHash: tx.Hash, Time: tx.Time, LogIndex: l.LogIndex}
				var err error
				if ex.Transfers, err = tracing.MultiTokenTransfers(ex.Transfers, base, l.Address, l.Topics, l.Data); err != nil {
					if ex.MultiTokenSkipped == 0 {
						ex.MultiTokenWhy = LogsFile + " line " + u64(uint64(line)) + " (" + l.TxHash.Hex() + " log " + u64(uint64(l.LogIndex)) + "): " + bulwark.ErrorMessage(err)
					}
					ex.MultiTokenSkipped++
				}
				return nil
			case !hasWeth || l.Address != weth.Contract || l.Topics[0] != depositEvent && l.Topics[0] != withdrawalEvent:
				return nil
			}
			i, ok := byHash[l.TxHash]
			if !ok {
				return bulwark.Invalid(LogsFile, "line %d: an event of %s has no transaction in %s: export both for the same blocks", line, l.TxHash.Hex(), TransactionsFile)
			}
			if len(l.Topics) != 2 || len(l.Data) != 32 {
				return bulwark.Invalid(LogsFile, "line %d: a %s event of the wrapped native token has %d topics and %d data bytes, not 2 and 32: the row is damaged; export the file again", line, eventName(l.Topics[0]), len(l.Topics), len(l.Data))
			}
			tx := &txs[i].tx
			t := tracing.Transfer{Chain: chain, Block: tx.Block, TxIndex: tx.Index, TxHash: tx.Hash, Time: tx.Time,
				LogIndex: l.LogIndex, Asset: weth}
			t.Amount.SetBytes(l.Data)
			who := common.BytesToAddress(l.Topics[1][12:])
			if l.Topics[0] == depositEvent {
				t.Kind, t.From, t.To = tracing.Wrap, weth.Contract, who
			} else {
				t.Kind, t.From, t.To = tracing.Unwrap, who, weth.Contract
			}
			if !t.Amount.IsZero() {
				ex.Transfers = append(ex.Transfers, t)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}

	if _, err := open(TokenTransfersFile, false, func(r io.Reader) error {
		return ReadTokenTransfers(TokenTransfersFile, r, func(line int, tt *TokenTransfer) error {
			i, ok := byHash[tt.TxHash]
			if !ok {
				return bulwark.Invalid(TokenTransfersFile, "line %d: a transfer of %s has no transaction in %s: export both for the same blocks", line, tt.TxHash.Hex(), TransactionsFile)
			}
			tx := &txs[i].tx
			t := tracing.Transfer{Chain: chain, Block: tx.Block, TxIndex: tx.Index, TxHash: tx.Hash,
				Time: tx.Time, Kind: tracing.TokenTransfer, LogIndex: tt.LogIndex, From: tt.From, To: tt.To,
				Asset: tracing.TokenAsset(chain, tt.Token), Amount: tt.Value}
			switch {
			case !haveLogs:
				ex.TokensUnverified++
			case transferTopics[logKey{tt.TxHash, tt.LogIndex}] == 4:
				// ERC-721: the value is the token id.
				t.Asset = tracing.NFTAsset(chain, tt.Token, &tt.Value)
				t.Amount.SetOne()
			case transferTopics[logKey{tt.TxHash, tt.LogIndex}] == 0:
				return bulwark.Invalid(TokenTransfersFile, "line %d: the transfer at log %d of %s has no Transfer event in %s: export both for the same blocks", line, tt.LogIndex, tt.TxHash.Hex(), LogsFile)
			}
			ex.Transfers = append(ex.Transfers, t)
			return nil
		})
	}); err != nil {
		return nil, err
	}
	slices.SortStableFunc(ex.Transfers, func(a, b tracing.Transfer) int { return tracing.Compare(&a, &b) })
	return ex, nil
}

func feeGap(haveBlock bool, tx *Transaction) string {
	switch {
	case !haveBlock:
		return "blocks.csv lacks block " + u64(tx.Block)
	case !tx.Receipt.Known:
		return "receipts.csv lacks the receipt of " + tx.Hash.Hex()
	case !tx.Receipt.HasGasUsed:
		return "the receipt of " + tx.Hash.Hex() + " gives no gas used"
	default:
		return "neither transactions.csv nor receipts.csv gives the gas price of " + tx.Hash.Hex()
	}
}

func u64(n uint64) string { return uint256.NewInt(n).Dec() }

// Event signatures: ERC-20/721 Transfer, WETH9 Deposit and Withdrawal.
var (
	transferEvent   = common.HexToHash("0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
	depositEvent    = common.HexToHash("0xe1fffcc4923d04b559f4d29a8bfc6cda04eb5b0d3c460751c2402c5c5cc9109c")
	withdrawalEvent = common.HexToHash("0x7fcf532c15f0a6db0bd6d0e038bea71d30d808c7d98cb3bf7268a95bf5081b65")
)

func eventName(topic common.Hash) string {
	if topic == depositEvent {
		return "Deposit"
	}
	return "Withdrawal"
}

// fileExists reports whether name is a file of fsys.
func fileExists(fsys fs.FS, name string) bool {
	fi, err := fs.Stat(fsys, name)
	return err == nil && !fi.IsDir()
}
