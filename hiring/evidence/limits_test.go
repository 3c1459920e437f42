package evidence

import (
	"io"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// TestLimitsDefaults: one set of limits, for every reader.
func TestLimitsDefaults(t *testing.T) {
	t.Parallel()
	if l := (Limits{}).withDefaults(); l.MaxFileBytes != 100<<20 || l.MaxRowBytes != 1<<20 || l.MaxRows != 1_000_000 {
		t.Errorf("defaults %+v, want 100 MiB, 1 MiB, 1,000,000 records", l)
	}
}

// TestLimitsEveryReader: every reader refuses a file over MaxFileBytes
// (whether or not the reader tells its size), a row over MaxRowBytes and
// more than MaxRows records alike, with ETOOLARGE naming the option, and
// reads the same file within the limits.
func TestLimitsEveryReader(t *testing.T) {
	t.Parallel()
	three := func(row func(i int) string) string {
		return row(1) + row(2) + row(3)
	}
	for _, tc := range []struct {
		name string
		read func(r io.Reader, lim Limits) error
		in   string
	}{
		{"people", func(r io.Reader, lim Limits) error {
			_, err := ReadPeople(r, "f", PeopleOptions{Limits: lim})
			return err
		}, "id,full_name\n" + three(func(i int) string { return strings.Repeat(string(rune('a'+i)), 3) + ",Some Person\n" })},
		{"sign-ins", func(r io.Reader, lim Limits) error {
			_, err := ReadSignInsLimits(r, "f", lim)
			return err
		}, "user,time,ip\n" + three(func(int) string { return "ana@example.com,2026-03-02T09:00:00Z,192.0.2.1\n" })},
		{"inventory", func(r io.Reader, lim Limits) error {
			_, err := ReadInventoryLimits(r, "f", lim)
			return err
		}, three(func(i int) string { return `{"serial":"SERIAL-000` + string(rune('0'+i)) + `"}` + "\n" })},
		{"shipping", func(r io.Reader, lim Limits) error {
			_, err := ReadShipments(r, "f", lim)
			return err
		}, "person,address\n" + three(func(int) string { return "ana@example.com,1 Main Street\n" })},
		{"payroll", func(r io.Reader, lim Limits) error {
			_, err := ReadPayroll(r, "f", lim)
			return err
		}, "person,kind,account\n" + three(func(int) string { return "ana@example.com,bank,12345678\n" })},
		{"github", func(r io.Reader, lim Limits) error {
			_, err := ReadGitHubLimits(r, "f", lim)
			return err
		}, three(func(i int) string {
			return `{"login":"user` + string(rune('0'+i)) + `","created_at":"2020-01-01T00:00:00Z"}` + "\n"
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.read(strings.NewReader(tc.in), Limits{}); err != nil {
				t.Fatalf("within the default limits: %v", err)
			}
			if err := tc.read(strings.NewReader(tc.in), Limits{MaxFileBytes: int64(len(tc.in)), MaxRowBytes: 200, MaxRows: 3}); err != nil {
				t.Fatalf("at the limits exactly: %v", err)
			}
			hidden := func() io.Reader { return io.MultiReader(strings.NewReader(tc.in)) } // tells no size
			for _, c := range []struct {
				what   string
				r      io.Reader
				lim    Limits
				option string
			}{
				{"file, size told", strings.NewReader(tc.in), Limits{MaxFileBytes: int64(len(tc.in)) - 1}, "MaxFileBytes"},
				{"file, size read", hidden(), Limits{MaxFileBytes: int64(len(tc.in)) - 1}, "MaxFileBytes"},
				{"row", hidden(), Limits{MaxRowBytes: 8}, "MaxRowBytes"},
				{"records", hidden(), Limits{MaxRows: 2}, "MaxRows"},
			} {
				err := tc.read(c.r, c.lim)
				if bulwark.ErrorCode(err) != bulwark.ETOOLARGE || !strings.Contains(err.Error(), c.option) {
					t.Errorf("%s over its limit: %v, want ETOOLARGE naming %s", c.what, err, c.option)
				}
				// The limits are fixed for a user: the fix is to split the
				// file (or, for a row, to find what joined lines).
				fix := "split the file"
				if c.option == "MaxRowBytes" {
					fix = "unclosed quote"
				}
				if msg := err.Error(); strings.Contains(msg, "raise the limit") || !strings.Contains(msg, fix) {
					t.Errorf("%s over its limit: %v, want the fix %q and no limit to raise", c.what, err, fix)
				}
			}
		})
	}
}
