package onchain_test

import (
	"context"
	"errors"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
	"github.com/bulwark-sec/bulwark/safe/internal/fakechain"
	"github.com/bulwark-sec/bulwark/safe/onchain"
)

func readFakeStates(t *testing.T, f *fakechain.Chain, opt onchain.ReadOptions, addrs ...common.Address) ([]*onchain.State, error) {
	t.Helper()
	if opt.Registry == nil {
		opt.Registry = fakechain.Registry(t)
	}
	return onchain.ReadStatesWith(context.Background(), f, addrs, onchain.LatestBlock, opt)
}

func TestReadStateFake(t *testing.T) {
	f := fakechain.New()
	os := fakechain.Owners(3)
	mods := []common.Address{common.HexToAddress("0xd0d0")}
	f.AddSafe(fakechain.Safe, os, 2, mods)
	states, err := readFakeStates(t, f, onchain.ReadOptions{}, fakechain.Safe)
	if err != nil {
		t.Fatal(err)
	}
	st := states[0]
	want := &onchain.State{
		Address: fakechain.Safe, ChainID: 10, Block: onchain.AtBlockNumber(77),
		ProxyCodeHash: crypto.Keccak256Hash(fakechain.ProxyCode),
		Singleton:     fakechain.Singleton, SingletonCodeHash: crypto.Keccak256Hash(fakechain.SingletonCode),
		SingletonDeployments: fakechain.Registry(t).All(),
		ReportedVersion:      "1.4.1",
		OwnerCount:           big.NewInt(3), Threshold: big.NewInt(2), Nonce: big.NewInt(42),
		Owners: os, Modules: mods,
		FallbackHandler: common.HexToAddress("0xfb"),
		Balance:         big.NewInt(5e17),
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("state\n got %+v\nwant %+v", st, want)
	}
	v, err := st.Version()
	if err != nil || v.String() != "1.4.1" {
		t.Fatalf("Version() = %v, %v", v, err)
	}
	d, err := st.Domain()
	if err != nil || d.ChainID.Uint64() != 10 || d.Safe != fakechain.Safe || d.Version.Core() != "1.4.1" {
		t.Fatalf("Domain() = %+v, %v", d, err)
	}
	// Every read was made at the pinned latest block.
	for _, b := range f.Blocks {
		if b != onchain.AtBlockNumber(77) {
			t.Fatalf("read at %s, want 77", b)
		}
	}
	// One round trip for the fixed part, one per owner link after the head.
	if f.Batches != 1+len(os) {
		t.Errorf("%d round trips, want %d", f.Batches, 1+len(os))
	}
}

func TestReadStateAtHash(t *testing.T) {
	f := fakechain.New()
	f.AddSafe(fakechain.Safe, fakechain.Owners(1), 1, nil)
	h := common.HexToHash("0xb10c")
	st, err := onchain.ReadStatesWith(context.Background(), f, []common.Address{fakechain.Safe}, onchain.AtBlockHash(h), onchain.ReadOptions{Registry: fakechain.Registry(t)})
	if err != nil {
		t.Fatal(err)
	}
	if st[0].Block != onchain.AtBlockHash(h) || f.Blocks[0] != onchain.AtBlockHash(h) {
		t.Errorf("block %s, reads at %s", st[0].Block, f.Blocks[0])
	}
}

