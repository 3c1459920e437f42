package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun: the exit codes are bulwark's (0 converted, 1 any error, bad
// arguments included), each error one line naming what to fix.
func TestRun(t *testing.T) {
	t.Parallel()
	dataset := filepath.Join("..", "..", "..", "tracing", "tna", "testdata", "gexf")
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"converted", []string{dataset, t.TempDir()}, 0, "read transaction_network.gexf: 4 edges", ""},
		{"help", []string{"-h"}, 0, "", "usage: convert-tna"},
		{"no arguments", nil, 1, "", "usage: convert-tna"},
		{"unknown flag", []string{"-bogus", dataset, t.TempDir()}, 1, "", "flag provided but not defined: -bogus"},
		{"bad root", []string{"-root", "0x12", dataset, t.TempDir()}, 1, "", `convert-tna: -root: "0x12" is not an Ethereum address`},
		{"missing dataset", []string{filepath.Join(t.TempDir(), "none"), t.TempDir()}, 1, "", "convert-tna: cannot read the dataset's folder"},
		{"not a dataset", []string{t.TempDir(), t.TempDir()}, 1, "", "convert-tna: neither transaction_network_edges.csv nor transaction_network.gexf is in the folder"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(c.args, &stdout, &stderr)
		if code != c.code || !strings.Contains(stdout.String(), c.stdout) || !strings.Contains(stderr.String(), c.stderr) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %d, %q, %q", c.name, code, stdout.String(), stderr.String(), c.code, c.stdout, c.stderr)
		}
	}
}
