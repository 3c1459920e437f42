package etl_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark/internal/cputime"
	"github.com/bulwark-sec/bulwark/tracing/etl"
)

// benchExport writes an ethereum-etl export of txs transactions in blocks
// of 200 (London blocks): per transaction a receipt, three traces (the
// transaction's call with value, a subcall with value, a static call), one
// token transfer and its Transfer log; and returns it with its row count.
func benchExport(txs int) (fstest.MapFS, int) {
	r := rand.New(rand.NewPCG(5, 5))
	addr := func() string { return fmt.Sprintf("0x%040x", r.Uint64()) }
	var tx, tr, tt, rc, bl, lg bytes.Buffer
	tx.WriteString("hash,nonce,block_hash,block_number,transaction_index,from_address,to_address,value,gas,gas_price,input,block_timestamp,max_fee_per_gas,max_priority_fee_per_gas,transaction_type\n")
	tr.WriteString("block_number,transaction_hash,transaction_index,from_address,to_address,value,input,output,trace_type,call_type,reward_type,gas,gas_used,subtraces,trace_address,error,status,trace_id\n")
	tt.WriteString("token_address,from_address,to_address,value,transaction_hash,log_index,block_number\n")
	rc.WriteString("transaction_hash,transaction_index,block_hash,block_number,cumulative_gas_used,gas_used,contract_address,root,status,effective_gas_price\n")
	bl.WriteString("number,hash,parent_hash,miner,timestamp,base_fee_per_gas,transaction_count\n")
	lg.WriteString("log_index,transaction_hash,transaction_index,block_hash,block_number,address,data,topics\n")
	rows := 0
	for i := range txs {
		block, idx := 17_000_000+i/200, i%200
		bh := fmt.Sprintf("0x%064x", block)
		if idx == 0 {
			fmt.Fprintf(&bl, "%d,%s,%s,%s,%d,%d,200\n", block, bh, bh, addr(), 1_700_000_000+block*12, 30_000_000_000)
			rows++
		}
		h := fmt.Sprintf("0x%064x", i+1)
		from, to, sub, token := addr(), addr(), addr(), addr()
		value := r.Uint64() >> 4
		fmt.Fprintf(&tx, "%s,%d,%s,%d,%d,%s,%s,%d,200000,31000000000,0xa9059cbb%0128x,%d,40000000000,1000000000,2\n", h, i, bh, block, idx, from, to, value, r.Uint64(), 1_700_000_000+block*12)
		fmt.Fprintf(&rc, "%s,%d,%s,%d,%d,%d,,,1,31000000000\n", h, idx, bh, block, 21000*(idx+1), 21000+r.IntN(100000))
		fmt.Fprintf(&tr, "%d,%s,%d,%s,%s,%d,0x,0x,call,call,,200000,50000,2,,,1,call_%s_\n", block, h, idx, from, to, value, h)
		fmt.Fprintf(&tr, "%d,%s,%d,%s,%s,%d,0x,0x,call,call,,100000,21000,0,0,,1,call_%s_0\n", block, h, idx, to, sub, value/2, h)
		fmt.Fprintf(&tr, "%d,%s,%d,%s,%s,0,0x,0x,call,staticcall,,100000,2000,0,1,,1,call_%s_1\n", block, h, idx, to, token, h)
		amount := r.Uint64()
		fmt.Fprintf(&tt, "%s,%s,%s,%d,%s,%d,%d\n", token, from, sub, amount, h, idx, block)
		fmt.Fprintf(&lg, "%d,%s,%d,%s,%d,%s,0x%064x,\"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef,0x%064s,0x%064s\"\n",
			idx, h, idx, bh, block, token, amount, from[2:], sub[2:])
		rows += 7
	}
	return fstest.MapFS{
		etl.TransactionsFile: {Data: tx.Bytes()}, etl.TracesFile: {Data: tr.Bytes()}, etl.TokenTransfersFile: {Data: tt.Bytes()},
		etl.ReceiptsFile: {Data: rc.Bytes()}, etl.BlocksFile: {Data: bl.Bytes()}, etl.LogsFile: {Data: lg.Bytes()},
	}, rows
}

// BenchmarkLoad measures the export reader end to end: one op is one
// export of 20,000 transactions (140,100 rows in six files) read, joined
// and sorted into 120,000 transfers. rows/cpu-s and transfers/cpu-s are
// per second of the process's CPU time (the figure for one core of one's
// own on a shared machine); rows/s per second of wall time.
func BenchmarkLoad(b *testing.B) {
	fsys, rows := benchExport(20_000)
	size := 0
	for _, f := range fsys {
		size += len(f.Data)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	transfers := 0
	cpu0, cpuOK := cputime.Seconds()
	for b.Loop() {
		ex, err := etl.Load(fsys, etl.Options{Chain: 1})
		if err != nil {
			b.Fatal(err)
		}
		transfers = len(ex.Transfers)
	}
	n := float64(b.N)
	b.ReportMetric(n*float64(rows)/b.Elapsed().Seconds(), "rows/s")
	if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
		b.ReportMetric(n*float64(rows)/(cpu1-cpu0), "rows/cpu-s")
		b.ReportMetric(n*float64(transfers)/(cpu1-cpu0), "transfers/cpu-s")
	}
}

// BenchmarkReadTransactions measures the transactions reader alone on
// mainnet rows (ethereum-etl's export of blocks 17,173,049 and 17,173,050,
// 298 transactions with their calldata, read 20 times over).
func BenchmarkReadTransactions(b *testing.B) {
	one := readShared(b, "test_export_blocks_job", "blocks_with_transactions_and_withdrawals", "expected_transactions.csv")
	header, body, _ := bytes.Cut(one, []byte("\n"))
	data := append(append(append([]byte{}, header...), '\n'), bytes.Repeat(body, 20)...)
	rows := 298 * 20
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu0, cpuOK := cputime.Seconds()
	for b.Loop() {
		n := 0
		if err := etl.ReadTransactions("transactions.csv", bytes.NewReader(data), func(int, *etl.Transaction) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != rows {
			b.Fatalf("%d rows, want %d", n, rows)
		}
	}
	if cpu1, ok := cputime.Seconds(); cpuOK && ok && cpu1 > cpu0 {
		b.ReportMetric(float64(b.N)*float64(rows)/(cpu1-cpu0), "rows/cpu-s")
	}
	b.ReportMetric(float64(b.N)*float64(rows)/b.Elapsed().Seconds(), "rows/s")
}