func TestReadStatesHints(t *testing.T) {
	f := fakechain.New()
	a, b := fakechain.Safe, common.HexToAddress("0x5afe02")
	f.AddSafe(a, fakechain.Owners(6), 3, []common.Address{common.HexToAddress("0xd1"), common.HexToAddress("0xd2")})
	f.AddSafe(b, fakechain.Owners(2), 1, nil)
	cold, err := readFakeStates(t, f, onchain.ReadOptions{}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	prev := map[common.Address]*onchain.State{a: cold[0], b: cold[1]}

	f.Batches = 0
	warm, err := readFakeStates(t, f, onchain.ReadOptions{Previous: prev}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(warm, cold) {
		t.Fatalf("hinted read differs:\n%+v\n%+v", warm[0], cold[0])
	}
	if f.Batches != 1 {
		t.Errorf("unchanged Safes took %d round trips with hints, want 1", f.Batches)
	}

	// A stale hint does not leak into the result: swap an owner, remove a
	// module, change the singleton.
	newOwners := append(fakechain.Owners(6)[:5:5], common.HexToAddress("0xbeef"))
	f.SetList(a, onchain.SlotOwners, newOwners)
	f.SetList(a, onchain.SlotModules, []common.Address{common.HexToAddress("0xd2")})
	other := common.HexToAddress("0x07e4")
	f.Accounts[other] = &fakechain.Account{Code: []byte("other"), Revert: true}
	f.Set(a, onchain.SlotSingleton, fakechain.SlotWord(other))
	f.Batches = 0
	st, err := readFakeStates(t, f, onchain.ReadOptions{Previous: prev}, a)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(st[0].Owners, newOwners) || len(st[0].Modules) != 1 || st[0].Modules[0] != common.HexToAddress("0xd2") {
		t.Errorf("owners %v modules %v", st[0].Owners, st[0].Modules)
	}
	if st[0].Singleton != other || st[0].SingletonKnown() || st[0].VersionCallFailure != "reverted" {
		t.Errorf("singleton %s known %v failure %q", st[0].Singleton, st[0].SingletonKnown(), st[0].VersionCallFailure)
	}
}

func TestReadStateLists(t *testing.T) {
	os := fakechain.Owners(4)
	for _, tc := range []struct {
		name       string
		edit       func(f *fakechain.Chain)
		opt        onchain.ReadOptions
		owners     []common.Address
		status     onchain.ListStatus
		modules    []common.Address
		modsStatus onchain.ListStatus
	}{
		{name: "well formed", owners: os},
		{
			name: "loop",
			edit: func(f *fakechain.Chain) {
				f.Set(fakechain.Safe, onchain.MappingSlot(os[2], onchain.SlotOwners), fakechain.SlotWord(os[0]))
			},
			owners: os[:3], status: onchain.ListLoop,
		},
		{
			name: "self loop",
			edit: func(f *fakechain.Chain) {
				f.Set(fakechain.Safe, onchain.MappingSlot(os[1], onchain.SlotOwners), fakechain.SlotWord(os[1]))
			},
			owners: os[:2], status: onchain.ListLoop,
		},
		{
			name: "broken",
			edit: func(f *fakechain.Chain) {
				f.Set(fakechain.Safe, onchain.MappingSlot(os[1], onchain.SlotOwners), common.Hash{})
			},
			owners: os[:2], status: onchain.ListBroken,
		},
		{name: "owner bound", opt: onchain.ReadOptions{MaxOwners: 3}, owners: os[:3], status: onchain.ListTruncated},
		{name: "owner bound exact", opt: onchain.ReadOptions{MaxOwners: 4}, owners: os},
		{
			name: "module bound",
			edit: func(f *fakechain.Chain) {
				f.SetList(fakechain.Safe, onchain.SlotModules, fakechain.Owners(30))
			},
			opt:     onchain.ReadOptions{MaxModules: 10},
			owners:  os,
			modules: fakechain.Owners(10), modsStatus: onchain.ListTruncated,
		},
		{
			name: "modules never set up",
			edit: func(f *fakechain.Chain) {
				f.Set(fakechain.Safe, onchain.MappingSlot(onchain.SentinelAddress, onchain.SlotModules), common.Hash{})
			},
			owners: os,
		},
		{
			name: "dirty upper bytes of a link are ignored, as the contract does",
			edit: func(f *fakechain.Chain) {
				f.Set(fakechain.Safe, onchain.MappingSlot(os[3], onchain.SlotOwners), common.HexToHash("0xff00000000000000000000000000000000000000000000000000000000000001"))
			},
			owners:  os,
			modules: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fakechain.New()
			f.AddSafe(fakechain.Safe, os, 2, nil)
			if tc.edit != nil {
				tc.edit(f)
			}
			states, err := readFakeStates(t, f, tc.opt, fakechain.Safe)
			if err != nil {
				t.Fatal(err)
			}
			st := states[0]
			if !reflect.DeepEqual(st.Owners, tc.owners) || st.OwnersStatus != tc.status {
				t.Errorf("owners %v (%q), want %v (%q)", st.Owners, st.OwnersStatus, tc.owners, tc.status)
			}
			if !reflect.DeepEqual(st.Modules, tc.modules) || st.ModulesStatus != tc.modsStatus {
				t.Errorf("modules %v (%q), want %v (%q)", st.Modules, st.ModulesStatus, tc.modules, tc.modsStatus)
			}
		})
	}
}

func TestReadStateNotSafe(t *testing.T) {
	contract := common.HexToAddress("0xc0de")
	for _, tc := range []struct {
		name  string
		edit  func(f *fakechain.Chain)
		want  string
		cause error // errNoCode, errEOA, or nil for neither
	}{
		{name: "unused address", cause: onchain.ErrNoCode, want: "has no code and has sent no transaction at block 77: an unused address or a Safe not deployed yet"},
		{
			name: "EOA that sent transactions",
			edit: func(f *fakechain.Chain) {
				f.Accounts[contract] = &fakechain.Account{Nonce: 3, Balance: big.NewInt(1)}
			},
			cause: onchain.ErrEOA,
			want:  "is an externally owned account (it has sent 3 transactions), not a Safe",
		},
		{
			name:  "EOA that sent one transaction",
			edit:  func(f *fakechain.Chain) { f.Accounts[contract] = &fakechain.Account{Nonce: 1} },
			cause: onchain.ErrEOA,
			want:  "is an externally owned account (it has sent 1 transaction), not a Safe",
		},
		{
			// EIP-7702: a delegating EOA has code 0xef0100 ‖ delegate,
			// judged as a contract's (its nonce is not what tells).
			name: "EOA with an EIP-7702 delegation",
			edit: func(f *fakechain.Chain) {
				f.Accounts[contract] = &fakechain.Account{Nonce: 5, Code: append(common.FromHex("0xef0100"), fakechain.Singleton[:]...)}
			},
			want: "is a contract but not a Safe proxy",
		},
		{
			name: "slot 0 empty",
			edit: func(f *fakechain.Chain) {
				f.Accounts[contract] = &fakechain.Account{Code: []byte{0x60}}
			},
			want: "storage slot 0 (the singleton) is empty",
		},
		{
			name: "slot 0 not an address",
			edit: func(f *fakechain.Chain) {
				f.Accounts[contract] = &fakechain.Account{Code: []byte{0x60}}
				f.Set(contract, onchain.SlotSingleton, common.HexToHash("0x01000000000000000000000000000000000000000000000000000000005a1e00"))
			},
			want: "not a singleton address",
		},
		{
			name: "unknown singleton and no owner list",
			edit: func(f *fakechain.Chain) {
				f.Accounts[contract] = &fakechain.Account{Code: []byte{0x60}}
				f.Accounts[common.HexToAddress("0x70c3")] = &fakechain.Account{Code: []byte("token")}
				f.Set(contract, onchain.SlotSingleton, fakechain.SlotWord(common.HexToAddress("0x70c3")))
			},
			want: "neither its code nor the contract in its slot 0",
		},
		{
			name: "a singleton itself",
			edit: func(f *fakechain.Chain) {
				f.Accounts[contract] = &fakechain.Account{Code: fakechain.SingletonCode}
				f.Set(contract, onchain.SlotThreshold, common.BigToHash(big.NewInt(1)))
			},
			want: "is Safe 1.4.1 (canonical), a Safe contract, not a Safe proxy",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fakechain.New()
			f.AddSafe(fakechain.Safe, fakechain.Owners(2), 1, nil)
			if tc.edit != nil {
				tc.edit(f)
			}
			_, err := onchain.ReadStatesWith(context.Background(), f, []common.Address{contract}, onchain.LatestBlock, onchain.ReadOptions{Registry: fakechain.Registry(t)})
			var rerr *onchain.ReadStatesError
			if !errors.As(err, &rerr) || len(rerr.Errs) != 1 || rerr.Addrs[0] != contract {
				t.Fatalf("err = %v, want a ReadStatesError for %s", err, contract)
			}
			err = rerr.Errs[0]
			if !errors.Is(err, onchain.ErrNotSafe) || !bulwark.IsCode(err, bulwark.EINVALID) {
				t.Fatalf("err = %v; want an EINVALID ErrNotSafe", err)
			}
			if errors.Is(err, onchain.ErrNoCode) != (tc.cause == onchain.ErrNoCode) || errors.Is(err, onchain.ErrEOA) != (tc.cause == onchain.ErrEOA) {
				t.Errorf("err = %v, want cause %v", err, tc.cause)
			}
			if msg := bulwark.ErrorMessage(err); !strings.HasPrefix(msg, contract.Hex()+" ") || !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, want the address and %q", msg, tc.want)
			}
			// ReadState returns the Safe's own error, not the list.
			if st, err := onchain.ReadState(context.Background(), f, contract, onchain.LatestBlock); st != nil || !errors.Is(err, onchain.ErrNotSafe) || !strings.HasPrefix(err.Error(), contract.Hex()) {
				t.Errorf("ReadState = %v, %v", st, err)
			}
		})
	}
}

