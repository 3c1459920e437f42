package tagpack_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/tagpack"
)

// TestParse reads testdata/pack.yaml: header defaults, a tag's own fields
// (empty ones too) winning over them, aliases, network for currency,
// concepts as a list, a scalar or the header's, a transaction tag and an
// entry that is not a mapping.
func TestParse(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "pack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := tagpack.Parse(`C:\packs\pack.yaml`, data)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "pack.yaml" || p.ID != "pack" || p.Title != "Format test" || p.Description != "Every field a tag can take from the header" {
		t.Errorf("header %q %q %q %q", p.Name, p.ID, p.Title, p.Description)
	}
	if want := time.Date(2023, 8, 16, 12, 18, 52, 619444000, time.UTC); !p.Lastmod.Equal(want) {
		t.Errorf("lastmod %v, want %v", p.Lastmod, want)
	}
	header := tagpack.Tag{Label: "Example Exchange", Source: "https://example.org/wallets", Currency: "ETH", Category: "exchange",
		Actor: "example", Confidence: "service_data", Concepts: []string{"exchange", "hot_wallet"}}
	with := func(line int, f func(*tagpack.Tag)) tagpack.Tag {
		t := header
		t.Line = line
		f(&t)
		return t
	}
	want := []tagpack.Tag{
		with(17, func(t *tagpack.Tag) { t.Address = "0x00000000000000000000000000000000000000e1" }),
		with(18, func(t *tagpack.Tag) {
			t.Address, t.Label, t.Category, t.Concepts, t.Confidence = "0x00000000000000000000000000000000000000e2", "Example   deposit", "", []string{"defi_dex"}, "45"
		}),
		with(23, func(t *tagpack.Tag) {
			t.Address, t.Currency, t.Abuse, t.Concepts = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "BTC", "service_hack", nil
		}),
		with(29, func(t *tagpack.Tag) {
			t.TxHash, t.Label = "0x1111111111111111111111111111111111111111111111111111111111111111", "a transaction tag"
		}),
		{Line: 31},
		with(32, func(t *tagpack.Tag) {
			t.Address, t.Confidence, t.Concepts = "0x00000000000000000000000000000000000000e3", "guesswork", []string{"scam"}
		}),
	}
	if len(p.Tags) != len(want) {
		t.Fatalf("%d tags, want %d: %+v", len(p.Tags), len(want), p.Tags)
	}
	for i, got := range p.Tags {
		if i == 4 {
			if !bulwark.IsCode(got.Err, bulwark.EINVALID) || !strings.Contains(bulwark.ErrorMessage(got.Err), "line 31: a tag must be a mapping") {
				t.Errorf("tag %d: error %v, want line 31: a tag must be a mapping", i, got.Err)
			}
			got.Err = nil
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("tag %d:\n got %+v\nwant %+v", i, got, want[i])
		}
	}
}

// TestParseBad checks that what is not a TagPack is an EINVALID error
// whose Field is the file's base name, whose message names the line and
// does not repeat the name (the callers put it in front).
func TestParseBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{"not-yaml", "title: [unclosed\n", "not valid YAML: line 1: did not find expected ',' or ']'; check the TagPack file"},
		{"empty", "", "line 1: a TagPack is a YAML mapping"},
		{"scalar", "just a string\n", "line 1: a TagPack is a YAML mapping"},
		{"sequence", "\n- a\n- b\n", "line 2: a TagPack is a YAML mapping"},
		{"no-tags", "title: x\ncreator: y\n", "line 1: no tags list"},
		{"tags-not-list", "title: x\ntags: 3\n", "line 2: no tags list"},
		{"tags-null", "title: x\ntags:\n", "line 2: no tags list"},
		{"unknown-alias", "title: x\ntags:\n- *nope\n", "not valid YAML"},
		{"too-large", "title: x\ntags: []\n#" + strings.Repeat("x", tagpack.MaxFileSize), "the file is larger than 64 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tagpack.Parse("dir/bad.yaml", []byte(tt.data))
			var be *bulwark.Error
			if !errors.As(err, &be) || be.Code != bulwark.EINVALID || be.Field != "bad.yaml" {
				t.Fatalf("error %#v, want EINVALID about bad.yaml", err)
			}
			if !strings.HasPrefix(be.Message, tt.want) {
				t.Errorf("message %q, want %q", be.Message, tt.want)
			}
		})
	}
	if _, err := tagpack.Parse("", []byte("tags: []\n")); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("no file name: %v", err)
	}
}

func TestLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		level int
		ok    bool
	}{
		{"", 5, true},
		{"unknown", 5, true},
		{"authority_data", 60, true},
		{" Service_Data ", 50, true},
		{"web_crawl", 20, true},
		{"ownership", 100, true},
		{"0", 0, true},
		{"100", 100, true},
		{"101", 5, false},
		{"-1", 5, false},
		{"guesswork", 5, false},
	}
	for _, tt := range tests {
		if level, ok := tagpack.Level(tt.in); level != tt.level || ok != tt.ok {
			t.Errorf("Level(%q) = %d, %v; want %d, %v", tt.in, level, ok, tt.level, tt.ok)
		}
	}
}

func TestIsAbuse(t *testing.T) {
	t.Parallel()
	for c, want := range map[string]bool{
		"sanction": true, " Service_Hack ": true, "perpetrator": true, "gov_black_list": true, "ransomware": true,
		"exchange": false, "mixing_service": false, "black_list": false, "": false,
	} {
		if got := tagpack.IsAbuse(c); got != want {
			t.Errorf("IsAbuse(%q) = %v, want %v", c, got, want)
		}
	}
}

// TestParseShared reads every published TagPack of the shared data
// folder: each parses, and every tag has a line and an address or a
// transaction.
func TestParseShared(t *testing.T) {
	t.Parallel()
	dir := shareddata.Path(t, "trace", "graphsense-tagpacks")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no TagPacks in %s: %v", dir, err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := tagpack.Parse(f, data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(p.Tags) == 0 || p.Title == "" {
			t.Errorf("%s: %d tags, title %q", f, len(p.Tags), p.Title)
		}
		for _, tag := range p.Tags {
			if tag.Err != nil || tag.Line == 0 || (tag.Address == "" && tag.TxHash == "") || tag.Currency == "" {
				t.Errorf("%s: tag %+v", f, tag)
				break
			}
		}
	}
}
