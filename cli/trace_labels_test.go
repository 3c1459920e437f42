package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/report"
)

// traceTagPack labels the heist's exploiter as a hack's perpetrator and C
// as an exchange (a hub); its Bitcoin tag and transaction tag are skipped.
const traceTagPack = `title: Heist test pack
creator: Bulwark tests
currency: ETH
tags:
- address: '0x47666fab8bd0ac7003bce3f5c3585383f09486e2'
  label: Heist exploiter
  category: perpetrator
  abuse: service_hack
- address: '0x3333333333333333333333333333333333333333'
  label: Example   Exchange
  concepts: [exchange]
- address: 1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2
  currency: BTC
  label: a Bitcoin wallet
- tx_hash: '0x0101010101010101010101010101010101010101010101010101010101010101'
  label: the theft
`

// TestTraceLabelSources: the labels of a trace come from the active
// screening lists, then --labels, then --tagpacks, in that order on one
// address; a TagPack's exchange stops the trace as a hub, and the TagPack
// is hashed into the bundle's manifest.
func TestTraceLabelSources(t *testing.T) {
	t.Parallel()
	data := smallDataDir(t)
	env := map[string]string{"BULWARK_DATA": data, "TEST_OS_USER": "alice"}
	dir := t.TempDir()
	watch := filepath.Join(dir, "watch.txt")
	userFile := filepath.Join(dir, "labels.csv")
	packs := filepath.Join(dir, "packs")
	if err := os.MkdirAll(packs, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		watch:                              heistExploiter + "\n",
		userFile:                           "address,name,category\n" + heistExploiter + ",Exploiter (ours),perpetrator\n",
		filepath.Join(packs, "heist.yaml"): traceTagPack,
		filepath.Join(packs, "README.txt"): "not a TagPack: ignored\n",
		filepath.Join(packs, "empty.yml"):  "title: nothing here\ntags: []\n",
	} {
		if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := run(t, env, "lists", "update", "--from", watch, "--list", "heist-watch", "--kind", "internal"); code != 0 {
		t.Fatalf("lists update: exit %d\n%s", code, stderr)
	}
	args := []string{"trace", "--seed", heistExploiter, "--etl", heistETL, "--labels", userFile, "--tagpacks", packs}
	code, stdout, stderr := run(t, env, append(args, "--json")...)
	if code != 0 || !strings.Contains(stderr, "read 2 TagPacks from "+packs+" (2 labels of Ethereum addresses)") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	g, _ := traceGraphJSON(t, stdout)
	nodes := map[common.Address]tracing.Node{}
	for _, n := range g.Nodes {
		nodes[n.Address] = n
	}
	var sources []string
	for _, l := range nodes[common.HexToAddress(heistExploiter)].Labels {
		sources = append(sources, l.Source)
	}
	if strings.Join(sources, " ") != "heist-watch user tagpack:heist" {
		t.Errorf("the exploiter's label sources %q, want the screening list, the user file, the TagPack", sources)
	}
	c := nodes[common.HexToAddress("0x3333333333333333333333333333333333333333")]
	want := tracing.Label{Source: "tagpack:heist", Name: "Example Exchange", Category: "exchange", Hub: true}
	if len(c.Labels) != 1 || c.Labels[0] != want || c.Stop != tracing.StopHub {
		t.Errorf("C: labels %+v, stop %q; want %+v and a hub stop", c.Labels, c.Stop, want)
	}
	if _, reached := nodes[common.HexToAddress("0x5555555555555555555555555555555555555555")]; reached {
		t.Error("X was reached through C, an exchange by its TagPack")
	}

	out := filepath.Join(dir, "evidence")
	if code, _, stderr := run(t, env, append(args, "--out", out)...); code != 0 {
		t.Fatalf("--out: exit %d\n%s", code, stderr)
	}
	var m report.Manifest
	raw, err := os.ReadFile(filepath.Join(out, report.ManifestFile))
	if err != nil || json.Unmarshal(raw, &m) != nil {
		t.Fatalf("manifest: %v\n%s", err, raw)
	}
	var files []string
	for _, f := range m.Inputs.Files {
		files = append(files, f.Name)
	}
	if want := []string{"labels:" + userFile, "tagpack:" + filepath.Join(packs, "empty.yml"), "tagpack:" + filepath.Join(packs, "heist.yaml")}; strings.Join(files, "|") != strings.Join(want, "|") {
		t.Errorf("manifest input files %q, want %q", files, want)
	}
}

// TestTraceTagPackErrors: a TagPack that cannot be read fails the trace
// with one error naming the flag, the file and the line.
func TestTraceTagPackErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"BULWARK_DATA": filepath.Join(dir, "data")}
	seed := []string{"trace", "--seed", heistExploiter, "--etl", heistETL, "--no-screening-labels"}
	for _, c := range []struct {
		name, body, stderr string
	}{
		{"address", "currency: ETH\nlabel: x\ntags:\n- address: '0x12'\n", "--tagpacks: bad.yaml: line 4: ETH address \"0x12\" is not 0x and 40 hex digits"},
		{"yaml", "tags: [\n", "--tagpacks: bad.yaml: not valid YAML"},
		{"no-tags", "title: x\n", "--tagpacks: bad.yaml: line 1: no tags list"},
		{"no-label", "currency: ETH\ntags:\n- address: '0x3333333333333333333333333333333333333333'\n", "--tagpacks: bad.yaml: line 3: tag 0x3333333333333333333333333333333333333333 has no label"},
	} {
		packs := filepath.Join(dir, c.name)
		if err := os.MkdirAll(packs, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(packs, "bad.yaml"), []byte(c.body), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := run(t, env, append(seed, "--tagpacks", packs)...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, c.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and %q", c.name, code, stderr, c.stderr)
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.MkdirAll(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := run(t, env, append(seed, "--tagpacks", empty)...); code != 1 || !strings.Contains(stderr, "--tagpacks: no TagPack (*.yaml or *.yml) in the folder") {
		t.Errorf("empty folder: exit %d, stderr %q", code, stderr)
	}
}
