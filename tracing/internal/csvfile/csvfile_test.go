package csvfile_test

import (
	"encoding/csv"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing/internal/csvfile"
)

func TestColumns(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header []string
		want   map[string]int
		dup    string
	}{
		{[]string{"\ufeffAddress", " Name ", "hub"}, map[string]int{"address": 0, "name": 1, "hub": 2}, ""},
		{[]string{"a", "B", "b", "a"}, map[string]int{"a": 0, "b": 1}, "b"},
		{nil, map[string]int{}, ""},
	}
	for _, tt := range tests {
		col, dup := csvfile.Columns(tt.header)
		if !reflect.DeepEqual(col, tt.want) || dup != tt.dup {
			t.Errorf("Columns(%q) = %v, %q; want %v, %q", tt.header, col, dup, tt.want, tt.dup)
		}
	}
}

func TestCell(t *testing.T) {
	t.Parallel()
	col := map[string]int{"a": 0, "b": 2}
	for _, tt := range []struct {
		rec  []string
		c    string
		want string
	}{
		{[]string{" x ", "y", " z"}, "a", "x"},
		{[]string{"x", "y", " z"}, "b", "z"},
		{[]string{"x"}, "b", ""},
		{[]string{"x"}, "nope", ""},
	} {
		if got := csvfile.Cell(tt.rec, col, tt.c); got != tt.want {
			t.Errorf("Cell(%q, %q) = %q, want %q", tt.rec, tt.c, got, tt.want)
		}
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	_, err := csv.NewReader(strings.NewReader("a,b\n\"x,y\n")).ReadAll()
	got := csvfile.Error("f.csv", err, "check quotes and commas")
	if !bulwark.IsCode(got, bulwark.EINVALID) || !strings.HasPrefix(got.Error(), "f.csv: line 2: malformed CSV (") || !strings.HasSuffix(got.Error(), "): check quotes and commas") {
		t.Errorf("parse error: %v", got)
	}
	io := errors.New("disk on fire")
	got = csvfile.Error("f.csv", io, "unused")
	if !bulwark.IsCode(got, bulwark.EINVALID) || got.Error() != "f.csv: cannot read the file: disk on fire" || !errors.Is(got, io) {
		t.Errorf("read error: %v", got)
	}
}
