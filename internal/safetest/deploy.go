package safetest

import (
	"math/big"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
)

// Deployment is one Safe release's contracts deployed on a Chain. Addresses
// of contracts the release's artifacts lack are zero.
type Deployment struct {
	Chain     *Chain
	Artifacts *Artifacts
	Version   safe.Version

	Singleton         common.Address
	SingletonL2       common.Address
	ProxyFactory      common.Address
	FallbackHandler   common.Address
	MultiSend         common.Address
	MultiSendCallOnly common.Address
	SignMessageLib    common.Address
	SafeMigration     common.Address
}

// Deploy deploys the contracts of Safe version (see Versions) on c: the
// singleton (and L2 singleton), proxy factory, fallback handler, MultiSend,
// MultiSendCallOnly, SignMessageLib and SafeMigration where the release has
// them. The artifacts come from RequireArtifacts (t is skipped, or failed
// under CI, when they are not installed).
func Deploy(t testing.TB, c *Chain, version string) *Deployment {
	t.Helper()
	a := RequireArtifacts(t, version)
	d := &Deployment{Chain: c, Artifacts: a, Version: a.Version}
	for _, x := range []struct {
		art  *Artifact
		addr *common.Address
	}{
		{a.Singleton, &d.Singleton},
		{a.SingletonL2, &d.SingletonL2},
		{a.ProxyFactory, &d.ProxyFactory},
		{a.FallbackHandler, &d.FallbackHandler},
		{a.MultiSend, &d.MultiSend},
		{a.MultiSendCallOnly, &d.MultiSendCallOnly},
		{a.SignMessageLib, &d.SignMessageLib},
		{a.SafeMigration, &d.SafeMigration},
	} {
		if x.art == nil {
			continue
		}
		if x.art == a.SafeMigration {
			// SafeMigration's constructor takes the singletons and the
			// fallback handler it migrates to (all deployed before it).
			if d.FallbackHandler == (common.Address{}) || d.SingletonL2 == (common.Address{}) {
				continue
			}
			*x.addr = c.DeployArtifact(t, x.art, d.Singleton, d.SingletonL2, d.FallbackHandler)
			continue
		}
		*x.addr = c.DeployArtifact(t, x.art)
	}
	return d
}

// SafeOptions configure CreateSafe.
type SafeOptions struct {
	// Owners of the Safe, in the order given to setup; at least one.
	Owners []*Owner
	// Threshold is the number of signatures required, 1 to len(Owners).
	Threshold int
	// FallbackHandler: nil for the deployment's fallback handler, a pointer
	// to the zero address for none.
	FallbackHandler *common.Address
	// L2 uses the L2 singleton (which emits SafeMultiSigTransaction events).
	L2 bool
	// SaltNonce for createProxyWithNonce; 0 takes the next of a
	// process-wide counter, so each call makes a new proxy.
	SaltNonce uint64
}

var saltCounter atomic.Uint64

// NewSafe creates a Safe proxy with threshold and owners (all other options
// default); see CreateSafe.
func (d *Deployment) NewSafe(t testing.TB, threshold int, owners ...*Owner) *Safe {
	t.Helper()
	return d.CreateSafe(t, SafeOptions{Owners: owners, Threshold: threshold})
}

// CreateSafe creates a Safe proxy through the proxy factory
// (createProxyWithNonce, present in every version) whose initializer calls
// setup(owners, threshold, 0, 0x, fallbackHandler, 0, 0, 0), and checks
// the new Safe's state.
func (d *Deployment) CreateSafe(t testing.TB, opt SafeOptions) *Safe {
	t.Helper()
	if len(opt.Owners) == 0 || opt.Threshold < 1 || opt.Threshold > len(opt.Owners) {
		t.Fatalf("safetest: CreateSafe: threshold %d with %d owners", opt.Threshold, len(opt.Owners))
	}
	singleton, singletonArt := d.Singleton, d.Artifacts.Singleton
	if opt.L2 {
		if d.SingletonL2 == (common.Address{}) {
			t.Fatalf("safetest: Safe %s has no L2 singleton", d.Version)
		}
		singleton, singletonArt = d.SingletonL2, d.Artifacts.SingletonL2
	}
	handler := d.FallbackHandler
	if opt.FallbackHandler != nil {
		handler = *opt.FallbackHandler
	}
	zero := common.Address{}
	initializer, err := singletonArt.Pack("setup", Addresses(opt.Owners), big.NewInt(int64(opt.Threshold)),
		zero, []byte{}, handler, zero, new(big.Int), zero)
	if err != nil {
		t.Fatalf("safetest: %v", err)
	}
	salt := opt.SaltNonce
	if salt == 0 {
		salt = saltCounter.Add(1)
	}
	create, err := d.Artifacts.ProxyFactory.Pack("createProxyWithNonce", singleton, initializer, new(big.Int).SetUint64(salt))
	if err != nil {
		t.Fatalf("safetest: %v", err)
	}
	c := d.Chain
	// The proxy's address is a CREATE2 address fixed by the singleton,
	// initializer and salt: ask for it with eth_call, then create it.
	out, err := d.Artifacts.ProxyFactory.ABI.Unpack("createProxyWithNonce", c.CallContract(t, d.ProxyFactory, create))
	if err != nil || len(out) != 1 {
		t.Fatalf("safetest: createProxyWithNonce result: %v", err)
	}
	addr, ok := out[0].(common.Address)
	if !ok {
		t.Fatalf("safetest: createProxyWithNonce returned %T", out[0])
	}
	c.MustSend(t, msgTo(d.ProxyFactory, nil, create))

	s := &Safe{
		Address:    addr,
		Deployment: d,
		Singleton:  singletonArt,
		Owners:     append([]*Owner(nil), opt.Owners...),
		Threshold:  opt.Threshold,
		ExecGas:    DefaultExecGas,
	}
	st := s.State(t)
	if st.MasterCopy != singleton || st.Threshold.Int64() != int64(opt.Threshold) || len(st.Owners) != len(opt.Owners) || st.FallbackHandler != handler {
		t.Fatalf("safetest: new Safe %s has state %+v, want singleton %s, threshold %d, %d owners, handler %s",
			addr, st, singleton, opt.Threshold, len(opt.Owners), handler)
	}
	return s
}

// msgTo returns a transaction message to `to` from the chain's sender.
func msgTo(to common.Address, value *big.Int, data []byte) ethrpc.CallMsg {
	return ethrpc.CallMsg{To: &to, Value: value, Data: data}
}
