package sqlite_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/hiring"
	"github.com/bulwark-sec/bulwark/sqlite"
)

// TestHiringForgetLeavesNoTraceInFiles forgets a person who was imported,
// re-imported with another phone, screened and named in another person's
// flags, and looks for their name, e-mail and phones in every file of the
// data directory: once the forget has returned, and after the store is
// closed.
func TestHiringForgetLeavesNoTraceInFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			db.Close()
		}
	}()
	svc := &hiring.Service{Store: db, Audit: &audit.Log{Store: db}}
	forgotten := hiring.Person{ID: "cand-1", FullName: "Zebulon Quixotefarnsworth", Emails: []string{"zebq@example.org"},
		Phones: []string{"+13125550177"}, Country: "US", HomeAddress: "17 Quagmire Lane, Springfield, IL 62704"}
	other := hiring.Person{ID: "cand-2", FullName: "Ann Other", Emails: []string{"ann@example.net"}, Phones: []string{"+13125550199"}, Country: "US"}
	if _, err := svc.Import(ctx, "cli:hr", []hiring.Person{forgotten, other}, hiring.Evidence{}); err != nil {
		t.Fatal(err)
	}
	forgotten.Phones = []string{"+13125550199"} // now shared with cand-2: both flagged, each naming the other
	ev := hiring.Evidence{Devices: []hiring.Device{{Serial: "QX-SERIAL-0001", User: "zebq@example.org"}}}
	res, err := svc.Screen(ctx, "cli:hr", []hiring.Person{forgotten}, ev)
	if err != nil {
		t.Fatal(err)
	}
	if res.Run.Verdicts["clear"] == 2 {
		t.Fatalf("the shared phone raised nothing: %+v", res.Assessments)
	}
	rep, err := svc.Forget(ctx, "cand-1", "cli:dpo")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Remains != "" {
		t.Fatalf("Forget: %s", rep.Remains)
	}
	traces := []string{"Quixotefarnsworth", "zebq@example.org", "5550177", "Quagmire", "QX-SERIAL-0001"}
	look := func(when string) {
		t.Helper()
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, s := range traces {
				if n := bytes.Count(b, []byte(s)); n > 0 {
					t.Errorf("%s: %s holds %q %d times", when, filepath.Base(path), s, n)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	look("after the forget")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true
	look("after closing")
	// The other person is still there (the search above looks at live data).
	db, err = sqlite.Open(ctx, filepath.Join(dir, "bulwark.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	closed = false
	if _, _, err := db.Person(ctx, "cand-2"); err != nil {
		t.Fatal(err)
	}
}
