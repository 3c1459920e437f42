package etl_test

import (
	"bytes"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/ethereum/go-ethereum/common"
)

var inputRouter = common.HexToAddress("0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146")

func isRouter(a common.Address) bool { return a == inputRouter }

const (
	inputTraces = "block_number,transaction_hash,transaction_index,from_address,to_address,value,input,trace_type,call_type,trace_address,error,status\n" +
		// an aggregator calls the router: the internal call's input
		"5,0x0101010101010101010101010101010101010101010101010101010101010101,0,0x00000000000000000000000000000000000000a1,0x00000000000000000000000000000000000000c1,7,0xaaaa,call,call,,,1\n" +
		"5,0x0101010101010101010101010101010101010101010101010101010101010101,0,0x00000000000000000000000000000000000000c1,0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146,7,0x1fece7b4,call,call,0,,1\n" +
		// a reverted call into the router, then the successful retry
		"5,0x0202020202020202020202020202020202020202020202020202020202020202,1,0x00000000000000000000000000000000000000a1,0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146,1,0xdead,call,call,0,Reverted,0\n" +
		"5,0x0202020202020202020202020202020202020202020202020202020202020202,1,0x00000000000000000000000000000000000000a1,0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146,1,0xbeef,call,call,1,,1\n" +
		"5,,,,0x00000000000000000000000000000000000000ee,2,,reward,,,,1\n"
	inputTxs = "hash,block_number,transaction_index,from_address,to_address,value,input,block_timestamp\n" +
		"0x0101010101010101010101010101010101010101010101010101010101010101,5,0,0x00000000000000000000000000000000000000a1,0x00000000000000000000000000000000000000c1,7,0xaaaa,1\n" +
		"0x0303030303030303030303030303030303030303030303030303030303030303,5,2,0x00000000000000000000000000000000000000a1,0xD37BBE5744D730A1D98D8DC97C42F0CA46AD7146,1,0x44bc937b,1\n" +
		"0x0404040404040404040404040404040404040404040404040404040404040404,5,3,0x00000000000000000000000000000000000000a1,,0,0x6060,1\n"
)

func TestReadInputs(t *testing.T) {
	t.Parallel()
	got, err := etl.ReadInputs(fstest.MapFS{
		etl.TracesFile:       {Data: []byte(inputTraces)},
		etl.TransactionsFile: {Data: []byte(inputTxs)},
	}, isRouter)
	if err != nil {
		t.Fatal(err)
	}
	want := map[common.Hash][]byte{
		common.HexToHash("0x0101010101010101010101010101010101010101010101010101010101010101"): {0x1f, 0xec, 0xe7, 0xb4},
		common.HexToHash("0x0202020202020202020202020202020202020202020202020202020202020202"): {0xbe, 0xef},
		common.HexToHash("0x0303030303030303030303030303030303030303030303030303030303030303"): {0x44, 0xbc, 0x93, 0x7b},
	}
	if len(got) != len(want) {
		t.Fatalf("got %x", got)
	}
	for h, w := range want {
		if !bytes.Equal(got[h], w) {
			t.Errorf("%s: %x, want %x", h.Hex(), got[h], w)
		}
	}
	// Without traces.csv, only the transactions sent to the router.
	got, err = etl.ReadInputs(fstest.MapFS{etl.TransactionsFile: {Data: []byte(inputTxs)}}, isRouter)
	if err != nil || len(got) != 1 {
		t.Errorf("transactions only: %x, %v", got, err)
	}
	// Without an input column, nothing.
	got, err = etl.ReadInputs(fstest.MapFS{etl.TransactionsFile: {Data: []byte("hash,to_address\n0x0303030303030303030303030303030303030303030303030303030303030303,0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146\n")}}, isRouter)
	if err != nil || len(got) != 0 {
		t.Errorf("no input column: %x, %v", got, err)
	}
}

func TestReadInputsBad(t *testing.T) {
	t.Parallel()
	bad := strings.Replace(inputTxs, "0x44bc937b", "0x44bc937", 1)
	_, err := etl.ReadInputs(fstest.MapFS{etl.TransactionsFile: {Data: []byte(bad)}}, isRouter)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "transactions.csv") || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("error %v, want one naming transactions.csv line 3", err)
	}
	_, err = etl.ReadInputs(fstest.MapFS{etl.TracesFile: {Data: []byte("transaction_hash,input\n")}}, isRouter)
	if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "traces.csv") {
		t.Errorf("missing column: %v", err)
	}
}

// FuzzReadInputs holds that no export crashes the input reader and that
// it fails only with EINVALID.
func FuzzReadInputs(f *testing.F) {
	f.Add([]byte(inputTraces), []byte(inputTxs))
	f.Fuzz(func(t *testing.T, traces, txs []byte) {
		_, err := etl.ReadInputs(fstest.MapFS{etl.TracesFile: {Data: traces}, etl.TransactionsFile: {Data: txs}},
			func(common.Address) bool { return true })
		if err != nil && !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Fatalf("error code %q: %v", bulwark.ErrorCode(err), err)
		}
	})
}
