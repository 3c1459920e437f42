package tagpack_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/bulwark-sec/bulwark/tracing/tagpack"
)

// FuzzRead holds that no input crashes the reader, that every failure is
// an EINVALID error, and that every label read has a name and its source.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		set := labels.NewSet()
		st, err := tagpack.Read(set, "f.yaml", data)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("error code %q: %v", bulwark.ErrorCode(err), err)
			}
			return
		}
		if st.Labels < set.Len() {
			t.Fatalf("%d labels for %d addresses", st.Labels, set.Len())
		}
		for _, a := range set.Addresses() {
			for _, l := range set.Labels(a) {
				if l.Name == "" || l.Source != "tagpack:f" {
					t.Fatalf("bad label %+v", l)
				}
			}
		}
	})
}
