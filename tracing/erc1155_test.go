package tracing

import (
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

var (
	multiContract = common.HexToAddress("0x76be3b62873462d2142405439777e971754e8e77")
	operator      = common.HexToAddress("0x00000000000000000000000000000000000000a1")
)

// batchData is the ABI encoding of TransferBatch's (ids, values).
func batchData(t testing.TB, ids, values []uint64) []byte {
	t.Helper()
	ty, err := abi.NewType("uint256[]", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	args := abi.Arguments{{Type: ty}, {Type: ty}}
	big := func(xs []uint64) []*big.Int {
		out := make([]*big.Int, len(xs))
		for i, x := range xs {
			out[i] = new(big.Int).SetUint64(x)
		}
		return out
	}
	b, err := args.Pack(big(ids), big(values))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func multiTopics(sig common.Hash, from, to common.Address) []common.Hash {
	return []common.Hash{sig, common.BytesToHash(operator.Bytes()), common.BytesToHash(from.Bytes()), common.BytesToHash(to.Bytes())}
}

func word(x uint64) []byte { return common.BigToHash(new(big.Int).SetUint64(x)).Bytes() }

func TestMultiTokenTransfers(t *testing.T) {
	t.Parallel()
	base := Transfer{Chain: 1, Block: 9, TxIndex: 2, TxHash: common.HexToHash("0x01"), Time: 7, LogIndex: 12}
	multi := func(id uint64) Asset { return MultiTokenAsset(1, multiContract, uint256.NewInt(id)) }

	// TransferSingle: one transfer, the operator no party to it.
	got, err := MultiTokenTransfers(nil, base, multiContract, multiTopics(TransferSingleTopic, alice, bob), append(word(7), word(30)...))
	if err != nil {
		t.Fatal(err)
	}
	want := base
	want.Kind, want.From, want.To, want.Asset, want.Amount = TokenTransfer, alice, bob, multi(7), *uint256.NewInt(30)
	if len(got) != 1 || Compare(&got[0], &want) != 0 || got[0].Asset != want.Asset || got[0].Amount != want.Amount || got[0].From != alice || got[0].To != bob {
		t.Fatalf("single: %+v", got)
	}

	// TransferBatch: one transfer per item, in order, at one log index;
	// a mint (from zero), a zero-value item kept.
	prev := []Transfer{{Chain: 1}}
	got, err = MultiTokenTransfers(prev, base, multiContract, multiTopics(TransferBatchTopic, common.Address{}, carol), batchData(t, []uint64{1, 2, 1}, []uint64{5, 0, 6}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[0].Chain != 1 || got[0].Kind != 0 {
		t.Fatalf("batch appended %d to 1: %+v", len(got), got)
	}
	for i, w := range []struct{ id, v uint64 }{{1, 5}, {2, 0}, {1, 6}} {
		g := got[1+i]
		if g.ItemIndex != uint32(i) || g.LogIndex != 12 || g.Asset != multi(w.id) || g.Amount.Uint64() != w.v || g.From != (common.Address{}) || g.To != carol || g.Kind != TokenTransfer {
			t.Errorf("item %d: %+v", i, g)
		}
		if err := g.Validate(); err != nil {
			t.Errorf("item %d: %v", i, err)
		}
	}
	// An empty batch moves nothing.
	if got, err := MultiTokenTransfers(nil, base, multiContract, multiTopics(TransferBatchTopic, alice, bob), batchData(t, nil, nil)); err != nil || len(got) != 0 {
		t.Errorf("empty batch: %v %v", got, err)
	}
	// Another event: nothing, no error.
	if got, err := MultiTokenTransfers(nil, base, multiContract, []common.Hash{common.HexToHash("0xddf252ad")}, nil); err != nil || got != nil {
		t.Errorf("other event: %v %v", got, err)
	}
	if got, err := MultiTokenTransfers(nil, base, multiContract, nil, nil); err != nil || got != nil {
		t.Errorf("anonymous event: %v %v", got, err)
	}

	good := batchData(t, []uint64{1, 2}, []uint64{3, 4})
	short := slices.Clone(good[:len(good)-1])
	mismatch := batchData(t, []uint64{1, 2}, []uint64{3})
	huge := slices.Clone(good)
	copy(huge[64:96], word(1<<40)) // the ids' count
	over := slices.Clone(good)
	copy(over[0:32], common.MaxHash.Bytes()) // the ids' offset
	odd := slices.Clone(good)
	copy(odd[0:32], word(65))
	many := slices.Clone(good)
	copy(many[64:96], word(MaxBatchItems+1))
	for _, c := range []struct {
		name   string
		topics []common.Hash
		data   []byte
		want   string
	}{
		{"single with three topics", multiTopics(TransferSingleTopic, alice, bob)[:3], append(word(1), word(1)...), "4 topics"},
		{"batch with five topics", append(multiTopics(TransferBatchTopic, alice, bob), common.Hash{}), good, "4 topics"},
		{"short single", multiTopics(TransferSingleTopic, alice, bob), word(1), "64 bytes"},
		{"long single", multiTopics(TransferSingleTopic, alice, bob), append(word(1), word(1)...)[:63], "64 bytes"},
		{"empty batch data", multiTopics(TransferBatchTopic, alice, bob), nil, "too short"},
		{"short batch", multiTopics(TransferBatchTopic, alice, bob), short, "short"},
		{"ids and values differ", multiTopics(TransferBatchTopic, alice, bob), mismatch, "2 ids but 1 values"},
		{"huge count", multiTopics(TransferBatchTopic, alice, bob), huge, "more than"},
		{"count past the cap", multiTopics(TransferBatchTopic, alice, bob), many, "more than"},
		{"offset past the data", multiTopics(TransferBatchTopic, alice, bob), over, "start at byte"},
		{"offset not a word", multiTopics(TransferBatchTopic, alice, bob), odd, "start at byte"},
	} {
		prev := []Transfer{{Chain: 1}}
		got, err := MultiTokenTransfers(prev, base, multiContract, c.topics, c.data)
		if !bulwark.IsCode(err, bulwark.EINVALID) || !strings.Contains(err.Error(), c.want) || len(got) != 1 {
			t.Errorf("%s: %v (%d transfers), want an invalid error saying %q and nothing appended", c.name, err, len(got), c.want)
		}
	}
	if _, err := MultiTokenTransfers(nil, base, common.Address{}, multiTopics(TransferSingleTopic, alice, bob), append(word(1), word(1)...)); !bulwark.IsCode(err, bulwark.EINVALID) {
		t.Errorf("from the zero address: %v", err)
	}
}

// FuzzMultiTokenTransfers: any log decodes to valid transfers, one per
// item in order, or to an invalid error appending nothing; never a panic,
// never more items than the data holds.
func FuzzMultiTokenTransfers(f *testing.F) {
	f.Add(true, uint8(4), append(word(7), word(30)...))
	f.Add(false, uint8(4), batchData(f, []uint64{1, 2, 3}, []uint64{4, 0, 6}))
	f.Add(false, uint8(4), batchData(f, []uint64{1, 2}, []uint64{4}))
	f.Add(false, uint8(3), batchData(f, []uint64{1}, []uint64{4}))
	f.Add(false, uint8(4), append(word(64), word(64)...))
	f.Add(false, uint8(4), append(append(word(64), word(96)...), word(1<<30)...))
	f.Fuzz(func(t *testing.T, single bool, ntopics uint8, data []byte) {
		sig := TransferBatchTopic
		if single {
			sig = TransferSingleTopic
		}
		topics := multiTopics(sig, alice, bob)
		for len(topics) < int(ntopics%8) {
			topics = append(topics, common.Hash{})
		}
		topics = topics[:ntopics%8]
		base := Transfer{Chain: 1, Block: 3, LogIndex: 4}
		prev := []Transfer{{Chain: 2}}
		got, err := MultiTokenTransfers(prev, base, multiContract, topics, data)
		if err != nil {
			if !bulwark.IsCode(err, bulwark.EINVALID) || len(got) != 1 || got[0].Chain != 2 {
				t.Fatalf("error %v with %d transfers", err, len(got))
			}
			return
		}
		if len(topics) == 0 {
			if len(got) != 1 {
				t.Fatalf("an anonymous log gave %d transfers", len(got)-1)
			}
			return
		}
		items := got[1:]
		if single && len(items) != 1 || 32*len(items) > len(data) || len(items) > MaxBatchItems {
			t.Fatalf("%d items from %d bytes (single %v)", len(items), len(data), single)
		}
		for i := range items {
			if err := items[i].Validate(); err != nil || items[i].ItemIndex != uint32(i) || items[i].LogIndex != 4 || items[i].From != alice || items[i].To != bob {
				t.Fatalf("item %d: %+v %v", i, items[i], err)
			}
		}
	})
}

// BenchmarkMultiTokenTransfers decodes a TransferBatch of 100 items into
// a reused slice: the cost per event of reading a busy ERC-1155 log.
func BenchmarkMultiTokenTransfers(b *testing.B) {
	ids, values := make([]uint64, 100), make([]uint64, 100)
	for i := range ids {
		ids[i], values[i] = uint64(i+1), uint64(1000*i)
	}
	data := batchData(b, ids, values)
	topics := multiTopics(TransferBatchTopic, alice, bob)
	base := Transfer{Chain: 1, Block: 9, LogIndex: 3}
	out := make([]Transfer, 0, 100)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = MultiTokenTransfers(out[:0], base, multiContract, topics, data); err != nil || len(out) != 100 {
			b.Fatal(err)
		}
	}
}
