package ethrpc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzGethFast holds the one-pass callTracer reader to encoding/json:
// whatever it accepts, encoding/json decodes without error to the same
// transactions and frames, and on valid JSON reading without checking
// gives the same. Its seeds are the callTracer answers in testdata/traces
// and the corpus in testdata/fuzz/FuzzGethFast.
func FuzzGethFast(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "traces", "*calltracer*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no callTracer answers in testdata/traces: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var resp struct {
			Result json.RawMessage `json:"result"`
		}
		if json.Unmarshal(raw, &resp) == nil && len(resp.Result) > 0 {
			f.Add([]byte(resp.Result))
		}
	}
	for _, s := range []string{
		`[]`, `null`, `[null]`, `[{}]`, `[{"result":null}]`, `[{"txHash":null,"error":"boom"}]`,
		`[{"result":{"type":"CALL","calls":[null,{"type":"CREATE2","to":null,"value":"0x0"}]}}]`,
		`[{"result":{"calls":[]}}]`, `[{"result":{"calls":null}}]`, `[{"result":{"calls":{}}}]`, `[{"result":{"calls":[1]}}]`,
		`[{"Result":{"TYPE":"CALL","From":"0xa1","type":"STATICCALL"}}]`, `[{"result":{"from":"\u0030x"}}]`,
		`[{"result":{"type":"CALL","gas":"0x5208","input":"0x","output":"0x","calls":[{"type":"SELFDESTRUCT","from":"0xb2"}]}},]`,
		`[{"txHash":"0x01","result":{"value":7}}]`, `[{"result":{"error":null,"type":null,"from":null}}]`, `[{"rešult":{}}]`,
		` [ { "result" : { "type" : "CALL" , "calls" : [ { } ] } } ] `,
		strings.Repeat(`[{"result":{"calls":`, 3) + `[]` + strings.Repeat(`}}]`, 3),
	} {
		f.Add([]byte(s))
	}
	for _, shape := range []string{
		`[{"txHash":"0x1","x":%s}]`, `[{"result":{"type":"CALL","gasUsed":%s}}]`, `[{"result":{"calls":[{"input":[%s]}]}}]`,
	} {
		for _, b := range invalidSkipped(shape) {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := fastGethTraces(data)
		// What it reads is valid JSON, so that it can be read with no
		// check before it.
		if ok && !json.Valid(data) {
			t.Fatalf("read %q, which is not valid JSON", data)
		}
		if json.Valid(data) {
			vgot, vok := scanner{valid: true}.gethTraces(data)
			if ok != vok || !reflect.DeepEqual(got, vgot) {
				t.Fatalf("read without checking: %s, %v; checking: %s, %v", dump(vgot), vok, dump(got), ok)
			}
		}
		if !ok {
			return
		}
		var want []gethTxTrace
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("fast reader accepted %q, which encoding/json refuses: %v", data, err)
		}
		if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\nfast %s\njson %s", data, dump(got), dump(want))
		}
	})
}

// TestGethFastReadsNodeAnswers: the callTracer answers in testdata/traces
// and a call tree as deep as the EVM allows take the one-pass reader;
// one deeper is left to encoding/json.
func TestGethFastReadsNodeAnswers(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join("testdata", "traces", "nested_calltracer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatal(err)
	}
	deep := func(n int) []byte {
		return []byte(`[{"result":` + strings.Repeat(`{"type":"CALL","calls":[`, n-1) + `{"type":"CALL"}` + strings.Repeat(`]}`, n-1) + `}]`)
	}
	for _, c := range []struct {
		name string
		data []byte
		ok   bool
	}{
		{"nested", resp.Result, true},
		{"1025 deep", deep(maxCallDepth), true},
		{"1026 deep", deep(maxCallDepth + 1), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if _, ok := fastGethTraces(c.data); ok != c.ok {
				t.Fatalf("read in one pass: %v, want %v", ok, c.ok)
			}
		})
	}
}
