package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/bulwark-sec/bulwark/tracing"
)

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{"chain", "tx_hash", "block", "timestamp", "time_utc", "kind", "log_index", "item_index", "trace_address",
	"from", "to", "asset", "amount", "taint", "policy", "hop"}

// WriteCSV writes one row per edge of g, in the graph's order, under
// CSVHeader: the chain id; the transaction hash; the block and its
// timestamp (Unix seconds, and RFC 3339 UTC); the kind of transfer; the
// log index (token, wrap and unwrap transfers, else empty) and the item
// index (ERC-1155 transfers: the item of a TransferBatch, 0 for a
// TransferSingle; else empty) or the trace
// address (calls: the call's path in the transaction's call tree,
// comma-separated as ethereum-etl writes it, empty for the transaction's
// own value); from and to (lower-case hex); the asset key; the amount and
// its tainted part in the asset's base unit; the policy; the hop count of
// to.
func WriteCSV(w io.Writer, g *tracing.Graph) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return writeErr(err, "CSV")
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		logIndex := ""
		if e.LogIndex != nil {
			logIndex = strconv.FormatUint(uint64(*e.LogIndex), 10)
		}
		if err := cw.Write([]string{
			strconv.FormatUint(e.Chain, 10), e.TxHash.Hex(), strconv.FormatUint(e.Block, 10),
			strconv.FormatInt(e.Time, 10), utc(e.Time), e.Kind.String(), logIndex, itemIndex(e.ItemIndex), traceAddress(e.TraceAddress),
			lower(e.From.Hex()), lower(e.To.Hex()), e.Asset, e.Amount, e.Taint, e.Policy.String(), strconv.Itoa(e.Hop),
		}); err != nil {
			return writeErr(err, "CSV")
		}
	}
	cw.Flush()
	return writeErr(cw.Error(), "CSV")
}

// itemIndex writes an edge's ERC-1155 item index; "" when it has none.
func itemIndex(i *uint32) string {
	if i == nil {
		return ""
	}
	return strconv.FormatUint(uint64(*i), 10)
}

// traceAddress writes a trace address as ethereum-etl does: "0,2".
func traceAddress(ta []uint32) string {
	parts := make([]string, len(ta))
	for i, n := range ta {
		parts[i] = strconv.FormatUint(uint64(n), 10)
	}
	return strings.Join(parts, ",")
}

// utc writes Unix seconds as RFC 3339 UTC; "" for 0 (unknown).
func utc(sec int64) string {
	if sec == 0 {
		return ""
	}
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

func lower(s string) string { return strings.ToLower(s) }
