package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// imported is a data directory into which the embedded default lists were
// imported once for the whole test binary run; importedDataDir copies it.
var imported struct {
	once sync.Once
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
	imported.once.Do(func() {
		imported.dir, imported.err = os.MkdirTemp("", "bulwark-imported-")
		if imported.err != nil {
			return
		}
		var out, errb bytes.Buffer
		m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			LookupEnv: func(k string) (string, bool) {
				if k == "BULWARK_DATA" {
					return imported.dir, true
				}
				return "", false
			}}
		// 'lists problems' imports the defaults into a new store and
		// changes nothing else.
		code := m.Run(context.Background(), []string{"lists", "problems", "ofac-sdn"})
		if err := m.Close(); err != nil || code != 0 {
			imported.err = fmt.Errorf("importing the embedded lists: exit %d, %v\n%s", code, err, errb.String())
		}
	})
	if imported.err != nil {
		t.Fatal(imported.err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(imported.dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := copyFile(filepath.Join(imported.dir, e.Name()), filepath.Join(dir, e.Name())); err != nil {
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

// progress writes a line about a long test's progress to standard error
// when running verbosely, so that a slow run is not silent for minutes
// (go test shows it as it comes for a single package, and with a failed
// or timed-out package's output).
func progress(t *testing.T, format string, args ...any) {
	t.Helper()
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "    %s: "+format+"\n", append([]any{t.Name()}, args...)...)
	}
}
