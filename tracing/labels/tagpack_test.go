package labels_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/labels"
)

// TestReadTagPacksOwnFiles reads the two TagPacks of testdata/tagpacks:
// header defaults, tag overrides, concepts, hubs, other chains and
// transaction tags.
func TestReadTagPacksOwnFiles(t *testing.T) {
	t.Parallel()
	set, st, err := labels.ReadTagPacks(os.DirFS("testdata/tagpacks"), ".")
	if err != nil {
		t.Fatal(err)
	}
	if want := (labels.TagPackStats{Files: 2, Tags: 9, Labels: 7, OtherChains: 1, TxTags: 1}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	src := "tagpack:services"
	tests := []struct {
		addr string
		want []tracing.Label
	}{
		{"0xe1", []tracing.Label{{Source: src, Name: "Example Exchange hot wallet", Category: "exchange", Hub: true}}},
		{"0xe2", []tracing.Label{{Source: src, Name: "Example Exchange deposit", Category: "deposit_wallet", Hub: true}}},
		{"0xd1", []tracing.Label{{Source: src, Name: "Example DEX router", Category: "defi_dex", Hub: true}}},
		{"0xb1", []tracing.Label{{Source: src, Name: "Example Bridge", Category: "defi_bridge", Hub: true}}},
		// Two files label the address: files in name order.
		{"0xa1", []tracing.Label{
			{Source: "tagpack:sanctioned", Name: "Test Group", Category: "user", Abuse: "sanction"},
			{Source: src, Name: "Example exploiter", Category: "perpetrator", Abuse: "service_hack"},
		}},
		{"0xa2", []tracing.Label{{Source: "tagpack:sanctioned", Name: "Test Group member", Category: "user", Abuse: "sanction"}}},
		{"0xff", nil},
	}
	for _, tt := range tests {
		got := set.Labels(addr(tt.addr))
		if len(got) != len(tt.want) {
			t.Errorf("%s: labels %+v, want %+v", tt.addr, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: label %d %+v, want %+v", tt.addr, i, got[i], tt.want[i])
			}
		}
	}
}

// TestReadTagPackBad checks that bad TagPacks are errors naming the file
// and the line.
func TestReadTagPackBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{"not-yaml", "title: [unclosed\n", "bad.yaml"},
		{"not-mapping", "- a\n- b\n", "bad.yaml: line 1: a TagPack is a YAML mapping"},
		{"no-tags", "title: x\ncreator: y\n", "line 1: no tags list"},
		{"tags-not-list", "title: x\ntags: 3\n", "line 2: no tags list"},
		{"tag-not-mapping", "title: x\ncurrency: ETH\nlabel: l\ntags:\n- 0x00000000000000000000000000000000000000a1\n", "line 5: a tag must be a mapping"},
		{"no-address", "title: x\ncurrency: ETH\nlabel: l\ntags:\n- label: y\n", "line 5: a tag without an address"},
		{"no-currency", "title: x\nlabel: l\ntags:\n- address: '0x00000000000000000000000000000000000000a1'\n", "line 4: tag \"0x00000000000000000000000000000000000000a1\" names no currency"},
		{"bad-address", "title: x\ncurrency: ETH\nlabel: l\ntags:\n- address: '0x00000000000000000000000000000000000000zz'\n", "line 5: ETH address \"0x00000000000000000000000000000000000000zz\" is not 0x and 40 hex digits"},
		{"no-label", "title: x\ncurrency: ETH\ntags:\n- address: '0x00000000000000000000000000000000000000a1'\n", "line 4: tag 0x00000000000000000000000000000000000000a1 has no label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := labels.ReadTagPack(labels.NewSet(), "dir/bad.yaml", []byte(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Errorf("code %q, want invalid", bulwark.ErrorCode(err))
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.yaml") {
				t.Errorf("error %q, want it to name bad.yaml and contain %q", err, tt.want)
			}
		})
	}
}

// TestReadTagPacksShared reads the published TagPacks of the shared data
// folder.
func TestReadTagPacksShared(t *testing.T) {
	t.Parallel()
	dir := shareddata.Path(t, "trace", "graphsense-tagpacks")
	set, st, err := labels.ReadTagPacks(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if st.Files != len(files) || st.Labels == 0 || st.OtherChains == 0 {
		t.Errorf("stats %+v for %d files", st, len(files))
	}
	tests := []struct {
		addr           string
		source, name   string
		category, abus string
		hub            bool
	}{
		{"0xbe0eb53f46cd790cd13851d5eff43d12404d33e8", "tagpack:exchange-wallets-binance", "binance reserve wallets ETH", "exchange", "", true},
		{"0x8589427373D6D84E98730D7795D8f6f8731FDA16", "tagpack:tornado_cash", "tornado.cash", "mixing_service", "", true},
		{"0x098B716B8Aaf21512996dC57EB0615e2383E2f96", "tagpack:ronin_bridge", "Ronin bridge exploiter", "", "service_hack", false},
		{"0x008fe40574e881e7247b50b991c0cc057d66647f", "tagpack:usdt_blacklist", "USDT_blacklisted", "black_list", "", false},
	}
	for _, tt := range tests {
		var found *tracing.Label
		for _, l := range set.Labels(addr(tt.addr)) {
			if l.Source == tt.source {
				found = &l
				break
			}
		}
		if found == nil {
			t.Errorf("%s: no label from %s; have %+v", tt.addr, tt.source, set.Labels(addr(tt.addr)))
			continue
		}
		if found.Name != tt.name || found.Category != tt.category || found.Abuse != tt.abus || found.Hub != tt.hub {
			t.Errorf("%s: %+v, want name %q category %q abuse %q hub %v", tt.addr, *found, tt.name, tt.category, tt.abus, tt.hub)
		}
	}
	// No Bitcoin tag becomes a label: every labelled address is an ETH one.
	for _, a := range set.Addresses() {
		for _, l := range set.Labels(a) {
			if l.Name == "" || !strings.HasPrefix(l.Source, "tagpack:") {
				t.Fatalf("%s: bad label %+v", a.Hex(), l)
			}
		}
	}
}
