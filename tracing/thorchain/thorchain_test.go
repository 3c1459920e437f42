package thorchain

import (
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/internal/shareddata"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

func TestParseMemo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		memo string
		ok   bool
		want Memo
	}{
		{"SWAP:BTC.BTC:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq:0", true,
			Memo{Action: "swap", Asset: "BTC.BTC", Chain: "BTC", Dest: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}},
		{"=:BTC.BTC:bc1q3a2le4lazts64u8mqte5vuxvug25z5w6rhs95g:5855757:t:10", true,
			Memo{Action: "swap", Asset: "BTC.BTC", Chain: "BTC", Dest: "bc1q3a2le4lazts64u8mqte5vuxvug25z5w6rhs95g"}},
		{"s:b:bc1qdest", true, Memo{Action: "swap", Asset: "BTC.BTC", Chain: "BTC", Dest: "bc1qdest"}},
		{"=:e:0x00000000000000000000000000000000000000b7:0/1/0", true,
			Memo{Action: "swap", Asset: "ETH.ETH", Chain: "ETH", Dest: "0x00000000000000000000000000000000000000b7"}},
		{"=:BTC:bc1qdest/bc1qrefund:0", true, Memo{Action: "swap", Asset: "BTC.BTC", Chain: "BTC", Dest: "bc1qdest"}},
		{"=:ETH.USDT-0XDAC17F958D2EE523A2206206994597C13D831EC7:0xabc", true,
			Memo{Action: "swap", Asset: "ETH.USDT-0XDAC17F958D2EE523A2206206994597C13D831EC7", Chain: "ETH", Dest: "0xabc"}},
		{"=:BTC/BTC:thor1dest", true, Memo{Action: "swap", Asset: "BTC/BTC", Chain: "THOR", Dest: "thor1dest"}},
		{"=:BTC~BTC:thor1dest", true, Memo{Action: "swap", Asset: "BTC~BTC", Chain: "THOR", Dest: "thor1dest"}},
		{"=:r:thor1dest", true, Memo{Action: "swap", Asset: "THOR.RUNE", Chain: "THOR", Dest: "thor1dest"}},
		{"=:g:cosmos1dest", true, Memo{Action: "swap", Asset: "GAIA.ATOM", Chain: "GAIA", Dest: "cosmos1dest"}},
		{"$+:BTC.BTC:bc1qdest", true, Memo{Action: "loan-open", Asset: "BTC.BTC", Chain: "BTC", Dest: "bc1qdest"}},
		{"=:BTC.BTC", true, Memo{Action: "swap", Asset: "BTC.BTC", Chain: "BTC"}},
		{"+:ETH.ETH:thor1lp", true, Memo{Action: "add"}},
		{"  =:b:bc1qdest\x00\x00", true, Memo{Action: "swap", Asset: "BTC.BTC", Chain: "BTC", Dest: "bc1qdest"}},
		{"", false, Memo{}},
		{"hello world", false, Memo{}},
		{"=", false, Memo{}},
		{"=::bc1q", false, Memo{}},
		{"=:.BTC:bc1q", false, Memo{}},
		{"=:b:bc1q\nx", false, Memo{}},
		{"\xff=:b:x", false, Memo{}},
	}
	for _, tt := range tests {
		got, ok := ParseMemo(tt.memo)
		if ok != tt.ok {
			t.Errorf("ParseMemo(%q) ok = %v, want %v", tt.memo, ok, tt.ok)
			continue
		}
		got.Raw = ""
		if got != tt.want {
			t.Errorf("ParseMemo(%q) = %+v, want %+v", tt.memo, got, tt.want)
		}
	}
}