func TestStateVersion(t *testing.T) {
	unknownCode := []byte("some other singleton")
	nodeDown := bulwark.Errorf(bulwark.EUNAVAILABLE, "node at http://x is unreachable")
	for _, tc := range []struct {
		name     string
		code     []byte
		acct     fakechain.Account // singleton call behaviour
		registry []decode.Deployment
		want     string // version, or "" for an error
		code2    string // error code
		msg      string // error message part
	}{
		{name: "known, VERSION agrees", code: fakechain.SingletonCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("1.4.1")}, want: "1.4.1"},
		{name: "known, VERSION reverts", code: fakechain.SingletonCode, acct: fakechain.Account{Revert: true}, want: "1.4.1"},
		{name: "known, VERSION call fails", code: fakechain.SingletonCode, acct: fakechain.Account{CallErr: nodeDown}, want: "1.4.1"},
		{
			name: "known, VERSION disagrees", code: fakechain.SingletonCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("1.3.0")},
			code2: bulwark.EINVALID, msg: `has the code of Safe 1.4.1 but VERSION() answers "1.3.0"`,
		},
		{
			name: "known, VERSION garbage", code: fakechain.SingletonCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("pwned")},
			code2: bulwark.EINVALID, msg: `VERSION() answers "pwned"`,
		},
		{
			name: "known L2", code: fakechain.SingletonCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("1.4.1")}, want: "1.4.1+L2",
			registry: []decode.Deployment{{Name: "SafeL2", Version: safe.Version{Major: 1, Minor: 4, Patch: 1}, Type: decode.DeploymentCanonical,
				Address: common.HexToAddress("0x29fcB43b46531BcA003ddC8FCB67FFE91900C762"), CodeHash: crypto.Keccak256Hash(fakechain.SingletonCode)}},
		},
		{
			name: "same code pinned for two versions, VERSION settles", code: fakechain.SingletonCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("1.3.0")}, want: "1.3.0",
			registry: []decode.Deployment{
				{Name: "Safe", Version: safe.Version{Major: 1, Minor: 4, Patch: 1}, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0x01"), CodeHash: crypto.Keccak256Hash(fakechain.SingletonCode)},
				{Name: "GnosisSafe", Version: safe.Version{Major: 1, Minor: 3}, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0x02"), CodeHash: crypto.Keccak256Hash(fakechain.SingletonCode)},
			},
		},
		{
			name: "same code pinned for two versions, VERSION silent", code: fakechain.SingletonCode, acct: fakechain.Account{Revert: true},
			registry: []decode.Deployment{
				{Name: "Safe", Version: safe.Version{Major: 1, Minor: 4, Patch: 1}, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0x01"), CodeHash: crypto.Keccak256Hash(fakechain.SingletonCode)},
				{Name: "GnosisSafe", Version: safe.Version{Major: 1, Minor: 3}, Type: decode.DeploymentCanonical, Address: common.HexToAddress("0x02"), CodeHash: crypto.Keccak256Hash(fakechain.SingletonCode)},
			},
			code2: bulwark.EINVALID, msg: "code pinned for several versions",
		},
		{name: "unknown, VERSION supported", code: unknownCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("1.3.0")}, want: "1.3.0"},
		{name: "unknown, VERSION with suffix", code: unknownCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("1.3.0+L2")}, want: "1.3.0+L2"},
		{
			name: "unknown, VERSION reverts (a hijacked Safe)", code: unknownCode, acct: fakechain.Account{Revert: true},
			code2: bulwark.EINVALID, msg: "is not a known Safe deployment and VERSION() reverted",
		},
		{
			name: "unknown, VERSION unsupported", code: unknownCode, acct: fakechain.Account{Ret: fakechain.VersionReturn("2.0.0")},
			code2: bulwark.EINVALID, msg: `VERSION() answers "2.0.0", which is not a version Bulwark supports`,
		},
		{
			name: "unknown, VERSION not a string", code: unknownCode, acct: fakechain.Account{Ret: []byte{1, 2, 3}},
			code2: bulwark.EINVALID, msg: "VERSION() returned 3 bytes, not an ABI-encoded string",
		},
		{
			name: "unknown, VERSION empty", code: unknownCode, acct: fakechain.Account{},
			code2: bulwark.EINVALID, msg: "VERSION() returned no data",
		},
		{
			name: "unknown, node fails the call", code: unknownCode, acct: fakechain.Account{CallErr: nodeDown},
			code2: bulwark.EUNAVAILABLE, msg: "VERSION() could not be called: node at http://x is unreachable",
		},
		{
			name: "singleton without code", code: nil, acct: fakechain.Account{},
			code2: bulwark.EINVALID, msg: "has no code",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := fakechain.New()
			f.AddSafe(fakechain.Safe, fakechain.Owners(2), 1, nil)
			acct := tc.acct
			acct.Code = tc.code
			f.Accounts[fakechain.Singleton] = &acct
			reg := fakechain.Registry(t)
			if tc.registry != nil {
				var err error
				if reg, err = decode.NewRegistry(tc.registry); err != nil {
					t.Fatal(err)
				}
			}
			states, err := onchain.ReadStatesWith(context.Background(), f, []common.Address{fakechain.Safe}, onchain.LatestBlock, onchain.ReadOptions{Registry: reg})
			if err != nil {
				t.Fatal(err)
			}
			v, err := states[0].Version()
			if tc.want != "" {
				if err != nil || v.String() != tc.want {
					t.Fatalf("Version() = %v, %v; want %s", v, err, tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Version() = %v, want an error", v)
			}
			msg := bulwark.ErrorMessage(err)
			if !bulwark.IsCode(err, tc.code2) || !strings.Contains(msg, tc.msg) ||
				!strings.Contains(msg, "cannot establish the version of Safe "+fakechain.Safe.Hex()) || !strings.HasSuffix(msg, "pass --safe-version explicitly") {
				t.Errorf("error %s %q, want %s containing %q", bulwark.ErrorCode(err), msg, tc.code2, tc.msg)
			}
		})
	}
}

