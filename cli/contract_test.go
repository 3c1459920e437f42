package cli

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSharedContract holds the binary to the shared command-line contract
// (../shared/docs/CLI.md, beside the repository): every command the
// contract names that the binary has takes every flag the contract gives
// it, under that name (a planned command is skipped); a command or flag the
// binary lacks is named in docs/cli.md's section on where the binary
// differs from the contract, so that users read it there.
func TestSharedContract(t *testing.T) {
	t.Parallel()
	contract, err := os.ReadFile(filepath.Join("..", "..", "shared", "docs", "CLI.md"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("../shared/docs/CLI.md is absent: the shared contract is not checked")
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, differs, ok := strings.Cut(string(doc), "## Where the binary differs from the shared contract")
	if !ok {
		t.Fatal(`docs/cli.md has no "## Where the binary differs from the shared contract" section`)
	}
	differs, _, _ = strings.Cut(differs, "\n## ")

	span := regexp.MustCompile("`(bulwark [^`]+)`")
	word := regexp.MustCompile(`^[a-z][a-z-]*$`)
	flagName := regexp.MustCompile(`--[a-z][a-z0-9-]*`)
	root := (&Main{}).root()
	checked := map[string]bool{}
	for _, s := range span.FindAllStringSubmatch(string(contract), -1) {
		fields := strings.Fields(s[1])[1:]
		c, path := root, []string{}
		missing := ""
		for _, w := range fields {
			if !word.MatchString(w) {
				break
			}
			sub := c.sub(w)
			if sub == nil {
				missing = strings.Join(append(path, w), " ")
				break
			}
			c, path = sub, append(path, w)
			if c.planned {
				break
			}
		}
		switch {
		case missing != "":
			if !strings.Contains(differs, "`"+missing) {
				t.Errorf("the contract's %q: the binary has no command %q, and docs/cli.md does not say so", s[1], missing)
			}
			continue
		case len(path) == 0 || c.planned:
			continue
		}
		fset := flag.NewFlagSet(c.name, flag.ContinueOnError)
		if c.setup != nil {
			c.setup(fset)
		}
		cmd := strings.Join(path, " ")
		for _, f := range flagName.FindAllString(s[1], -1) {
			name := strings.TrimPrefix(f, "--")
			if fset.Lookup(name) == nil && !globalNames[name] && name != "help" {
				if !strings.Contains(differs, "`"+cmd+" "+f+"`") {
					t.Errorf("the contract's %q: bulwark %s has no flag %s, and docs/cli.md does not say so", s[1], cmd, f)
				}
				continue
			}
			checked[cmd+" "+f] = true
		}
	}
	// The flags named in the brief of the contract check, among others.
	for _, want := range []string{"screen name --country", "screen address --chain", "safe verify --tx", "lists update --from", "serve --addr", "token create --role"} {
		if !checked[want] {
			t.Errorf("the contract's %s was not checked (checked: %d command flags)", want, len(checked))
		}
	}
}
