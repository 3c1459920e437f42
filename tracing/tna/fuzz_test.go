package tna_test

import (
	"bytes"
	"os"
	"testing"
	"testing/fstest"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing/tna"
)

// FuzzConvert holds that no edges file (CSV or GEXF) crashes the
// converter, that it fails only with EINVALID, and that it writes one row
// per edge.
func FuzzConvert(f *testing.F) {
	for _, p := range []string{"testdata/csv/" + tna.EdgesCSV, "testdata/gexf/" + tna.GraphGEXF} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, p[len(p)-4:] == "gexf")
	}
	f.Fuzz(func(t *testing.T, data []byte, gexf bool) {
		name := tna.EdgesCSV
		if gexf {
			name = tna.GraphGEXF
		}
		var out bytes.Buffer
		st, err := tna.Convert(fstest.MapFS{name: {Data: data}}, &out, tna.Options{})
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("error code %q: %v", bulwark.ErrorCode(err), err)
			}
			return
		}
		if rows := bytes.Count(out.Bytes(), []byte("\n")) - 1; rows != st.Edges {
			t.Fatalf("%d rows for %d edges", rows, st.Edges)
		}
	})
}
