package ethrpc

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
)

// TestFeesAgreeWithBig: the fee split in 256 bits gives what the one in
// big integers gives, transfers and errors alike, at the edges (no base
// fee, a tip of zero, a price below the base fee, amounts beyond 256 bits).
func TestFeesAgreeWithBig(t *testing.T) {
	t.Parallel()
	s := &TraceSource{Client: &Client{safeURL: "http://node"}, Chain: 1}
	two256 := new(big.Int).Lsh(big.NewInt(1), 256)
	huge := new(big.Int).Sub(two256, big.NewInt(1))
	half := new(big.Int).Lsh(big.NewInt(1), 200)
	for _, c := range []struct {
		gas         uint64
		price, base *big.Int
		wantErr     bool
	}{
		{21000, big.NewInt(2e9), big.NewInt(1e9), false},
		{21000, big.NewInt(2e9), nil, false},
		{21000, big.NewInt(1e9), big.NewInt(1e9), false},
		{0, big.NewInt(1e9), big.NewInt(1e9), false},
		{21000, big.NewInt(0), big.NewInt(0), false},
		{21000, big.NewInt(1e9 - 1), big.NewInt(1e9), true},
		{21000, huge, big.NewInt(1), true},
		{1, huge, big.NewInt(1), false},
		{1 << 60, half, half, true},
		{21000, two256, big.NewInt(1), true},
		{1, big.NewInt(5), two256, true},
	} {
		b := &Block{Header: Header{Number: 7, Miner: common.Address{0xee}, BaseFee: c.base, Time: time.Unix(1_700_000_000, 0)}}
		r := &Receipt{TxHash: common.Hash{1}, From: common.Address{0xaa}, GasUsed: c.gas, EffectiveGasPrice: c.price, TransactionIndex: 3}
		got, gerr := s.fees(nil, b, r)
		want, werr := s.bigFees(nil, b, r)
		if (gerr != nil) != c.wantErr || bulwark.ErrorMessage(gerr) != bulwark.ErrorMessage(werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("gas %d price %v base %v: %+v, %v; in big integers %+v, %v", c.gas, c.price, c.base, got, gerr, want, werr)
		}
	}
}
