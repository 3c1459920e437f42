package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/screening/sources"
)

// embedded holds the embedded default lists, decoded once for the whole
// test binary run; embeddedLists copies them.
var embedded struct {
	once  sync.Once
	lists []*screening.List
	err   error
}

// embeddedLists returns a copy of the embedded default lists
// (sources.Embedded), decoded once per test binary run: what the commands
// that run and runIn run import into a new data directory
// (Main.defaultLists). Decoding them costs far more under the race
// detector than copying them; the decoding itself is tested in
// screening/sources.
func embeddedLists() ([]*screening.List, error) {
	embedded.once.Do(func() { embedded.lists, embedded.err = sources.Embedded() })
	if embedded.err != nil {
		return nil, embedded.err
	}
	out := make([]*screening.List, len(embedded.lists))
	for i, l := range embedded.lists {
		out[i] = &screening.List{Info: l.Info}
		if err := screening.DecodeListBinary(out[i], screening.AppendListBinary(nil, l)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// imported is a data directory into which the embedded default lists were
// imported once for the whole test binary run; importedDataDir copies it.
var imported struct {
	once sync.Once
	dir  string
	err  error
}

// small is a data directory like imported whose active lists are cut down
// to their DPRK entries; smallDataDir copies it.
var small struct {
	once sync.Once
	root string // removed by TestMain
	dir  string
	err  error
}

// importedDataDir returns a new data directory whose store holds what the
// first command on a new data directory leaves there: the embedded default
// lists, imported and audited (one lists.import entry), and nothing else.
// Copying the store file is much cheaper than importing again, so tests
// that are not about that first import start from here.
func importedDataDir(t *testing.T) string {
	t.Helper()
	return copyDataDir(t, importedTemplate(t))
}

// importedTemplate returns the data directory importedDataDir copies.
func importedTemplate(t *testing.T) string {
	t.Helper()
	imported.once.Do(func() {
		progress("importing the embedded lists into a template data directory")
		defer progress("template data directory ready")
		imported.dir, imported.err = os.MkdirTemp("", "bulwark-imported-")
		if imported.err != nil {
			return
		}
		// 'lists problems' imports the defaults into a new store and
		// changes nothing else.
		_, imported.err = runIn(imported.dir, "lists", "problems", "ofac-sdn")
	})
	if imported.err != nil {
		t.Fatal(imported.err)
	}
	return imported.dir
}

// smallDataDir returns a new data directory whose active lists are the
// embedded ones cut down to their DPRK entries: the OFAC and UN entries of
// a DPRK programme (about 640, among them Kim Jong Un, Pak Jin Hyok and the
// Lazarus Group with its addresses) and the whole FBI list, under their
// usual IDs and publication dates; the FBI list is the embedded version
// itself. Loading and indexing them costs a fraction of the whole lists,
// so tests that do not depend on the whole OFAC and UN lists (what a
// command does with its flags, files and output, the list-update guards,
// the repair of mislabelled FBI lists, the Safe monitor) start from here.
// The whole lists' versions stay in its store, inactive.
func smallDataDir(t *testing.T) string {
	t.Helper()
	template := importedTemplate(t)
	small.once.Do(func() {
		progress("cutting the lists down to their DPRK entries in a template data directory")
		defer progress("small-lists data directory ready")
		defer func() {
			if small.err != nil {
				small.err = fmt.Errorf("cutting the lists down: %w", small.err)
			}
		}()
		if small.root, small.err = os.MkdirTemp("", "bulwark-small-"); small.err != nil {
			return
		}
		data := filepath.Join(small.root, "data")
		if small.err = os.Mkdir(data, 0o700); small.err != nil {
			return
		}
		entries, err := os.ReadDir(template)
		if err != nil {
			small.err = err
			return
		}
		for _, e := range entries {
			if small.err = copyFile(filepath.Join(template, e.Name()), filepath.Join(data, e.Name())); small.err != nil {
				return
			}
		}
		ls, err := embeddedLists()
		if err != nil {
			small.err = err
			return
		}
		for _, l := range ls {
			if l.Info.ID == "fbi-dprk" {
				continue
			}
			l.Entities = slices.DeleteFunc(l.Entities, func(e screening.Entity) bool {
				return !slices.ContainsFunc(e.Programs, func(p string) bool {
					return strings.HasPrefix(p, "DPRK") || p == "Democratic People's Republic of Korea" // the UK list's regime
				})
			})
			// A new version: its own hash (a snapshot carries each
			// version's) and counts.
			sum := sha256.Sum256([]byte("DPRK entries of " + l.Info.SHA256))
			l.Info.SHA256 = hex.EncodeToString(sum[:])
			l.Info.Entities, l.Info.Addresses = len(l.Entities), 0
			for _, e := range l.Entities {
				l.Info.Addresses += len(e.Addresses)
			}
		}
		snap := filepath.Join(small.root, "dprk-lists.json.gz")
		var b bytes.Buffer
		if small.err = screening.WriteSnapshot(&b, ls); small.err != nil {
			return
		}
		if small.err = os.WriteFile(snap, b.Bytes(), 0o600); small.err != nil {
			return
		}
		// --force: each list drops more than 10% of its entries.
		out, err := runIn(data, "lists", "update", "--force", "--from", snap)
		if err == nil && (!strings.Contains(out, "updated ofac-sdn: ") || !strings.Contains(out, "updated un-consolidated: ")) {
			err = fmt.Errorf("lists update did not replace the OFAC and UN lists:\n%s", out)
		}
		small.dir, small.err = data, err
	})
	if small.err != nil {
		t.Fatal(small.err)
	}
	return copyDataDir(t, small.dir)
}

// runIn runs one command on data directory dir and returns its standard
// output, or an error unless it exits 0.
func runIn(dir string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		LookupEnv: func(k string) (string, bool) {
			if k == "BULWARK_DATA" {
				return dir, true
			}
			return "", false
		},
		defaultLists: embeddedLists}
	code := m.Run(context.Background(), args)
	if err := m.Close(); err != nil || code != 0 {
		return "", fmt.Errorf("bulwark %s: exit %d, %v\n%s", strings.Join(args, " "), code, err, errb.String())
	}
	return out.String(), nil
}

// dataFiles returns the paths of the files in data directory dir.
func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, filepath.Join(dir, e.Name()))
	}
	return files
}

// copyDataDir copies the files of data directory from into a new data
// directory in t.TempDir().
func copyDataDir(t *testing.T, from string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range dataFiles(t, from) {
		if err := copyFile(name, filepath.Join(dir, filepath.Base(name))); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// started is when the test binary started, for the progress lines.
var started = time.Now()

// progress writes a line about a long phase of the tests to standard
// error, with the time since the test binary started. go test shows it as
// it comes when it runs one package verbosely, and with the output of a
// package that failed or timed out, so that a slow run says what it was
// doing; a package that passes prints only its ok line.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cli tests +%.1fs: "+format+"\n", append([]any{time.Since(started).Seconds()}, args...)...)
}
