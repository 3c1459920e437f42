package e2e

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/internal/browser"
	"github.com/bulwark-sec/bulwark/sqlite"
	"github.com/bulwark-sec/bulwark/tracing"
)

// The small case: a thief sends 100 wei to a mule, which sends 60 to a hub
// and 40 to a sink; its graph has 4 addresses.
const (
	smallThief      = "0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2"
	smallMule       = "0x00000000000000000000000000000000000000B1"
	smallHub        = "0x00000000000000000000000000000000000000c2"
	smallSink       = "0x00000000000000000000000000000000000000d3"
	smallCaseNodes  = 4
	smallCaseID     = "1"
	smallCaseTitle  = "Small heist"
	bigCaseID       = "2"
	bigCaseTitle    = "Forty tranches"
	bigTranches     = 40
	bigPerTranche   = 124
	bigCaseNodes    = 1 + bigTranches + bigTranches*bigPerTranche // 5,001: the seed, the tranches, their recipients
	bigThiefAddress = "0x00000000000000000000000000000000000BEEF0"
)

// The stored-XSS attempt: two own lists name the same address, each with
// an entity whose name (and source) is markup that would run if a page
// put it into HTML unescaped: a plain address file's "# name:" line, and
// a Bulwark CSV's label.
const (
	xssName    = `<img src=x onerror=alert(1)>`
	xssLabel   = `<script>alert(2)</script><b onmouseover=alert(3)>Lazarus mule</b>`
	xssAddress = "0x00000000000000000000000000000000000a1e47"
)

// seed fills a data directory before serve starts: the chain-1 blocks of
// the small and the large trace case, the two cases opened and run, and
// the own lists whose entities' names try stored XSS.
func seed(bin, data string) error {
	if err := os.MkdirAll(data, 0o700); err != nil {
		return err
	}
	if err := seedBlocks(data); err != nil {
		return err
	}
	run := func(stdin string, args ...string) error {
		code, stdout, stderr, err := browser.Command(bin, data, stdin, args...)
		if err != nil || code != 0 {
			return fmt.Errorf("bulwark %s: exit %d, %v\n%s%s", strings.Join(args, " "), code, err, stdout, stderr)
		}
		return nil
	}
	for _, c := range []struct{ seed, title string }{{smallThief, smallCaseTitle}, {bigThiefAddress, bigCaseTitle}} {
		if err := run("", "trace", "case", "open", "--seed", c.seed, "--title", c.title, "--policy", "fifo"); err != nil {
			return err
		}
	}
	for _, id := range []string{smallCaseID, bigCaseID} {
		if err := run("", "trace", "case", "run", id); err != nil {
			return err
		}
	}
	dir := filepath.Join(data, "..", "lists")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	named := filepath.Join(dir, "named.txt")
	if err := os.WriteFile(named, []byte("# name: "+xssName+"\n# source: "+xssName+"\n"+xssAddress+"\n"), 0o600); err != nil {
		return err
	}
	if err := run("", "lists", "update", "--from", named, "--list", "xss-named", "--kind", "internal"); err != nil {
		return err
	}
	labelled := filepath.Join(dir, "labelled.csv")
	csv := "address,chain,label,source,confidence,category\n" + xssAddress + ",ETH,\"" + xssLabel + "\",\"" + xssName + "\",high,attribution\n"
	if err := os.WriteFile(labelled, []byte(csv), 0o600); err != nil {
		return err
	}
	return run("", "lists", "update", "--from", labelled, "--list", "xss-labelled", "--kind", "attribution", "--confidence", "high")
}

// seedBlocks stores the trace cases' transfers as blocks of chain 1 from
// the source "node", one transfer a block.
func seedBlocks(data string) error {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, "bulwark.db"), sqlite.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	type move struct {
		from, to common.Address
		amount   int64
	}
	moves := []move{
		{common.HexToAddress(smallThief), common.HexToAddress(smallMule), 100},
		{common.HexToAddress(smallMule), common.HexToAddress(smallHub), 60},
		{common.HexToAddress(smallMule), common.HexToAddress(smallSink), 40},
	}
	bigThief := common.HexToAddress(bigThiefAddress)
	for i := range bigTranches {
		tranche := common.BigToAddress(big.NewInt(int64(0x7000000 + i)))
		moves = append(moves, move{bigThief, tranche, 10_000 * bigPerTranche})
		for j := range bigPerTranche {
			moves = append(moves, move{tranche, common.BigToAddress(big.NewInt(int64(0x8000000 + i*1000 + j))), 10_000})
		}
	}
	var blocks []tracing.BlockHeader
	var trs []tracing.Transfer
	for i, mv := range moves {
		n := uint64(i + 1)
		h := tracing.BlockHeader{Number: n, Hash: blockHash(n), Parent: blockHash(n - 1), Time: int64(1_740_000_000 + n*12)}
		blocks = append(blocks, h)
		tr := tracing.Transfer{Chain: 1, Block: n, TxHash: blockHash(n + 1<<40), Time: h.Time, Kind: tracing.TopLevelCall, TraceAddress: []uint32{},
			From: mv.from, To: mv.to, Asset: tracing.NativeAsset(1)}
		tr.Amount.SetUint64(uint64(mv.amount))
		trs = append(trs, tr)
	}
	return db.PutBlocks(ctx, 1, "node", blocks, trs)
}

// blockHash is a distinct hash for n (0 is the parent of block 1).
func blockHash(n uint64) common.Hash {
	var h common.Hash
	h[0] = 0xbb
	new(big.Int).SetUint64(n).FillBytes(h[24:])
	return h
}
