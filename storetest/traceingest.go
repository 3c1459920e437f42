package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
)

const ingestChain = 31337

var (
	ingA     = common.HexToAddress("0x00000000000000000000000000000000000000a1")
	ingB     = common.HexToAddress("0x00000000000000000000000000000000000000b2")
	ingC     = common.HexToAddress("0x00000000000000000000000000000000000000c3")
	ingToken = common.HexToAddress("0x00000000000000000000000000000000000070c0")
)

// ingestChainOf returns headers of blocks from..to whose hashes depend on
// fork, linked by parent hash, the first one's parent the hash of from-1
// on fork parentFork.
func ingestChainOf(from, to uint64, fork, parentFork byte) []tracing.BlockHeader {
	h := func(n uint64, f byte) common.Hash {
		var x common.Hash
		x[0], x[1] = 0xbb, f
		for i := 0; i < 8; i++ {
			x[24+i] = byte(n >> (56 - 8*i))
		}
		return x
	}
	var out []tracing.BlockHeader
	for n := from; n <= to; n++ {
		pf := fork
		if n == from {
			pf = parentFork
		}
		out = append(out, tracing.BlockHeader{Number: n, Hash: h(n, fork), Parent: h(n-1, pf), Time: int64(1_700_000_000 + n*12)})
	}
	return out
}

// ingestTransfers returns transfers for each block: a top-level call from
// A to B, an internal call from B to C, a token transfer from A to C, an
// ERC-1155 TransferSingle from A to B and a two-item batch from C to B, the
// gas of A's transaction and (on fork 1) a second transaction from C; the
// amounts depend on the block and on tag so that replaced transfers can
// be told apart.
func ingestTransfers(blocks []tracing.BlockHeader, fork byte, tag uint64) []tracing.Transfer {
	var out []tracing.Transfer
	native, token := tracing.NativeAsset(ingestChain), tracing.TokenAsset(ingestChain, ingToken)
	for _, b := range blocks {
		tx := common.Hash{0x7a, fork, byte(b.Number), byte(tag)}
		mk := func(k tracing.Kind, txi uint32, h common.Hash, from, to common.Address, a tracing.Asset, amt uint64) tracing.Transfer {
			t := tracing.Transfer{Chain: ingestChain, Block: b.Number, TxIndex: txi, TxHash: h, Time: b.Time, Kind: k, From: from, To: to, Asset: a}
			t.Amount.SetUint64(amt*1000 + b.Number*10 + tag)
			return t
		}
		top := mk(tracing.TopLevelCall, 0, tx, ingA, ingB, native, 5)
		top.TraceAddress = []uint32{}
		in := mk(tracing.InternalCall, 0, tx, ingB, ingC, native, 3)
		in.TraceAddress = []uint32{0, 1}
		tok := mk(tracing.TokenTransfer, 0, tx, ingA, ingC, token, 7)
		tok.LogIndex = 4
		// An ERC-1155 TransferBatch of two ids at log 6, its items given
		// out of order, and a TransferSingle at log 5.
		item0 := mk(tracing.TokenTransfer, 0, tx, ingC, ingB, tracing.MultiTokenAsset(ingestChain, ingToken, uint256.NewInt(5)), 2)
		item0.LogIndex = 6
		item1 := mk(tracing.TokenTransfer, 0, tx, ingC, ingB, tracing.MultiTokenAsset(ingestChain, ingToken, uint256.NewInt(9)), 4)
		item1.LogIndex, item1.ItemIndex = 6, 1
		single := mk(tracing.TokenTransfer, 0, tx, ingA, ingB, tracing.MultiTokenAsset(ingestChain, ingToken, uint256.NewInt(5)), 6)
		single.LogIndex = 5
		// Given out of order: the store keeps tracing.Compare's order.
		out = append(out, item1, tok, single, in, item0, top,
			mk(tracing.GasTip, 0, tx, ingA, ingC, native, 1),
			mk(tracing.BaseFeeBurn, 0, tx, ingA, common.Address{}, native, 2))
		if fork == 1 {
			out = append(out, mk(tracing.TopLevelCall, 1, common.Hash{0x7b, byte(b.Number)}, ingC, ingA, native, 9))
		}
	}
	return out
}