func TestDetectVersionFake(t *testing.T) {
	f := fakechain.New()
	f.AddSafe(fakechain.Safe, fakechain.Owners(2), 1, nil)
	f.Accounts[fakechain.Singleton].Code = []byte("unknown")
	v, st, err := onchain.DetectVersion(context.Background(), f, fakechain.Safe, onchain.LatestBlock)
	if err != nil || v.String() != "1.4.1" || st == nil || st.SingletonKnown() {
		t.Fatalf("DetectVersion = %v, %v, %v", v, st, err)
	}
	if _, _, err := onchain.DetectVersion(context.Background(), f, common.HexToAddress("0xe0a"), onchain.LatestBlock); !errors.Is(err, onchain.ErrNotSafe) {
		t.Fatalf("DetectVersion of an EOA: %v", err)
	}
}

func TestReadStatesFailures(t *testing.T) {
	a, b, eoa := fakechain.Safe, common.HexToAddress("0x5afe02"), common.HexToAddress("0xe0a")
	nodeDown := bulwark.Errorf(bulwark.EUNAVAILABLE, "node at http://x is unreachable")

	t.Run("one not a Safe", func(t *testing.T) {
		f := fakechain.New()
		f.AddSafe(a, fakechain.Owners(2), 1, nil)
		f.AddSafe(b, fakechain.Owners(3), 2, nil)
		states, err := readFakeStates(t, f, onchain.ReadOptions{}, a, eoa, b)
		var rerr *onchain.ReadStatesError
		if !errors.As(err, &rerr) || len(rerr.Errs) != 1 || rerr.Addrs[0] != eoa || !errors.Is(err, onchain.ErrNotSafe) {
			t.Fatalf("err = %v", err)
		}
		if states[0] == nil || states[1] != nil || states[2] == nil || len(states[2].Owners) != 3 {
			t.Fatalf("states %v", states)
		}
		if !strings.Contains(err.Error(), "1 Safe(s) could not be read; "+eoa.Hex()) || bulwark.ErrorCode(err) != bulwark.EINVALID {
			t.Errorf("message %q code %s", err, bulwark.ErrorCode(err))
		}
	})
	t.Run("one read refused", func(t *testing.T) {
		f := fakechain.New()
		f.AddSafe(a, fakechain.Owners(2), 1, nil)
		f.AddSafe(b, fakechain.Owners(3), 2, nil)
		f.ReadErr = func(r onchain.Read) error {
			if r.Addr == b && r.Kind == onchain.ReadStorage && r.Slot == onchain.MappingSlot(fakechain.Owners(3)[1], onchain.SlotOwners) {
				return nodeDown
			}
			return nil
		}
		states, err := readFakeStates(t, f, onchain.ReadOptions{}, a, b)
		if states[0] == nil || states[1] != nil || !bulwark.IsCode(err, bulwark.EUNAVAILABLE) {
			t.Fatalf("states %v err %v", states, err)
		}
		if msg := err.Error(); !strings.Contains(msg, "cannot read the state of Safe "+b.Hex()+" at block 77 (eth_getStorageAt): node at http://x is unreachable") {
			t.Errorf("message %q", msg)
		}
		if _, err := onchain.ReadState(context.Background(), f, b, onchain.LatestBlock); !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || !errors.Is(err, nodeDown) {
			t.Errorf("ReadState: %v", err)
		}
	})
	t.Run("singleton code refused", func(t *testing.T) {
		f := fakechain.New()
		f.AddSafe(a, fakechain.Owners(2), 1, nil)
		f.ReadErr = func(r onchain.Read) error {
			if r.Addr == fakechain.Singleton && r.Kind == onchain.ReadCode {
				return nodeDown
			}
			return nil
		}
		_, err := onchain.ReadState(context.Background(), f, a, onchain.LatestBlock)
		if !bulwark.IsCode(err, bulwark.EUNAVAILABLE) || !strings.Contains(err.Error(), "cannot read the code of the singleton "+fakechain.Singleton.Hex()) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("node down", func(t *testing.T) {
		f := fakechain.New()
		f.AddSafe(a, fakechain.Owners(2), 1, nil)
		f.BatchErr = nodeDown
		states, err := readFakeStates(t, f, onchain.ReadOptions{}, a, b)
		if states != nil || !errors.Is(err, nodeDown) {
			t.Errorf("states %v err %v", states, err)
		}
	})
	t.Run("chain id fails", func(t *testing.T) {
		f := fakechain.New()
		f.ChainErr = nodeDown
		if _, err := readFakeStates(t, f, onchain.ReadOptions{}, a); !errors.Is(err, nodeDown) || f.Batches != 0 {
			t.Errorf("err %v after %d batches", err, f.Batches)
		}
	})
	t.Run("no reader, no addresses", func(t *testing.T) {
		if _, err := onchain.ReadStates(context.Background(), nil, []common.Address{a}, onchain.LatestBlock); !bulwark.IsCode(err, bulwark.EINTERNAL) {
			t.Errorf("nil reader: %v", err)
		}
		f := fakechain.New()
		if st, err := onchain.ReadStates(context.Background(), f, nil, onchain.LatestBlock); st != nil || err != nil || f.Batches != 0 {
			t.Errorf("no addresses: %v %v", st, err)
		}
	})
}

func TestReadStatesDedupesSingletons(t *testing.T) {
	f := fakechain.New()
	var addrs []common.Address
	for i := range 50 {
		a := common.BigToAddress(big.NewInt(int64(0x5afe00 + i)))
		f.AddSafe(a, fakechain.Owners(1), 1, nil)
		addrs = append(addrs, a)
	}
	if _, err := readFakeStates(t, f, onchain.ReadOptions{}, addrs...); err != nil {
		t.Fatal(err)
	}
	// 50 × (code, 7 slots, balance, 2 list heads) + 50 owner links + the
	// singleton's code and VERSION() once.
	if want := 50*11 + 50 + 2; f.Reads != want {
		t.Errorf("%d reads, want %d", f.Reads, want)
	}
}

func TestDecodeVersionString(t *testing.T) {
	long := fakechain.VersionReturn(strings.Repeat("1", 33))
	badOffset := fakechain.VersionReturn("1.3.0")
	badOffset[31] = 0xff
	hugeLen := fakechain.VersionReturn("1.3.0")
	hugeLen[32] = 1
	for _, tc := range []struct {
		name        string
		out         []byte
		want, fails string
	}{
		{"ok", fakechain.VersionReturn("1.3.0"), "1.3.0", ""},
		{"suffix", fakechain.VersionReturn("1.3.0+L2"), "1.3.0+L2", ""},
		{"empty", nil, "", "returned no data"},
		{"short", make([]byte, 32), "", "returned 32 bytes, not an ABI-encoded string"},
		{"offset", badOffset, "", "returned data that is not an ABI-encoded string"},
		{"length", hugeLen, "", "returned data that is not an ABI-encoded string"},
		{"too long", long, "", "returned a string of 33 bytes, not a version"},
		{"empty string", fakechain.VersionReturn(""), "", "returned a string of 0 bytes, not a version"},
		{"control", fakechain.VersionReturn("1.3.0\n"), "", "returned a string that is not a version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The singleton answers VERSION() with tc.out; the state
			// reader decodes it.
			f := fakechain.New()
			f.Accounts[fakechain.Singleton] = &fakechain.Account{Code: fakechain.SingletonCode, Ret: tc.out}
			f.AddSafe(fakechain.Safe, fakechain.Owners(2), 1, nil)
			st, err := onchain.ReadStatesWith(context.Background(), f, []common.Address{fakechain.Safe}, onchain.LatestBlock, onchain.ReadOptions{Registry: fakechain.Registry(t)})
			if err != nil {
				t.Fatal(err)
			}
			if got, fails := st[0].ReportedVersion, st[0].VersionCallFailure; got != tc.want || fails != tc.fails {
				t.Errorf("= %q, %q; want %q, %q", got, fails, tc.want, tc.fails)
			}
		})
	}
}

func TestStateSlots(t *testing.T) {
	for _, tc := range []struct {
		got  common.Hash
		want string
	}{
		// safe_constants.json (shared data), quoted from the contracts.
		{onchain.SlotGuard, "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8"},
		{onchain.SlotFallbackHandler, "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5"},
		{onchain.SlotModuleGuard, "0xb104e0b93118902c651344349b610029d694cfdec91c589c91ebafbcd0289947"},
		{onchain.MappingSlot(onchain.SentinelAddress, onchain.SlotOwners), crypto.Keccak256Hash(common.LeftPadBytes([]byte{1}, 32), common.LeftPadBytes([]byte{2}, 32)).Hex()},
	} {
		if tc.got.Hex() != tc.want {
			t.Errorf("slot %s, want %s", tc.got.Hex(), tc.want)
		}
	}
}

func TestStateBlockID(t *testing.T) {
	h := common.HexToHash("0xabc")
	for _, tc := range []struct {
		b      onchain.BlockID
		str    string
		latest bool
	}{
		{onchain.LatestBlock, "latest", true},
		{onchain.BlockID{}, "latest", true},
		{onchain.AtBlockNumber(0), "0", false},
		{onchain.AtBlockNumber(21895238), "21895238", false},
		{onchain.AtBlockHash(h), h.Hex(), false},
	} {
		if tc.b.String() != tc.str || tc.b.IsLatest() != tc.latest {
			t.Errorf("%#v: %q latest %v", tc.b, tc.b.String(), tc.b.IsLatest())
		}
	}
	if n, ok := onchain.AtBlockNumber(0).Number(); !ok || n != 0 {
		t.Error("AtBlockNumber(0).Number()")
	}
	if _, ok := onchain.AtBlockHash(h).Number(); ok {
		t.Error("a hash has a number")
	}
	if got, ok := onchain.AtBlockHash(h).Hash(); !ok || got != h {
		t.Error("AtBlockHash(h).Hash()")
	}
	if onchain.ReadCall.String() != "eth_call" || onchain.ReadKind(9).String() != "read kind 9" {
		t.Error("ReadKind.String")
	}
}
