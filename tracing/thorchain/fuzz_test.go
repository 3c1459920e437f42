package thorchain

import (
	"bytes"
	"math/big"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
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

// FuzzEventInput holds that no event data crashes the decoder, and that
// the input it rebuilds from a router's Deposit event reads back, through
// RouterMemo, as the memo the event carries.
func FuzzEventInput(f *testing.F) {
	u256, _ := abi.NewType("uint256", "", nil)
	str, _ := abi.NewType("string", "", nil)
	data, err := abi.Arguments{{Type: u256}, {Type: str}}.Pack(big.NewInt(4), "=:b:bc1qdest:0/1/0")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:40])
	f.Add([]byte{})
	d := New(DefaultConstants(), nil)
	topics := []common.Hash{DepositTopic, common.BytesToHash(vault[:]), {}}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, ok := d.EventInput(router, topics, data)
		if !ok {
			return
		}
		args, err := depositEvent.Unpack(data)
		if err != nil {
			t.Fatalf("EventInput took data the event's ABI refuses: %v", err)
		}
		if memo, ok := RouterMemo(in); !ok || memo != args[1].(string) {
			t.Fatalf("rebuilt input reads %q, %v; the event's memo is %q", memo, ok, args[1])
		}
		inputs := Inputs{}
		if !d.AddEvent(inputs, common.Hash{1}, router, topics, data) || d.AddEvent(inputs, common.Hash{1}, router, topics, data) {
			t.Fatal("AddEvent: want the first event taken and a second one not to replace it")
		}
	})
}