func pack(t testing.TB, method string, memo string) []byte {
	t.Helper()
	args := []any{common.HexToAddress("0x00000000000000000000000000000000000000f1"), common.Address{}, big.NewInt(5), memo}
	if method == "depositWithExpiry" {
		args = append(args, big.NewInt(1740000000))
	}
	b, err := routerABI.Pack(method, args...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRouterMemo(t *testing.T) {
	t.Parallel()
	for _, m := range []string{"deposit", "depositWithExpiry"} {
		b := pack(t, m, "=:b:bc1qdest")
		if got, ok := RouterMemo(b); !ok || got != "=:b:bc1qdest" {
			t.Errorf("%s: memo %q %v", m, got, ok)
		}
		if _, ok := RouterMemo(b[:len(b)-40]); ok {
			t.Errorf("%s: cut input decoded", m)
		}
	}
	for _, in := range [][]byte{nil, {1, 2, 3}, {0xa9, 0x05, 0x9c, 0xbb, 0, 0}} {
		if _, ok := RouterMemo(in); ok {
			t.Errorf("%x decoded", in)
		}
	}
}

var (
	router = common.HexToAddress("0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146")
	vault  = common.HexToAddress("0x00000000000000000000000000000000000000f1")
	thief  = common.HexToAddress("0x00000000000000000000000000000000000000a1")
	usdt   = common.HexToAddress("0xdac17f958d2ee523a2206206994597c13d831ec7")
)

func transfer(kind tracing.Kind, hash byte, from, to common.Address, asset tracing.Asset, amount uint64) tracing.Transfer {
	tr := tracing.Transfer{Chain: 1, Block: 100, TxHash: common.Hash{hash}, Time: 1740000000, Kind: kind, From: from, To: to, Asset: asset}
	tr.Amount.Set(uint256.NewInt(amount))
	return tr
}

func TestDetector(t *testing.T) {
	t.Parallel()
	c := DefaultConstants()
	c.Vaults[vault] = "THORChain vault"
	eth := tracing.NativeAsset(1)
	tok := tracing.Asset{Chain: 1, Standard: tracing.ERC20, Contract: usdt}
	inputs := Inputs{
		{1}: pack(t, "depositWithExpiry", "=:b:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq:0/1/0:t:0"),
		{2}: pack(t, "deposit", "SWAP:ETH.ETH:0x00000000000000000000000000000000000000b7"),
		{3}: []byte("=:LTC.LTC:ltc1qdest"),
		{5}: []byte("not a memo"),
	}
	d := New(c, inputs)
	tests := []struct {
		name string
		tr   tracing.Transfer
		ok   bool
		want tracing.Exit
	}{
		{"ETH into the router", transfer(tracing.TopLevelCall, 1, thief, router, eth, 7), true,
			tracing.Exit{Via: router, Asset: eth.String(), Amount: "7", Memo: "=:b:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq:0/1/0:t:0",
				DestChain: "BTC", DestAddress: "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}},
		{"the router forwarding to its vault", transfer(tracing.InternalCall, 1, router, vault, eth, 7), false, tracing.Exit{}},
		{"a token pulled by the router", transfer(tracing.TokenTransfer, 2, thief, router, tok, 9), true,
			tracing.Exit{Via: router, Asset: tok.String(), Amount: "9", Memo: "SWAP:ETH.ETH:0x00000000000000000000000000000000000000b7",
				DestChain: "ETH", DestAddress: "0x00000000000000000000000000000000000000b7"}},
		{"ETH straight into a vault", transfer(tracing.TopLevelCall, 3, thief, vault, eth, 3), true,
			tracing.Exit{Via: vault, Asset: eth.String(), Amount: "3", Memo: "=:LTC.LTC:ltc1qdest", DestChain: "LTC", DestAddress: "ltc1qdest"}},
		{"a router deposit without its input", transfer(tracing.TopLevelCall, 4, thief, router, eth, 1), true,
			tracing.Exit{Via: router, Asset: eth.String(), Amount: "1"}},
		{"a vault transfer without a memo", transfer(tracing.TopLevelCall, 5, thief, vault, eth, 1), true,
			tracing.Exit{Via: vault, Asset: eth.String(), Amount: "1"}},
		{"elsewhere", transfer(tracing.TopLevelCall, 1, thief, usdt, eth, 1), false, tracing.Exit{}},
		{"zero value", transfer(tracing.TopLevelCall, 1, thief, router, eth, 0), false, tracing.Exit{}},
		{"gas", transfer(tracing.GasTip, 1, thief, router, eth, 1), false, tracing.Exit{}},
	}
	for _, tt := range tests {
		got, ok := d.Exit(&tt.tr)
		if ok != tt.ok {
			t.Errorf("%s: ok %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		w := tt.want
		w.TxHash, w.Block, w.Time, w.From, w.Service = tt.tr.TxHash, 100, 1740000000, thief, Service
		if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, got, w)
		}
	}
	ts := []tracing.Transfer{transfer(tracing.TopLevelCall, 1, thief, router, eth, 7), transfer(tracing.InternalCall, 1, router, vault, eth, 7),
		transfer(tracing.TopLevelCall, 9, thief, usdt, eth, 1), transfer(tracing.TokenTransfer, 2, thief, router, tok, 9), transfer(tracing.TopLevelCall, 1, thief, router, eth, 7)}
	if got := d.Wanted(ts); len(got) != 2 || got[0] != (common.Hash{1}) || got[1] != (common.Hash{2}) {
		t.Errorf("Wanted = %v", got)
	}
	var _ tracing.ExitDetector = d
}

func TestReadConstants(t *testing.T) {
	t.Parallel()
	f, err := os.Open(shareddata.Path(t, "trace", "bridges-dex", "thorchain_eth_constants.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadConstants("thorchain_eth_constants.csv", f)
	if err != nil {
		t.Fatal(err)
	}
	def := DefaultConstants()
	if len(c.Routers) != 3 || len(c.Vaults) != 0 {
		t.Errorf("routers %v vaults %v", c.Routers, c.Vaults)
	}
	for a := range def.Routers {
		if _, ok := c.Routers[a]; !ok {
			t.Errorf("default router %s not in the shared file", a.Hex())
		}
	}
}

func TestReadConstantsOwn(t *testing.T) {
	t.Parallel()
	good := "# our vaults\nkind,chain,value,label\nrouter,ETH,0xd37bbe5744d730a1d98d8dc97c42f0ca46ad7146,r\nvault,eth,0x00000000000000000000000000000000000000F1,\nvault,BSC,0x00000000000000000000000000000000000000f2,x\nevent_topic0,ETH,0xa9cd03aa3c1b4515114539cd53d22085129d495cb9e9f9af77864526240f1bf7,t\n"
	c, err := ReadConstants("mine.csv", strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Routers) != 1 || c.Vaults[vault] != "THORChain vault" || len(c.Vaults) != 1 {
		t.Errorf("%+v", c)
	}
	bad := []struct{ data, want string }{
		{"", "the file is empty"},
		{"kind,value\n", "line 1: no chain column"},
		{"kind,chain,value\nrouter,ETH,0x12\n", "line 2: router address \"0x12\""},
		{"kind,chain,value\nevent_topic0,ETH,0x12\n", "no ETH router or vault row"},
		{"kind,chain,value\nrouter,\"ETH,0x12\n", "malformed CSV"},
		{"kind,chain,value\nrouter,ETH\n", "line 2 has 2 fields, the header 3"},
		{"kind,chain,value\nrouter,ETH,0x12,x\n", "line 2 has 4 fields"},
	}
	for _, tt := range bad {
		_, err := ReadConstants("mine.csv", strings.NewReader(tt.data))
		if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), "mine.csv") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want one naming mine.csv with %q", tt.data, err, tt.want)
		}
	}
}
