package cli

import (
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
)

// FuzzTraceSeeds: any --seed value gives addresses and transactions, each
// seed once, none zero-length, the zero address or the zero hash, or an
// EINVALID error naming --seed; never a panic.
func FuzzTraceSeeds(f *testing.F) {
	for _, s := range []string{
		"0x47666fab8bd0ac7003bce3f5c3585383f09486e2",
		"0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2,0xb61413c495fdad6114a7aa863a00b2e3c28945979a10885b12b30316ea9f072c",
		"0x47666fab8bd0ac7003bce3f5c3585383f09486e2,0x47666FAB8BD0AC7003BCE3F5C3585383F09486E2",
		",", "0x", "0xzz", " 0x47666fab8bd0ac7003bce3f5c3585383f09486e2 ", "0x47666Fab8bd0Ac7003bce3f5C3585383F09486e2",
		"0x0000000000000000000000000000000000000000", "0x0000000000000000000000000000000000000000000000000000000000000000",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addrs, txs, err := parseSeeds(s)
		if err != nil {
			if bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(bulwark.ErrorMessage(err), "--seed: ") {
				t.Fatalf("error %q is not an invalid --seed error", err)
			}
			return
		}
		if len(addrs)+len(txs) == 0 || len(addrs)+len(txs) != len(strings.Split(s, ",")) {
			t.Fatalf("%q gave %d addresses and %d transactions", s, len(addrs), len(txs))
		}
		for _, a := range addrs {
			if a == (common.Address{}) {
				t.Fatalf("%q gave the zero address as a seed", s)
			}
		}
		for _, h := range txs {
			if h == (common.Hash{}) {
				t.Fatalf("%q gave the zero hash as a seed", s)
			}
		}
	})
}

// FuzzTraceOutput: any --format and --out give an output or an EINVALID
// error naming one of them; a file output always has a format.
func FuzzTraceOutput(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"csv", ""}, {"", "g.gexf"}, {"dot", "g.csv"}, {"", "evidence/"}, {"json", "out"}, {"XML", "g.xml"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, format, out string) {
		o, err := parseTraceOutput(format, out)
		if err != nil {
			if msg := bulwark.ErrorMessage(err); bulwark.ErrorCode(err) != bulwark.EINVALID || !strings.HasPrefix(msg, "--format: ") && !strings.HasPrefix(msg, "--out: ") {
				t.Fatalf("error %q names neither --format nor --out", err)
			}
			return
		}
		if o.file != "" && (o.format == "" || o.dir != "") || o.dir != "" && o.format != "" {
			t.Fatalf("%q %q gave %+v", format, out, o)
		}
	})
}
