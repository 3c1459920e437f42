package ethrpc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// receiptSeeds are eth_getBlockReceipts answers of Anvil (a contract
// created; a call that emitted a log) and shapes around them.
func receiptSeeds(t testing.TB) [][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "receipts", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no eth_getBlockReceipts answers in testdata/receipts: %v", err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	for _, s := range []string{
		`[]`, `null`, `[null]`, `{}`, `[{}]`, `[{"logs":[]}]`, `[{"logs":null,"to":null,"effectiveGasPrice":null}]`,
		`[{"LOGS":[{"Topics":null,"removed":null}]}]`,
		`[{"logs":[{"topics":[null]}]}]`, `[{"logs":[null]}]`, `[{"from":null}]`, `[{"gasUsed":"0x01"}]`, `[{"gasUsed":"0x"}]`,
		`[{"status":"0x1","status":"0x0"}]`, `[{"status":"0x1","STATUS":"0x0"}]`, `[{"blockNumber":1}]`,
		`[{"from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","to":"0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266"}]`,
		`[{"to":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226"}]`, `[{"effectiveGasPrice":"0x1_0"}]`, `[{"effectiveGasPrice":"0x10000000000000000000000000000000000000000000000000000000000000000"}]`,
		`[{"logs":[{"data":"0x0","removed":true}]}]`, `[{"logs":[{"data":"0x\u0030\u0030"}]}]`, `[{"logs":[{"removed":"true"}]}]`,
		`[{"transactionHas\u0068":"0x00"}]`, `[{"x":"a\\\"b\\\\","logs":[{"y":["\\\\\\\"",{"z":[1,-2e5,true,null]}],"data":"0x"}]}]`, `[{"ſtatus":"0x1"}]`, ` [ { "status" : "0x1" } ] `, `[{"status":"0x1"},]`,
	} {
		out = append(out, []byte(s))
	}
	for _, shape := range []string{
		`[{"status":"0x1","x":%s}]`, `[{"logs":[{"data":"0x","y":%s}]}]`, `[{"logs":[{"topics":[],"z":[%s]}]}]`, `[null,%s]`,
	} {
		out = append(out, invalidSkipped(shape)...)
	}
	return out
}

// FuzzReceiptsFast holds the one-pass eth_getBlockReceipts reader to
// encoding/json: what it reads, encoding/json reads the same way.
func FuzzReceiptsFast(f *testing.F) {
	for _, s := range receiptSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := fastReceipts(data)
		// What it reads is valid JSON: the client reads a batch's
		// receipts with it instead of checking them first.
		if ok && !json.Valid(data) {
			t.Fatalf("read %q, which is not valid JSON", data)
		}
		if json.Valid(data) {
			// On valid JSON, reading without checking gives the same.
			vgot, vok := scanner{valid: true}.receipts(data)
			if ok != vok || !reflect.DeepEqual(got, vgot) {
				t.Fatalf("read without checking: %s, %v; checking: %s, %v", dump(vgot), vok, dump(got), ok)
			}
		}
		if !ok {
			return
		}
		var want []*rpcReceipt
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("read %q where encoding/json fails: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast %s\njson %s", data, dump(got), dump(want))
		}
	})
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestReceiptsFastReadsNodeAnswers: the answers nodes give take the fast
// path (the fuzz test only checks it agrees when it is taken).
func TestReceiptsFastReadsNodeAnswers(t *testing.T) {
	t.Parallel()
	for _, s := range receiptSeeds(t)[:2] {
		rrs, ok := fastReceipts(s)
		if !ok || len(rrs) != 1 {
			t.Fatalf("fastReceipts(%.80s…) = %d receipts, %v", s, len(rrs), ok)
		}
	}
	rrs, ok := fastReceipts(receiptSeeds(t)[1])
	if !ok || len(rrs[0].Logs) != 1 || len(rrs[0].Logs[0].Topics) != 2 || rrs[0].To == nil || rrs[0].ContractAddress != nil || rrs[0].EffectiveGasPrice == nil {
		t.Fatalf("the log receipt read as %s", dump(rrs))
	}
}

