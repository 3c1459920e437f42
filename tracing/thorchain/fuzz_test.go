package thorchain

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
)

// FuzzParseMemo holds that no memo crashes the parser and that a swap it
// reads names the chain it leaves to.
func FuzzParseMemo(f *testing.F) {
	for _, s := range []string{"=:b:bc1qdest:0/1/0:t:10", "SWAP:ETH.USDT-0XDAC:0xabc", "$+:BTC.BTC:bc1q", "=:BTC/BTC:thor1", "+:ETH.ETH"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, ok := ParseMemo(s)
		if !ok {
			return
		}
		if (m.Action == "swap" || m.Action == "loan-open") && (m.Chain == "" || m.Asset == "") {
			t.Fatalf("%q: %+v", s, m)
		}
		if strings.Contains(m.Dest, ":") || strings.Contains(m.Dest, "/") {
			t.Fatalf("%q: destination %q", s, m.Dest)
		}
	})
}

// FuzzRouterMemo holds that no calldata crashes the decoder and that the
// reader of constants files fails only with EINVALID.
func FuzzRouterMemo(f *testing.F) {
	f.Add(pack(f, "deposit", "=:b:bc1qdest"), []byte("kind,chain,value,label\nrouter,ETH,0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146,r\n"))
	f.Add(pack(f, "depositWithExpiry", "SWAP:BTC.BTC:bc1q"), []byte("kind,chain,value\nvault,ETH,0x12\n"))
	f.Fuzz(func(t *testing.T, input, constants []byte) {
		if m, ok := RouterMemo(input); ok && len(m) > len(input) {
			t.Fatalf("memo of %d bytes from %d", len(m), len(input))
		}
		if _, err := ReadConstants("c.csv", bytes.NewReader(constants)); err != nil && !bulwark.IsCode(err, bulwark.EINVALID) {
			t.Fatalf("error code %q: %v", bulwark.ErrorCode(err), err)
		}
	})
}
