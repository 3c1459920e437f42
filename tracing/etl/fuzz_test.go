package etl_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
)

// fuzzFiles are the files a fuzz input is split into, in order.
var fuzzFiles = []string{etl.TransactionsFile, etl.TracesFile, etl.TokenTransfersFile, etl.ReceiptsFile, etl.BlocksFile, etl.LogsFile}

// fuzzExport splits a fuzz input into an export: byte 0's bits say which
// files exist, the rest is their contents separated by 0x00 bytes.
func fuzzExport(data []byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	if len(data) == 0 {
		return fsys
	}
	mask := data[0]
	parts := bytes.SplitN(data[1:], []byte{0}, len(fuzzFiles))
	for i, name := range fuzzFiles {
		if mask&(1<<i) == 0 {
			continue
		}
		var b []byte
		if i < len(parts) {
			b = parts[i]
		}
		fsys[name] = &fstest.MapFile{Data: b}
	}
	return fsys
}

// exportSeed joins the files of a test directory into a fuzz input.
func exportSeed(t testing.TB, dir string, files map[string][]byte) []byte {
	t.Helper()
	var mask byte
	out := [][]byte{}
	for i, name := range fuzzFiles {
		b, ok := files[name]
		if !ok && dir != "" {
			var err error
			b, err = os.ReadFile(filepath.Join(dir, name))
			ok = err == nil
		}
		if ok {
			mask |= 1 << i
		}
		out = append(out, b)
	}
	return append([]byte{mask}, bytes.Join(out, []byte{0})...)
}

// FuzzLoad reads any export. It never panics; a refusal is an invalid
// error naming one of the files; what it reads are valid transfers of
// something in the order they happened, and counts that do not exceed the
// transactions read (a token's zero-value event aside, every transfer
// moves something). Its seed corpus is in testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Add(exportSeed(f, filepath.Join("testdata", "export"), nil))
	multi := map[string][]byte{}
	for name, file := range multiTokenExport() {
		multi[name] = file.Data
	}
	f.Add(exportSeed(f, "", multi))
	f.Fuzz(func(t *testing.T, data []byte) {
		ex, err := etl.Load(fuzzExport(data), etl.Options{Chain: 1})
		if err != nil {
			var be *bulwark.Error
			if !bulwark.IsCode(err, bulwark.EINVALID) || !asError(err, &be) || !known(be.Field) {
				t.Fatalf("want an invalid error naming a file, got %v (field %q)", err, fieldOf(err))
			}
			return
		}
		if ex.FeesUnknown > ex.Transactions || ex.StatusUnknown > ex.Transactions || ex.CreatesUnknown > ex.Transactions {
			t.Fatalf("counts above the %d transactions: %+v", ex.Transactions, ex)
		}
		for i := range ex.Transfers {
			tf := &ex.Transfers[i]
			if err := tf.Validate(); err != nil {
				t.Fatalf("transfer %d %+v: %v", i, tf, err)
			}
			if i > 0 && tracing.Compare(&ex.Transfers[i-1], tf) > 0 {
				t.Fatalf("transfers %d and %d out of order", i-1, i)
			}
			if tf.Amount.IsZero() && tf.Kind != tracing.TokenTransfer {
				// A token's zero-value event is kept, as the chain has
				// it; the trace leaves it out as noise.
				t.Fatalf("transfer %d moves nothing: %+v", i, tf)
			}
		}
	})
}

func known(field string) bool {
	for _, n := range fuzzFiles {
		if n == field {
			return true
		}
	}
	return false
}

func asError(err error, be **bulwark.Error) bool {
	e, ok := err.(*bulwark.Error)
	*be = e
	return ok
}

func fieldOf(err error) string {
	if e, ok := err.(*bulwark.Error); ok {
		return e.Field
	}
	return ""
}