func sameTransfers(got, want []tracing.Transfer) error {
	want = slices.Clone(want)
	slices.SortStableFunc(want, func(a, b tracing.Transfer) int { return tracing.Compare(&a, &b) })
	if len(got) != len(want) {
		return fmt.Errorf("%d transfers, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Chain != w.Chain || g.Block != w.Block || g.TxIndex != w.TxIndex || g.TxHash != w.TxHash || g.Time != w.Time ||
			g.Kind != w.Kind || g.LogIndex != w.LogIndex || g.ItemIndex != w.ItemIndex || !slices.Equal(g.TraceAddress, w.TraceAddress) ||
			g.From != w.From || g.To != w.To || g.Asset != w.Asset || !g.Amount.Eq(&w.Amount) {
			return fmt.Errorf("transfer %d = %+v, want %+v", i, g, w)
		}
	}
	return nil
}

func filterTransfers(ts []tracing.Transfer, keep func(*tracing.Transfer) bool) []tracing.Transfer {
	var out []tracing.Transfer
	for i := range ts {
		if keep(&ts[i]) {
			out = append(out, ts[i])
		}
	}
	return out
}

// IngestStore runs the conformance suite for tracing.IngestStore: blocks
// and transfers stored with the cursor, read back by address, asset and
// block range in order; a block put again replaces its transfers (no
// duplicates); gaps, broken parent links and another hash for a stored
// block refused; a put that fails part-way leaves nothing of itself, the
// cursor included; a rollback deletes the blocks above and moves the
// cursor back; sources and chains apart. open must return a fresh, empty
// store closed when t ends.
func IngestStore(t *testing.T, open func(t *testing.T) tracing.IngestStore) {
	t.Helper()
	ctx := context.Background()
	all := func(t *testing.T, s tracing.IngestStore, source string) []tracing.Transfer {
		t.Helper()
		got, err := s.Transfers(ctx, tracing.TransferQuery{Chain: ingestChain, Source: source})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	// holds checks that every query of the source reads what want (all its
	// transfers) holds: by address (through an address index, if the
	// store keeps one), by asset and by block range.
	holds := func(t *testing.T, s tracing.IngestStore, source string, want []tracing.Transfer) {
		t.Helper()
		token, zero := tracing.TokenAsset(ingestChain, ingToken), common.Address{}
		type check struct {
			name string
			q    tracing.TransferQuery
			keep func(*tracing.Transfer) bool
		}
		checks := []check{
			{"all", tracing.TransferQuery{}, func(*tracing.Transfer) bool { return true }},
			{"asset", tracing.TransferQuery{Asset: &token}, func(t *tracing.Transfer) bool { return t.Asset == token }},
		}
		for _, a := range []common.Address{ingA, ingB, ingC, zero} {
			checks = append(checks,
				check{"address " + a.Hex(), tracing.TransferQuery{Address: &a}, func(t *tracing.Transfer) bool { return t.From == a || t.To == a }},
				check{"address " + a.Hex() + " from 12 to 13", tracing.TransferQuery{Address: &a, FromBlock: 12, ToBlock: 13}, func(t *tracing.Transfer) bool {
					return (t.From == a || t.To == a) && t.Block >= 12 && t.Block <= 13
				}})
		}
		for _, c := range checks {
			c.q.Chain, c.q.Source = ingestChain, source
			got, err := s.Transfers(ctx, c.q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if err := sameTransfers(got, filterTransfers(want, c.keep)); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
	}
	cursorAt := func(t *testing.T, s tracing.IngestStore, source string, n uint64, h common.Hash) {
		t.Helper()
		c, ok, err := s.IngestCursor(ctx, ingestChain, source)
		if err != nil || !ok || c.Block != n || c.Hash != h || c.Chain != ingestChain || c.Source != source || c.UpdatedAt.Location() != time.UTC || c.UpdatedAt.IsZero() {
			t.Fatalf("cursor = %+v, %v, %v; want block %d hash %s", c, ok, err, n, h.Hex())
		}
	}

	t.Run("PutRead", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if c, ok, err := s.IngestCursor(ctx, ingestChain, "node"); err != nil || ok {
			t.Fatalf("empty store: cursor %+v, %v, %v", c, ok, err)
		}
		if got := all(t, s, "node"); got == nil || len(got) != 0 {
			t.Fatalf("empty store: transfers %#v", got)
		}
		blocks := ingestChainOf(10, 14, 0, 0)
		ts := ingestTransfers(blocks, 0, 0)
		if err := s.PutBlocks(ctx, ingestChain, "node", blocks, ts); err != nil {
			t.Fatal(err)
		}
		cursorAt(t, s, "node", 14, blocks[4].Hash)
		if err := sameTransfers(all(t, s, "node"), ts); err != nil {
			t.Fatal(err)
		}
		if b, ok, err := s.StoredBlock(ctx, ingestChain, "node", 12); err != nil || !ok || b != blocks[2] {
			t.Errorf("StoredBlock(12) = %+v, %v, %v", b, ok, err)
		}
		if b, ok, err := s.StoredBlock(ctx, ingestChain, "node", 15); err != nil || ok {
			t.Errorf("StoredBlock(15) = %+v, %v, %v", b, ok, err)
		}
		c, token, zero := ingC, tracing.TokenAsset(ingestChain, ingToken), common.Address{}
		for _, tc := range []struct {
			name string
			q    tracing.TransferQuery
			keep func(*tracing.Transfer) bool
		}{
			{"address", tracing.TransferQuery{Address: &c}, func(t *tracing.Transfer) bool { return t.From == c || t.To == c }},
			// Burns: a store may treat the zero address apart.
			{"zero address", tracing.TransferQuery{Address: &zero}, func(t *tracing.Transfer) bool { return t.From == zero || t.To == zero }},
			{"asset", tracing.TransferQuery{Asset: &token}, func(t *tracing.Transfer) bool { return t.Asset == token }},
			{"range", tracing.TransferQuery{FromBlock: 11, ToBlock: 12}, func(t *tracing.Transfer) bool { return t.Block >= 11 && t.Block <= 12 }},
			{"from", tracing.TransferQuery{FromBlock: 13}, func(t *tracing.Transfer) bool { return t.Block >= 13 }},
			{"all three", tracing.TransferQuery{Address: &c, Asset: &token, FromBlock: 12, ToBlock: 12}, func(t *tracing.Transfer) bool {
				return t.Block == 12 && t.Asset == token && (t.From == c || t.To == c)
			}},
		} {
			tc.q.Chain, tc.q.Source = ingestChain, "node"
			got, err := s.Transfers(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			want := filterTransfers(ts, tc.keep)
			if len(want) == 0 {
				t.Fatalf("%s: the case selects nothing", tc.name)
			}
			if err := sameTransfers(got, want); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
		}
		// Other sources and chains see nothing of it.
		if got := all(t, s, "etl"); len(got) != 0 {
			t.Errorf("source etl: %d transfers", len(got))
		}
		if got, err := s.Transfers(ctx, tracing.TransferQuery{Chain: 1, Source: "node"}); err != nil || len(got) != 0 {
			t.Errorf("chain 1: %d transfers, %v", len(got), err)
		}
		for _, q := range []tracing.TransferQuery{{Chain: ingestChain}, {Chain: ingestChain, Source: "node", FromBlock: 5, ToBlock: 4}} {
			if _, err := s.Transfers(ctx, q); bulwark.ErrorCode(err) != bulwark.EINVALID {
				t.Errorf("Transfers(%+v) = %v, want EINVALID", q, err)
			}
		}
	})

	t.Run("PutAgain", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		blocks := ingestChainOf(10, 14, 0, 0)
		ts := ingestTransfers(blocks, 0, 0)
		if err := s.PutBlocks(ctx, ingestChain, "node", blocks, ts); err != nil {
			t.Fatal(err)
		}
		// The same blocks again (a crash after the commit, before the
		// caller knew): the same transfers, once.
		if err := s.PutBlocks(ctx, ingestChain, "node", blocks[1:3], filterTransfers(ts, func(t *tracing.Transfer) bool { return t.Block == 11 || t.Block == 12 })); err != nil {
			t.Fatal(err)
		}
		if err := sameTransfers(all(t, s, "node"), ts); err != nil {
			t.Fatalf("after putting 11 and 12 again: %v", err)
		}
		holds(t, s, "node", ts)
		cursorAt(t, s, "node", 14, blocks[4].Hash) // not moved back
		// Put again with other transfers: they replace the block's.
		re := ingestTransfers(blocks[2:3], 0, 5)
		if err := s.PutBlocks(ctx, ingestChain, "node", blocks[2:3], re); err != nil {
			t.Fatal(err)
		}
		want := append(filterTransfers(ts, func(t *tracing.Transfer) bool { return t.Block != 12 }), re...)
		if err := sameTransfers(all(t, s, "node"), want); err != nil {
			t.Fatalf("after replacing 12: %v", err)
		}
		holds(t, s, "node", want)
		// A block without transfers, then the next range.
		next := ingestChainOf(15, 16, 0, 0)
		if err := s.PutBlocks(ctx, ingestChain, "node", next, nil); err != nil {
			t.Fatal(err)
		}
		cursorAt(t, s, "node", 16, next[1].Hash)
		if err := sameTransfers(all(t, s, "node"), want); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ManyPerBlock", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		// Blocks of 1, 150 and 70 transfers: more than an adapter may write
		// per statement, block boundaries falling anywhere in one.
		blocks := ingestChainOf(30, 32, 0, 0)
		var ts []tracing.Transfer
		for i, n := range []int{1, 150, 70} {
			b := blocks[i]
			for k := range n {
				tf := tracing.Transfer{Chain: ingestChain, Block: b.Number, TxIndex: uint32(k / 10), TxHash: common.Hash{0x7c, byte(i), byte(k / 10)}, Time: b.Time,
					Kind: tracing.TokenTransfer, LogIndex: uint32(n - k), From: ingA, To: ingB, Asset: tracing.TokenAsset(ingestChain, ingToken)}
				tf.Amount.SetUint64(uint64(1000*i + k))
				ts = append(ts, tf)
			}
		}
		for range 2 { // put again: the same, once
			if err := s.PutBlocks(ctx, ingestChain, "node", blocks, ts); err != nil {
				t.Fatal(err)
			}
			if err := sameTransfers(all(t, s, "node"), ts); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("Refused", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		blocks := ingestChainOf(10, 14, 0, 0)
		ts := ingestTransfers(blocks, 0, 0)
		if err := s.PutBlocks(ctx, ingestChain, "node", blocks, ts); err != nil {
			t.Fatal(err)
		}
		bad := ingestTransfers(ingestChainOf(15, 15, 0, 0), 0, 0)
		bad[0].Amount.SetUint64(2) // the token transfer made an ERC-721 transfer of 2 tokens
		bad[0].Asset = tracing.NFTAsset(ingestChain, ingToken, uint256.NewInt(1))
		gapped := ingestChainOf(12, 13, 0, 0)
		gapped[1].Number = 14
		for _, tc := range []struct {
			name   string
			blocks []tracing.BlockHeader
			ts     []tracing.Transfer
			code   string
		}{
			{"gap after the cursor", ingestChainOf(16, 17, 0, 0), nil, bulwark.EINVALID},
			{"not consecutive", gapped, nil, bulwark.EINVALID},
			{"parent not the stored block", ingestChainOf(15, 16, 0, 1), nil, bulwark.ECONFLICT},
			{"another hash for a stored block", ingestChainOf(13, 15, 1, 0), nil, bulwark.ECONFLICT},
			{"broken link within", append(ingestChainOf(15, 15, 0, 0), ingestChainOf(16, 16, 0, 1)...), nil, bulwark.ECONFLICT},
			{"transfer outside the blocks", ingestChainOf(15, 15, 0, 0), ingestTransfers(ingestChainOf(16, 16, 0, 0), 0, 0), bulwark.EINVALID},
			{"invalid transfer", ingestChainOf(15, 15, 0, 0), bad, bulwark.EINVALID},
			{"transfers without blocks", nil, ts[:1], bulwark.EINVALID},
		} {
			if err := s.PutBlocks(ctx, ingestChain, "node", tc.blocks, tc.ts); bulwark.ErrorCode(err) != tc.code {
				t.Errorf("%s: PutBlocks = %v, want %s", tc.name, err, tc.code)
			}
		}
		if err := s.PutBlocks(ctx, ingestChain, "", blocks, ts); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("no source: %v", err)
		}
		cursorAt(t, s, "node", 14, blocks[4].Hash)
		if err := sameTransfers(all(t, s, "node"), ts); err != nil {
			t.Fatalf("after refused puts: %v", err)
		}
	})

	t.Run("AllOrNothing", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		blocks := ingestChainOf(10, 15, 0, 0)
		ts := ingestTransfers(blocks, 0, 0)
		if err := s.PutBlocks(ctx, ingestChain, "node", blocks, ts); err != nil {
			t.Fatal(err)
		}
		// 13 and 14 as stored but with new transfers, then 15 with another
		// hash: refused when 13 and 14 are already rewritten in the
		// transaction, which must leave their old transfers.
		mixed := append(slices.Clone(blocks[3:5]), ingestChainOf(15, 16, 1, 0)...)
		err := s.PutBlocks(ctx, ingestChain, "node", mixed, ingestTransfers(mixed, 0, 9))
		if bulwark.ErrorCode(err) != bulwark.ECONFLICT {
			t.Fatalf("PutBlocks = %v, want ECONFLICT", err)
		}
		cursorAt(t, s, "node", 15, blocks[5].Hash)
		if err := sameTransfers(all(t, s, "node"), ts); err != nil {
			t.Fatalf("after a refused put: %v", err)
		}
		holds(t, s, "node", ts)
	})

	t.Run("Rollback", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		blocks := ingestChainOf(10, 15, 0, 0)
		ts := ingestTransfers(blocks, 0, 0)
		for _, src := range []string{"node", "other"} {
			if err := s.PutBlocks(ctx, ingestChain, src, blocks, ts); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RollbackAbove(ctx, ingestChain, "node", 12); err != nil {
			t.Fatal(err)
		}
		cursorAt(t, s, "node", 12, blocks[2].Hash)
		if _, ok, err := s.StoredBlock(ctx, ingestChain, "node", 13); err != nil || ok {
			t.Errorf("block 13 still stored: %v, %v", ok, err)
		}
		below := filterTransfers(ts, func(t *tracing.Transfer) bool { return t.Block <= 12 })
		if err := sameTransfers(all(t, s, "node"), below); err != nil {
			t.Fatalf("after rollback: %v", err)
		}
		holds(t, s, "node", below)
		holds(t, s, "other", ts)
		if err := sameTransfers(all(t, s, "other"), ts); err != nil {
			t.Fatalf("another source rolled back: %v", err)
		}
		// The new branch goes on from 12.
		fork := ingestChainOf(13, 16, 1, 0)
		fts := ingestTransfers(fork, 1, 0)
		if err := s.PutBlocks(ctx, ingestChain, "node", fork, fts); err != nil {
			t.Fatal(err)
		}
		cursorAt(t, s, "node", 16, fork[3].Hash)
		if err := sameTransfers(all(t, s, "node"), append(below, fts...)); err != nil {
			t.Fatalf("after the new branch: %v", err)
		}
		holds(t, s, "node", append(below, fts...))
		// Rolling back above the cursor changes nothing.
		if err := s.RollbackAbove(ctx, ingestChain, "node", 20); err != nil {
			t.Fatal(err)
		}
		cursorAt(t, s, "node", 16, fork[3].Hash)
		// Below the first block stored: nothing left, the cursor at 5 with
		// no hash known, and ingestion goes on from 6.
		if err := s.RollbackAbove(ctx, ingestChain, "node", 5); err != nil {
			t.Fatal(err)
		}
		cursorAt(t, s, "node", 5, common.Hash{})
		if got := all(t, s, "node"); len(got) != 0 {
			t.Fatalf("after rollback to 5: %d transfers", len(got))
		}
		holds(t, s, "node", nil)
		if err := s.PutBlocks(ctx, ingestChain, "node", ingestChainOf(7, 7, 0, 0), nil); bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("gap after rollback: %v", err)
		}
		if err := s.PutBlocks(ctx, ingestChain, "node", ingestChainOf(6, 6, 0, 0), nil); err != nil {
			t.Errorf("resume after rollback: %v", err)
		}
	})
}