// FuzzBlockFast holds the one-pass eth_getBlockByNumber reader to
// encoding/json: what it reads, encoding/json reads the same way, and on
// valid JSON reading without checking gives the same.
func FuzzBlockFast(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "blocks", "anvil.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	for _, s := range []string{
		`{}`, `null`, `[]`, `{"number":null,"hash":null,"baseFeePerGas":null,"transactions":null}`, `{"transactions":[]}`,
		`{"number":"0x1","NUMBER":"0x2"}`, `{"transactions":[null]}`, `{"miner":null}`, `{"timestamp":"0x01"}`,
		`{"baseFeePerGas":"0x10000000000000000000000000000000000000000000000000000000000000000"}`, `{"hash":"0x1"}`,
		`{"transactions":[{"hash":"0x00"}]}`, `{"x":"\"\\","uncles":[],"withdrawals":[{"a":1}]}`, `{"numbeR":"0x0"} `,
	} {
		f.Add([]byte(s))
	}
	for _, shape := range []string{
		`{"number":"0x1","logsBloom":%s}`, `{"uncles":[%s],"hash":null}`, `{"withdrawals":[{"index":%s}]}`, `{"transactions":["0x1",%s]}`,
	} {
		for _, b := range invalidSkipped(shape) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got rpcBlock
		ok := scanner{}.block(data, &got)
		// What it reads is valid JSON: the client reads a batch's block
		// with it instead of checking it first.
		if ok && !json.Valid(data) {
			t.Fatalf("read %q, which is not valid JSON", data)
		}
		if json.Valid(data) {
			var vgot rpcBlock
			vok := scanner{valid: true}.block(data, &vgot)
			if ok != vok || !reflect.DeepEqual(got, vgot) {
				t.Fatalf("read without checking: %s, %v; checking: %s, %v", dump(vgot), vok, dump(got), ok)
			}
		}
		if !ok {
			return
		}
		var want rpcBlock
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("read %q where encoding/json fails: %v", data, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast %s\njson %s", data, dump(got), dump(want))
		}
	})
}

// TestBlockFastReadsNodeAnswers: Anvil's block takes the fast path.
func TestBlockFastReadsNodeAnswers(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("testdata", "blocks", "anvil.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rb rpcBlock
	if !(scanner{valid: true}).block(b, &rb) || rb.Number == nil || *rb.Number != 2 || len(rb.Transactions) != 1 || rb.BaseFee == nil {
		t.Fatalf("Anvil's block read as %s", dump(rb))
	}
}

// TestHexFast: the hashes, addresses and quantities read without
// hexutil are read as it reads them, and what it refuses is left to it.
func TestHexFast(t *testing.T) {
	t.Parallel()
	for _, v := range []string{`"0x0"`, `"0x1"`, `"0X1f"`, `"0x00"`, `"0x01"`, `"0x"`, `"0xffffffffffffffff"`, `"0x10000000000000000"`,
		`"0xg"`, `"1"`, `1`, `null`, `"0x` + strings.Repeat("aB", 20) + `"`, `"0X` + strings.Repeat("01", 32) + `"`, `"0x` + strings.Repeat("0", 63) + `"`,
		`"` + strings.Repeat("01", 32) + `"`, `"0x` + strings.Repeat("zz", 32) + `"`, `"\u0030x0"`} {
		var n hexutil.Uint64
		x, ok := hexUint64([]byte(v))
		if err := n.UnmarshalJSON([]byte(v)); ok && (err != nil || uint64(n) != x) {
			t.Errorf("%s: read as %d, hexutil %d, %v", v, x, n, err)
		}
		var h, wh common.Hash
		if hexFixed(h[:], []byte(v)) && (wh.UnmarshalJSON([]byte(v)) != nil || h != wh) {
			t.Errorf("%s: read as hash %s, hexutil %s", v, h, wh)
		}
		var a, wa common.Address
		if hexFixed(a[:], []byte(v)) && (wa.UnmarshalJSON([]byte(v)) != nil || a != wa) {
			t.Errorf("%s: read as address %s, hexutil %s", v, a, wa)
		}
	}
}
