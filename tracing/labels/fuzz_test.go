package labels_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing/labels"
)

// FuzzReadUser holds that no input crashes the user label reader, that
// every failure is an EINVALID error, and that every label read is a
// user label with a name.
func FuzzReadUser(f *testing.F) {
	b, err := os.ReadFile("testdata/user.csv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := labels.ReadUser("f.csv", bytes.NewReader(data))
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("error code %q: %v", bulwark.ErrorCode(err), err)
			}
			return
		}
		for _, a := range set.Addresses() {
			for _, l := range set.Labels(a) {
				if l.Name == "" || l.Source != labels.UserSource {
					t.Fatalf("bad label %+v", l)
				}
			}
		}
	})
}
