package onchain_test

import (
	"encoding/json"
	"math/big"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe/onchain"
)

func TestDiffStates(t *testing.T) {
	var (
		a1, a2, a3, a4 = common.HexToAddress("0xa1"), common.HexToAddress("0xa2"), common.HexToAddress("0xa3"), common.HexToAddress("0xa4")
		m1, m2         = common.HexToAddress("0xd1"), common.HexToAddress("0xd2")
		single, evil   = common.HexToAddress("0x5a1e"), common.HexToAddress("0xbdd077f651ebe7f7b3ce16fe5f2b025be2969516")
		code1, code2   = common.HexToHash("0xc1"), common.HexToHash("0xc2")
	)
	base := func() *onchain.State {
		return &onchain.State{
			Address: common.HexToAddress("0x5afe"), ProxyCodeHash: code1,
			Singleton: single, SingletonCodeHash: code1,
			OwnerCount: big.NewInt(3), Threshold: big.NewInt(2), Nonce: big.NewInt(71),
			Owners: []common.Address{a1, a2, a3}, Modules: []common.Address{m1},
			FallbackHandler: common.HexToAddress("0xfb"),
			Balance:         big.NewInt(1000),
		}
	}
	for _, tc := range []struct {
		name string
		edit func(s *onchain.State)
		want []onchain.Change
	}{
		{name: "nothing", edit: func(*onchain.State) {}},
		{
			name: "bybit: singleton and nonce",
			edit: func(s *onchain.State) { s.Singleton, s.SingletonCodeHash, s.Nonce = evil, code2, big.NewInt(72) },
			want: []onchain.Change{
				{Kind: onchain.ChangeSingleton, Before: single.Hex(), After: "0xbDd077f651EBe7f7b3cE16fe5F2b025BE2969516"},
				{Kind: onchain.ChangeNonce, Before: "71", After: "72"},
			},
		},
		{
			name: "same singleton, other code",
			edit: func(s *onchain.State) { s.SingletonCodeHash = code2 },
			want: []onchain.Change{{Kind: onchain.ChangeSingletonCode, Before: code1.Hex(), After: code2.Hex()}},
		},
		{
			name: "proxy code",
			edit: func(s *onchain.State) { s.ProxyCodeHash = code2 },
			want: []onchain.Change{{Kind: onchain.ChangeProxyCode, Before: code1.Hex(), After: code2.Hex()}},
		},
		{
			name: "guard set",
			edit: func(s *onchain.State) { s.Guard, s.Nonce = common.HexToAddress("0x6a"), big.NewInt(72) },
			want: []onchain.Change{
				{Kind: onchain.ChangeGuard, Before: common.Address{}.Hex(), After: common.HexToAddress("0x6a").Hex()},
				{Kind: onchain.ChangeNonce, Before: "71", After: "72"},
			},
		},
		{
			name: "fallback handler removed, module guard set",
			edit: func(s *onchain.State) {
				s.FallbackHandler, s.ModuleGuard = common.Address{}, common.HexToAddress("0x3e")
			},
			want: []onchain.Change{
				{Kind: onchain.ChangeFallbackHandler, Before: common.HexToAddress("0xfb").Hex(), After: common.Address{}.Hex()},
				{Kind: onchain.ChangeModuleGuard, Before: common.Address{}.Hex(), After: common.HexToAddress("0x3e").Hex()},
			},
		},
		{
			name: "addOwnerWithThreshold",
			edit: func(s *onchain.State) {
				s.Owners = []common.Address{a4, a1, a2, a3}
				s.OwnerCount, s.Threshold, s.Nonce = big.NewInt(4), big.NewInt(3), big.NewInt(72)
			},
			want: []onchain.Change{
				{Kind: onchain.ChangeOwnerAdded, After: a4.Hex()},
				{Kind: onchain.ChangeThreshold, Before: "2", After: "3"},
				{Kind: onchain.ChangeNonce, Before: "71", After: "72"},
			},
		},
		{
			name: "swapOwner",
			edit: func(s *onchain.State) { s.Owners = []common.Address{a1, a4, a3} },
			want: []onchain.Change{{Kind: onchain.ChangeOwnerRemoved, Before: a2.Hex()}, {Kind: onchain.ChangeOwnerAdded, After: a4.Hex()}},
		},
		{
			name: "reordered owners are no change",
			edit: func(s *onchain.State) { s.Owners = []common.Address{a3, a2, a1} },
		},
		{
			name: "modules enabled and disabled",
			edit: func(s *onchain.State) { s.Modules = []common.Address{m2} },
			want: []onchain.Change{{Kind: onchain.ChangeModuleDisabled, Before: m1.Hex()}, {Kind: onchain.ChangeModuleEnabled, After: m2.Hex()}},
		},
		{
			name: "module list truncated",
			edit: func(s *onchain.State) { s.ModulesStatus = onchain.ListTruncated },
			want: []onchain.Change{{Kind: onchain.ChangeModuleList, After: "truncated"}},
		},
		{
			name: "owner count out of step with the list",
			edit: func(s *onchain.State) { s.OwnerCount = big.NewInt(1) },
			want: []onchain.Change{{Kind: onchain.ChangeOwnerCount, Before: "3", After: "1"}},
		},
		{
			name: "owner list looped",
			edit: func(s *onchain.State) {
				s.Owners, s.OwnersStatus, s.OwnerCount = []common.Address{a1, a2}, onchain.ListLoop, big.NewInt(2)
			},
			want: []onchain.Change{
				{Kind: onchain.ChangeOwnerRemoved, Before: a3.Hex()},
				{Kind: onchain.ChangeOwnerList, After: "loop"},
				{Kind: onchain.ChangeOwnerCount, Before: "3", After: "2"},
			},
		},
		{
			name: "balance drained",
			edit: func(s *onchain.State) { s.Balance = new(big.Int) },
			want: []onchain.Change{{Kind: onchain.ChangeBalance, Before: "1000", After: "0"}},
		},
		{
			name: "nil numbers are zero",
			edit: func(s *onchain.State) { s.Balance, s.Nonce, s.OwnerCount = nil, nil, nil },
			want: []onchain.Change{
				{Kind: onchain.ChangeOwnerCount, Before: "3", After: "0"},
				{Kind: onchain.ChangeNonce, Before: "71", After: "0"},
				{Kind: onchain.ChangeBalance, Before: "1000", After: "0"},
			},
		},
		{
			name: "everything at once, in order",
			edit: func(s *onchain.State) {
				s.Singleton, s.SingletonCodeHash, s.ProxyCodeHash = evil, code2, code2
				s.Guard, s.FallbackHandler, s.ModuleGuard = a1, a2, a3
				s.Modules, s.Owners = nil, []common.Address{a1, a2, a4}
				s.Threshold, s.Nonce, s.Balance = big.NewInt(1), big.NewInt(99), big.NewInt(1)
			},
			want: []onchain.Change{
				{Kind: onchain.ChangeSingleton, Before: single.Hex(), After: evil.Hex()},
				{Kind: onchain.ChangeProxyCode, Before: code1.Hex(), After: code2.Hex()},
				{Kind: onchain.ChangeGuard, Before: common.Address{}.Hex(), After: a1.Hex()},
				{Kind: onchain.ChangeFallbackHandler, Before: common.HexToAddress("0xfb").Hex(), After: a2.Hex()},
				{Kind: onchain.ChangeModuleGuard, Before: common.Address{}.Hex(), After: a3.Hex()},
				{Kind: onchain.ChangeModuleDisabled, Before: m1.Hex()},
				{Kind: onchain.ChangeOwnerRemoved, Before: a3.Hex()},
				{Kind: onchain.ChangeOwnerAdded, After: a4.Hex()},
				{Kind: onchain.ChangeThreshold, Before: "2", After: "1"},
				{Kind: onchain.ChangeNonce, Before: "71", After: "99"},
				{Kind: onchain.ChangeBalance, Before: "1000", After: "1"},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, after := base(), base()
			tc.edit(after)
			got := onchain.DiffStates(before, after)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("DiffStates =\n  %v\nwant\n  %v", got, tc.want)
			}
			// Pure: the inputs are untouched, and the reverse diff has as
			// many changes.
			if !reflect.DeepEqual(before, base()) {
				t.Error("DiffStates changed its input")
			}
			if back := onchain.DiffStates(after, before); len(back) != len(got) {
				t.Errorf("reverse diff has %d changes, forward %d", len(back), len(got))
			}
		})
	}
	if onchain.DiffStates(nil, base()) != nil || onchain.DiffStates(base(), nil) != nil {
		t.Error("a nil state diffs to something")
	}
}

func TestChangeString(t *testing.T) {
	for _, tc := range []struct {
		c    onchain.Change
		want string
		json string
	}{
		{onchain.Change{Kind: onchain.ChangeThreshold, Before: "2", After: "3"}, "threshold 2 → 3", `{"kind":"threshold","before":"2","after":"3"}`},
		{onchain.Change{Kind: onchain.ChangeOwnerAdded, After: "0xA4"}, "owner_added 0xA4", `{"kind":"owner_added","after":"0xA4"}`},
		{onchain.Change{Kind: onchain.ChangeModuleDisabled, Before: "0xD1"}, "module_disabled 0xD1", `{"kind":"module_disabled","before":"0xD1"}`},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
		if b, err := json.Marshal(tc.c); err != nil || string(b) != tc.json {
			t.Errorf("JSON %s, %v; want %s", b, err, tc.json)
		}
	}
}
