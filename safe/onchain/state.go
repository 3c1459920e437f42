package onchain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// Storage layout of a Safe proxy, the same from 1.0.0 to 1.5.0
// (MasterCopy.sol / SafeStorage.sol and the named slots of GuardManager,
// FallbackManager and ModuleManager). The state is read from these slots,
// never through the Safe's functions: after a Bybit-style hijack, a call
// to the proxy runs the attacker's code, which answers whatever it likes.
var (
	// SlotSingleton (slot 0) holds the singleton ("masterCopy") the proxy
	// delegates every call to: what the Bybit trojan overwrote.
	SlotSingleton = common.Hash{}
	// SlotModules (slot 1) is the modules mapping, a linked list from
	// [SentinelAddress].
	SlotModules = common.BigToHash(big.NewInt(1))
	// SlotOwners (slot 2) is the owners mapping, a linked list from
	// [SentinelAddress].
	SlotOwners = common.BigToHash(big.NewInt(2))
	// SlotOwnerCount (slot 3) is ownerCount.
	SlotOwnerCount = common.BigToHash(big.NewInt(3))
	// SlotThreshold (slot 4) is the threshold.
	SlotThreshold = common.BigToHash(big.NewInt(4))
	// SlotNonce (slot 5) is the nonce.
	SlotNonce = common.BigToHash(big.NewInt(5))
	// SlotGuard is keccak256("guard_manager.guard.address"), from 1.3.0.
	SlotGuard = crypto.Keccak256Hash([]byte("guard_manager.guard.address"))
	// SlotFallbackHandler is keccak256("fallback_manager.handler.address"),
	// from 1.1.0.
	SlotFallbackHandler = crypto.Keccak256Hash([]byte("fallback_manager.handler.address"))
	// SlotModuleGuard is keccak256("module_manager.module_guard.address"),
	// from 1.5.0.
	SlotModuleGuard = crypto.Keccak256Hash([]byte("module_manager.module_guard.address"))
)

// SentinelAddress (0x…01) heads and closes the owner and module lists.
var SentinelAddress = common.HexToAddress("0x0000000000000000000000000000000000000001")

// MappingSlot returns the storage slot of mapping(address => …)[key] for a
// mapping declared at slot: keccak256(pad32(key) ‖ slot).
func MappingSlot(key common.Address, slot common.Hash) common.Hash {
	var buf [64]byte
	copy(buf[12:32], key[:])
	copy(buf[32:], slot[:])
	return crypto.Keccak256Hash(buf[:])
}

// versionSelector selects VERSION(), a public constant of every singleton.
var versionSelector = safe.Selector("VERSION()")

// knownProxyCode maps the keccak256 of a Safe proxy's runtime code to the
// release whose proxy factory creates it. The hashes are those of the
// deployedBytecode of Proxy (1.1.1), GnosisSafeProxy (1.3.0) and SafeProxy
// (1.4.1, 1.5.0) in the npm packages internal/safetest pins; the 1.1.1 one
// is also the code hash of Bybit's proxy on mainnet (shared data
// bybit_incident.json). TestKnownProxyCode checks them against the
// artifacts. Proxies of 1.0.0, 1.2.0 and of zkSync are not pinned: such a
// Safe is recognised by its singleton or its storage instead.
var knownProxyCode = map[common.Hash]string{
	common.HexToHash("0xaea7d4252f6245f301e540cfbee27d3a88de543af8e49c5c62405d5499fab7e5"): "1.1.1",
	common.HexToHash("0xb89c1b3bdf2cf8827818646bce9a8f6e372885f8c55e5c07acbd307cb133b000"): "1.3.0",
	common.HexToHash("0xd7d408ebcd99b2b70be43e20253d6d92a8ea8fab29bd3be7f55b10032331fb4c"): "1.4.1",
	common.HexToHash("0x4e381985ca68b3e5d27b4425fa581c19cf33146d3f887a3cfca96f55528ea46f"): "1.5.0",
}

// KnownProxyCode returns the Safe release ("1.3.0") whose proxy factory
// creates proxies with runtime code hash h, or "" when h is not a pinned
// Safe proxy.
func KnownProxyCode(h common.Hash) string { return knownProxyCode[h] }

// DefaultMaxListLen bounds the owner and module list walks of a read
// unless [ReadOptions] says otherwise.
const DefaultMaxListLen = 256

// ErrNotSafe is the cause of the error a read returns for an address that
// is not a Safe proxy (no code, or a contract that is not a Safe):
// errors.Is(err, ErrNotSafe).
var ErrNotSafe = errors.New("not a Safe")

// ErrNoCode is the cause of the ErrNotSafe error of an address without
// code and with nonce 0 (errors.Is(err, ErrNotSafe) holds as well): a
// Watcher tells a Safe not deployed yet from a contract that is not a Safe,
// or an externally owned account, by it.
var ErrNoCode = fmt.Errorf("%w: no code", ErrNotSafe)

// ErrEOA is the cause of the ErrNotSafe error of an address without code
// whose nonce is above 0: an account that has sent transactions, which
// CREATE and CREATE2 can never give code to (EIP-684), so never a Safe.
var ErrEOA = fmt.Errorf("%w: externally owned account", ErrNotSafe)

// ListStatus says how a walk of a Safe's owner or module list ended.
type ListStatus string

// List statuses. Anything but ListOK means the storage is not what the
// Safe's own code writes: a hijacked or corrupted Safe.
const (
	ListOK        ListStatus = ""          // closed by the sentinel (or never set up)
	ListTruncated ListStatus = "truncated" // longer than the bound: the entries beyond it were not read
	ListLoop      ListStatus = "loop"      // an entry points back into the list
	ListBroken    ListStatus = "broken"    // an entry points to nothing before the sentinel
)

// State is a Safe's security-relevant state at one block, read from the
// proxy's storage and code, the singleton's code and VERSION().
type State struct {
	Address common.Address
	ChainID uint64
	// Block is the block the state was read at: the block asked for, or
	// its number when the latest block was asked for.
	Block BlockID

	// ProxyCodeHash is keccak256 of the proxy's runtime code.
	ProxyCodeHash common.Hash
	// ProxyVersion is the release whose proxy code this is ("1.3.0"; see
	// [KnownProxyCode]), "" when the code is not a pinned Safe proxy.
	ProxyVersion string

	// Singleton is the address in slot 0, the code the proxy runs.
	Singleton common.Address
	// SingletonCodeHash is keccak256 of the singleton's runtime code, zero
	// when it has none.
	SingletonCodeHash common.Hash
	// SingletonDeployments are the known singleton deployments whose code
	// hash is SingletonCodeHash (several when the same code was deployed at
	// several addresses); empty when the code is not a known Safe
	// singleton. The match is by code hash: on a development chain or a
	// chain where the singleton was deployed elsewhere the address differs
	// while the code is the same.
	SingletonDeployments []decode.Deployment
	// ReportedVersion is what VERSION() on the singleton's address
	// answered, "" when it gave no string.
	ReportedVersion string
	// VersionCallFailure says why VERSION() gave no answer ("reverted" …),
	// "" when it answered.
	VersionCallFailure string

	OwnerCount *big.Int // slot 3, as stored
	Threshold  *big.Int
	Nonce      *big.Int
	// Owners in list order, as the owners linked list in storage holds
	// them (not as getOwners() reports them).
	Owners       []common.Address
	OwnersStatus ListStatus
	// Modules in list order; check ModulesStatus before trusting it to be
	// complete.
	Modules       []common.Address
	ModulesStatus ListStatus

	Guard           common.Address // zero: none (always before 1.3.0)
	FallbackHandler common.Address // zero: none
	ModuleGuard     common.Address // zero: none (always before 1.5.0)
	Balance         *big.Int       // ETH, wei

	versionFailCode string // bulwark code for a VERSION() that gave no answer
}

// SingletonKnown reports whether the singleton's code is a known Safe
// singleton deployment.
func (s *State) SingletonKnown() bool { return len(s.SingletonDeployments) > 0 }

// Version establishes the Safe's version, never guessing. It returns it
// when the singleton's code hash is a known singleton deployment (VERSION(),
// if it answered, must agree), or, for a singleton whose code is not
// known, when VERSION() answers a version Bulwark supports (check
// [State.SingletonKnown]: such a version is the contract's word only).
// Otherwise it returns an EINVALID error (EUNAVAILABLE when the node failed
// the VERSION() call) saying what could not be established and to pass
// --safe-version explicitly. A known singleton of the L2 flavour gives the
// version with build "L2".
func (s *State) Version() (safe.Version, error) {
	var known []safe.Version
	for _, d := range s.SingletonDeployments {
		v := d.Version
		v.Build = ""
		if strings.HasSuffix(d.Name, "L2") {
			v.Build = "L2"
		}
		if !hasVersion(known, v) {
			known = append(known, v)
		}
	}
	reported, rerr := safe.ParseVersion("VERSION()", s.ReportedVersion)
	answered := s.ReportedVersion != ""
	supported := answered && rerr == nil
	switch {
	case len(known) == 1:
		if answered && (!supported || reported.Core() != known[0].Core()) {
			return safe.Version{}, s.versionError(bulwark.EINVALID, "its singleton %s has the code of %s but VERSION() answers %s; the two disagree",
				s.Singleton.Hex(), DeploymentNames(s.SingletonDeployments), safe.Quote(s.ReportedVersion))
		}
		return known[0], nil
	case len(known) > 1:
		for _, v := range known {
			if supported && v.Core() == reported.Core() {
				return v, nil
			}
		}
		return safe.Version{}, s.versionError(bulwark.EINVALID, "its singleton %s has code pinned for several versions (%s) and VERSION() does not settle which",
			s.Singleton.Hex(), DeploymentNames(s.SingletonDeployments))
	}
	switch {
	case s.Singleton == (common.Address{}):
		return safe.Version{}, s.versionError(bulwark.EINVALID, "storage slot 0 holds no singleton address")
	case s.SingletonCodeHash == (common.Hash{}):
		return safe.Version{}, s.versionError(bulwark.EINVALID, "its singleton %s has no code", s.Singleton.Hex())
	case supported:
		return reported, nil
	case answered:
		return safe.Version{}, s.versionError(bulwark.EINVALID, "its singleton %s (code hash %s) is not a known Safe deployment and VERSION() answers %s, which is not a version Bulwark supports (%s)",
			s.Singleton.Hex(), s.SingletonCodeHash.Hex(), safe.Quote(s.ReportedVersion), safe.SupportedList())
	}
	code := s.versionFailCode
	if code == "" {
		code = bulwark.EINVALID
	}
	return safe.Version{}, s.versionError(code, "its singleton %s (code hash %s) is not a known Safe deployment and VERSION() %s",
		s.Singleton.Hex(), s.SingletonCodeHash.Hex(), s.VersionCallFailure)
}

func (s *State) versionError(code, format string, args ...any) error {
	return &bulwark.Error{Code: code, Field: "safe-version", Message: fmt.Sprintf("cannot establish the version of Safe %s: %s; pass --safe-version explicitly",
		s.Address.Hex(), fmt.Sprintf(format, args...))}
}

func hasVersion(vs []safe.Version, v safe.Version) bool {
	for _, x := range vs {
		if x.Core() == v.Core() && x.Build == v.Build {
			return true
		}
	}
	return false
}

func DeploymentNames(ds []decode.Deployment) string {
	var names []string
	for _, d := range ds {
		if n := d.Name + " " + d.Version.Core(); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// Domain returns the Safe's EIP-712 domain, with the version from
// [State.Version].
func (s *State) Domain() (safe.Domain, error) {
	v, err := s.Version()
	if err != nil {
		return safe.Domain{}, err
	}
	return safe.Domain{ChainID: new(big.Int).SetUint64(s.ChainID), Safe: s.Address, Version: v}, nil
}

// ReadOptions tune [ReadStatesWith].
type ReadOptions struct {
	// MaxOwners and MaxModules bound the list walks (a hijacked Safe's
	// storage may hold a list of any length, or a loop); 0 means
	// DefaultMaxListLen. A list that goes on has status ListTruncated.
	MaxOwners, MaxModules int
	// Registry identifies singletons by code hash; nil means
	// KnownDeployments().
	Registry *decode.Registry
	// Previous holds earlier states of the Safes read, e.g. the last
	// block's in a watcher. Their owners, modules and singleton are read
	// in the first batch, so that an unchanged Safe costs one round trip
	// instead of one per list entry. A hint never changes the result:
	// every link of every list is still read at the block asked for.
	Previous map[common.Address]*State
	// NoCode, when set, reports addresses likely without code (a
	// watcher's not deployed yet): their nonces are read in the first
	// round trip with their code, so that watching them costs no round
	// trip more. Like Previous, it never changes the result.
	NoCode func(common.Address) bool
}

// ReadState reads the state of the Safe at addr at block (see
// [ReadStatesWith]). An address that is not a Safe proxy gives an EINVALID
// error naming it, with cause ErrNotSafe; a node failure gives the node's
// error (EUNAVAILABLE, ETIMEOUT, ENOTFOUND for state the node does not
// have …).
func ReadState(ctx context.Context, r ChainReader, addr common.Address, block BlockID) (*State, error) {
	states, err := ReadStatesWith(ctx, r, []common.Address{addr}, block, ReadOptions{})
	var rerr *ReadStatesError
	if errors.As(err, &rerr) && len(rerr.Errs) == 1 {
		return nil, rerr.Errs[0]
	}
	if err != nil {
		return nil, err
	}
	return states[0], nil
}

// ReadStates reads the states of the Safes at addrs at block with default
// options; see [ReadStatesWith].
func ReadStates(ctx context.Context, r ChainReader, addrs []common.Address, block BlockID) ([]*State, error) {
	return ReadStatesWith(ctx, r, addrs, block, ReadOptions{})
}

// DetectVersion reads the Safe at addr at block and establishes its
// version with [State.Version]; it returns the state read as well.
func DetectVersion(ctx context.Context, r ChainReader, addr common.Address, block BlockID) (safe.Version, *State, error) {
	st, err := ReadState(ctx, r, addr, block)
	if err != nil {
		return safe.Version{}, nil, err
	}
	v, err := st.Version()
	return v, st, err
}

// ReadStatesError lists the Safes of a ReadStates call that could not be
// read. Addrs[i] failed with Errs[i].
type ReadStatesError struct {
	Addrs []common.Address
	Errs  []error
}

// Error names the count and the first failures.
func (e *ReadStatesError) Error() string {
	const show = 3
	var b strings.Builder
	fmt.Fprintf(&b, "%d Safe(s) could not be read", len(e.Errs))
	for i, err := range e.Errs {
		if i == show {
			fmt.Fprintf(&b, "; and %d more", len(e.Errs)-show)
			break
		}
		b.WriteString("; ")
		b.WriteString(bulwark.ErrorMessage(err))
	}
	return b.String()
}

// Unwrap returns the individual errors, for errors.Is and errors.As (and
// so bulwark.ErrorCode, which reports the first one's code).
func (e *ReadStatesError) Unwrap() []error { return e.Errs }

// ReadStatesWith reads the states of the Safes at addrs, all at one block
// (the latest block is pinned to its number first), in batches: every
// round trip carries every read that does not wait for another: at first
// the proxy's code, balance, seven fixed slots and the two list heads of
// every Safe, then the singletons (each once) and the next link of every
// list. Reading N Safes thus costs one round trip per entry of the longest
// list plus one — a single one when opts.Previous holds their last states
// and nothing changed — and about N × (11 + owners + modules) reads in
// all, which the ChainReader splits into HTTP requests of its batch size.
// The nonce of an address is read only when it has no code, in the next
// round trip: an account that has sent transactions (nonce above 0) is an
// externally owned account, not a Safe; one with nonce 0 may still become
// one (see watch.Watcher).
//
// The result has one entry per address, in order. When some addresses
// cannot be read — not a Safe, or a read the node refused — their entries
// are nil and the error is a *ReadStatesError listing them; the others are
// still returned. When the node cannot be reached at all, or ctx ends, the
// result is nil and the error the node's.
//
// A Safe is an account with code and (a) the code of a known Safe proxy,
// whatever its storage holds — so a hijacked Safe is still read — or (b)
// an address in slot 0 and either a known singleton's code there or an
// initialised owner list.
func ReadStatesWith(ctx context.Context, r ChainReader, addrs []common.Address, block BlockID, opt ReadOptions) ([]*State, error) {
	noCode := opt.NoCode
	if r == nil {
		return nil, bulwark.Errorf(bulwark.EINTERNAL, "safe: no chain reader")
	}
	if len(addrs) == 0 {
		return nil, nil
	}
	if opt.MaxOwners <= 0 {
		opt.MaxOwners = DefaultMaxListLen
	}
	if opt.MaxModules <= 0 {
		opt.MaxModules = DefaultMaxListLen
	}
	if opt.Registry == nil {
		opt.Registry = decode.KnownDeployments()
	}
	chainID, err := r.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	if block.IsLatest() {
		n, err := r.BlockNumber(ctx)
		if err != nil {
			return nil, err
		}
		block = AtBlockNumber(n)
	}
	rd := &stateReader{r: r, block: block, opt: opt, singletons: map[common.Address]*singletonInfo{}}
	jobs := make([]*stateJob, len(addrs))
	for i, a := range addrs {
		j := &stateJob{st: &State{Address: a, ChainID: chainID, Block: block}}
		j.owners = newListWalk(SlotOwners, opt.MaxOwners)
		j.modules = newListWalk(SlotModules, opt.MaxModules)
		jobs[i] = j
		rd.first(j, opt.Previous[a], noCode != nil && noCode(a))
	}
	for rd.pending() {
		if err := rd.flush(ctx); err != nil {
			return nil, err
		}
		for _, j := range jobs {
			rd.next(j)
		}
	}
	states := make([]*State, len(addrs))
	var failed ReadStatesError
	for i, j := range jobs {
		if j.err == nil {
			j.err = rd.finish(j)
		}
		if j.err != nil {
			failed.Addrs = append(failed.Addrs, addrs[i])
			failed.Errs = append(failed.Errs, j.err)
			continue
		}
		states[i] = j.st
	}
	if len(failed.Errs) > 0 {
		return states, &failed
	}
	return states, nil
}

// stateReader collects the reads of one round trip and hands each answer
// to the function that asked for it.
type stateReader struct {
	r          ChainReader
	block      BlockID
	opt        ReadOptions
	reads      []Read
	sinks      []func(*Read)
	singletons map[common.Address]*singletonInfo
}

// singletonInfo is what is read once per singleton address and shared by
// the Safes that use it.
type singletonInfo struct {
	err      error // its code could not be read
	codeHash common.Hash
	deploys  []decode.Deployment
	reported string
	failure  string
	failCode string
}

type stateJob struct {
	st    *State
	err   error
	code  []byte
	slot0 common.Hash
	// nonce is the account nonce, read only for an address without code
	// (nonceAsked once queued).
	nonce      *big.Int
	nonceAsked bool
	owners     *listWalk
	modules    *listWalk
}

func (rd *stateReader) pending() bool { return len(rd.reads) > 0 }

func (rd *stateReader) add(r Read, sink func(*Read)) {
	rd.reads = append(rd.reads, r)
	rd.sinks = append(rd.sinks, sink)
}

func (rd *stateReader) flush(ctx context.Context) error {
	reads, sinks := rd.reads, rd.sinks
	rd.reads, rd.sinks = nil, nil
	if err := rd.r.BatchRead(ctx, rd.block, reads); err != nil {
		return err
	}
	for i := range reads {
		sinks[i](&reads[i])
	}
	return nil
}

// fail records a read error for j (the first one wins).
func (rd *stateReader) fail(j *stateJob, r *Read) {
	if j.err != nil {
		return
	}
	code := bulwark.ErrorCode(r.Err)
	j.err = bulwark.Wrap(r.Err, code, fmt.Sprintf("cannot read the state of Safe %s at block %s (%s): %s",
		j.st.Address.Hex(), rd.block, r.Kind, bulwark.ErrorMessage(r.Err)))
}

// word returns a sink that stores a 32-byte answer for j.
func (rd *stateReader) word(j *stateJob, set func(common.Hash)) func(*Read) {
	return func(r *Read) {
		if r.Err != nil {
			rd.fail(j, r)
			return
		}
		set(common.BytesToHash(r.Out))
	}
}

// first queues the reads that need nothing read before: code, fixed
// slots, balance, the list heads, what prev says the lists and the
// singleton were, and the nonce when noCode says the address had none.
func (rd *stateReader) first(j *stateJob, prev *State, noCode bool) {
	st, a := j.st, j.st.Address
	rd.add(Read{Kind: ReadCode, Addr: a}, func(r *Read) {
		if r.Err != nil {
			rd.fail(j, r)
			return
		}
		j.code = r.Out
	})
	rd.add(Read{Kind: ReadStorage, Addr: a, Slot: SlotSingleton}, rd.word(j, func(w common.Hash) { j.slot0 = w }))
	for _, f := range []struct {
		slot common.Hash
		set  func(common.Hash)
	}{
		{SlotOwnerCount, func(w common.Hash) { st.OwnerCount = w.Big() }},
		{SlotThreshold, func(w common.Hash) { st.Threshold = w.Big() }},
		{SlotNonce, func(w common.Hash) { st.Nonce = w.Big() }},
		{SlotGuard, func(w common.Hash) { st.Guard = common.BytesToAddress(w[12:]) }},
		{SlotFallbackHandler, func(w common.Hash) { st.FallbackHandler = common.BytesToAddress(w[12:]) }},
		{SlotModuleGuard, func(w common.Hash) { st.ModuleGuard = common.BytesToAddress(w[12:]) }},
	} {
		rd.add(Read{Kind: ReadStorage, Addr: a, Slot: f.slot}, rd.word(j, f.set))
	}
	rd.add(Read{Kind: ReadBalance, Addr: a}, rd.word(j, func(w common.Hash) { st.Balance = w.Big() }))
	var prevOwners, prevModules []common.Address
	if prev != nil {
		prevOwners, prevModules = prev.Owners, prev.Modules
		if prev.Singleton != (common.Address{}) {
			rd.singleton(prev.Singleton)
		}
	}
	rd.prefetch(j, j.owners, prevOwners)
	rd.prefetch(j, j.modules, prevModules)
	if noCode {
		rd.nonce(j)
	}
}

// nonce queues the read of j's account nonce, once.
func (rd *stateReader) nonce(j *stateJob) {
	if j.nonceAsked {
		return
	}
	j.nonceAsked = true
	rd.add(Read{Kind: ReadNonce, Addr: j.st.Address}, rd.word(j, func(w common.Hash) { j.nonce = w.Big() }))
}

// prefetch queues the list head and the links of the entries a hint
// names.
func (rd *stateReader) prefetch(j *stateJob, w *listWalk, hint []common.Address) {
	rd.link(j, w, SentinelAddress)
	for i, k := range hint {
		if i >= w.max {
			break
		}
		rd.link(j, w, k)
	}
}

// link queues the read of list entry key's successor.
func (rd *stateReader) link(j *stateJob, w *listWalk, key common.Address) {
	if _, ok := w.links[key]; ok || w.asked[key] {
		return
	}
	w.asked[key] = true
	rd.add(Read{Kind: ReadStorage, Addr: j.st.Address, Slot: MappingSlot(key, w.slot)}, rd.word(j, func(v common.Hash) {
		w.links[key] = common.BytesToAddress(v[12:])
	}))
}

// singleton queues the code and VERSION() reads of a singleton address,
// once per call.
func (rd *stateReader) singleton(addr common.Address) {
	if rd.singletons[addr] != nil {
		return
	}
	info := &singletonInfo{}
	rd.singletons[addr] = info
	rd.add(Read{Kind: ReadCode, Addr: addr}, func(r *Read) {
		if r.Err != nil {
			info.err = r.Err
			return
		}
		if len(r.Out) > 0 {
			info.codeHash = crypto.Keccak256Hash(r.Out)
			for _, d := range rd.opt.Registry.ByCodeHash(info.codeHash) {
				if d.Role == decode.RoleSingleton {
					info.deploys = append(info.deploys, d)
				}
			}
		}
	})
	rd.add(Read{Kind: ReadCall, Addr: addr, Data: versionSelector[:]}, func(r *Read) {
		switch {
		case r.Err != nil:
			info.failure = "could not be called: " + bulwark.ErrorMessage(r.Err)
			info.failCode = bulwark.ErrorCode(r.Err)
		case r.Reverted:
			info.failure = "reverted"
		default:
			info.reported, info.failure = decodeVersionString(r.Out)
		}
	})
}

// next queues what j needs after the last round trip: its singleton once
// slot 0 is known, and the next link of each list.
func (rd *stateReader) next(j *stateJob) {
	if j.err != nil {
		return
	}
	if len(j.code) == 0 {
		// No code (read in the first round trip): the nonce tells an
		// externally owned account from an address that may still become
		// a Safe; finish reports which.
		rd.nonce(j)
		return
	}
	if s := common.BytesToAddress(j.slot0[12:]); s != (common.Address{}) {
		rd.singleton(s)
	}
	for _, w := range []*listWalk{j.owners, j.modules} {
		if key, ok := w.advance(); ok {
			rd.link(j, w, key)
		}
	}
}

// finish checks that j is a Safe and completes its state.
func (rd *stateReader) finish(j *stateJob) error {
	st := j.st
	// An EOA with an EIP-7702 delegation has code (0xef0100 ‖ delegate
	// address): its nonce is not read; that code is judged below like any
	// contract's, and it is not a Safe proxy's: not a Safe.
	if len(j.code) == 0 {
		if j.nonce != nil && j.nonce.Sign() > 0 {
			// A nonce above 0 without code: an account that has sent
			// transactions (or, rarely, a contract whose creation left no
			// code); CREATE and CREATE2 never deploy to it (EIP-684).
			txs := "transactions"
			if j.nonce.Cmp(big.NewInt(1)) == 0 {
				txs = "transaction"
			}
			return &bulwark.Error{Code: bulwark.EINVALID, Err: ErrEOA,
				Message: fmt.Sprintf("%s is an externally owned account (it has sent %s %s), not a Safe", st.Address.Hex(), j.nonce, txs)}
		}
		return &bulwark.Error{Code: bulwark.EINVALID, Err: ErrNoCode,
			Message: fmt.Sprintf("%s has no code and has sent no transaction at block %s: an unused address or a Safe not deployed yet, not a Safe", st.Address.Hex(), rd.block)}
	}
	st.ProxyCodeHash = crypto.Keccak256Hash(j.code)
	st.ProxyVersion = knownProxyCode[st.ProxyCodeHash]
	st.Singleton = common.BytesToAddress(j.slot0[12:])
	if info := rd.singletons[st.Singleton]; info != nil && st.Singleton != (common.Address{}) {
		if info.err != nil {
			return bulwark.Wrap(info.err, bulwark.ErrorCode(info.err), fmt.Sprintf("cannot read the code of the singleton %s of Safe %s at block %s: %s",
				st.Singleton.Hex(), st.Address.Hex(), rd.block, bulwark.ErrorMessage(info.err)))
		}
		st.SingletonCodeHash = info.codeHash
		st.SingletonDeployments = info.deploys
		st.ReportedVersion, st.VersionCallFailure, st.versionFailCode = info.reported, info.failure, info.failCode
	}
	if st.ProxyVersion == "" {
		if ds := rd.opt.Registry.ByCodeHash(st.ProxyCodeHash); len(ds) > 0 {
			return notSafe("%s is %s, a Safe contract, not a Safe proxy: give the address of the Safe itself", st.Address.Hex(), ds[0])
		}
		switch {
		case j.slot0 != common.BytesToHash(st.Singleton[:]):
			return notSafe("%s is a contract but not a Safe proxy: storage slot 0 holds %s, not a singleton address", st.Address.Hex(), j.slot0.Hex())
		case st.Singleton == (common.Address{}):
			return notSafe("%s is a contract but not a Safe proxy: its code is not a known Safe proxy and storage slot 0 (the singleton) is empty", st.Address.Hex())
		case !st.SingletonKnown() && j.owners.links[SentinelAddress] == (common.Address{}):
			return notSafe("%s is a contract but not a Safe proxy: neither its code nor the contract in its slot 0 (%s) is a known Safe proxy or singleton, and it holds no Safe owner list",
				st.Address.Hex(), st.Singleton.Hex())
		}
	}
	st.Owners, st.OwnersStatus = j.owners.out, j.owners.status
	st.Modules, st.ModulesStatus = j.modules.out, j.modules.status
	return nil
}

func notSafe(format string, args ...any) error {
	return &bulwark.Error{Code: bulwark.EINVALID, Message: fmt.Sprintf(format, args...), Err: ErrNotSafe}
}

// decodeVersionString decodes VERSION()'s ABI-encoded string return, which
// a hijacked or foreign singleton controls: anything but a short printable
// string is reported as a failure.
func decodeVersionString(out []byte) (version, failure string) {
	const maxLen = 32
	if len(out) == 0 {
		return "", "returned no data"
	}
	if len(out) < 64 {
		return "", fmt.Sprintf("returned %d bytes, not an ABI-encoded string", len(out))
	}
	off := new(big.Int).SetBytes(out[:32])
	if !off.IsUint64() || off.Uint64() > uint64(len(out)-32) {
		return "", "returned data that is not an ABI-encoded string"
	}
	o := off.Uint64()
	n := new(big.Int).SetBytes(out[o : o+32])
	if !n.IsUint64() || n.Uint64() > uint64(len(out))-o-32 {
		return "", "returned data that is not an ABI-encoded string"
	}
	s := out[o+32 : o+32+n.Uint64()]
	if len(s) == 0 || len(s) > maxLen {
		return "", fmt.Sprintf("returned a string of %d bytes, not a version", len(s))
	}
	for _, c := range s {
		if c < 0x21 || c > 0x7e {
			return "", "returned a string that is not a version"
		}
	}
	return string(s), ""
}

// listWalk follows a Sentinel-headed linked list stored in the mapping at
// slot, using the links read so far.
type listWalk struct {
	slot   common.Hash
	max    int
	links  map[common.Address]common.Address // key → successor, as read
	asked  map[common.Address]bool
	cur    common.Address
	seen   map[common.Address]bool
	out    []common.Address
	status ListStatus
	done   bool
}

func newListWalk(slot common.Hash, max int) *listWalk {
	return &listWalk{slot: slot, max: max, links: map[common.Address]common.Address{}, asked: map[common.Address]bool{},
		cur: SentinelAddress, seen: map[common.Address]bool{}}
}

// advance walks as far as the links read allow. It returns the key whose
// link must be read next, or false when the walk is over (or waits for a
// read already asked for).
func (w *listWalk) advance() (common.Address, bool) {
	for !w.done {
		next, ok := w.links[w.cur]
		if !ok {
			return w.cur, !w.asked[w.cur]
		}
		switch {
		case next == SentinelAddress:
			w.done = true
		case next == (common.Address{}):
			// An uninitialised list (sentinel → 0) is empty: a module list
			// before 1.1.0's setupModules, a proxy never set up.
			if w.cur != SentinelAddress {
				w.status = ListBroken
			}
			w.done = true
		case w.seen[next]:
			w.status, w.done = ListLoop, true
		case len(w.out) >= w.max:
			w.status, w.done = ListTruncated, true
		default:
			w.seen[next] = true
			w.out = append(w.out, next)
			w.cur = next
		}
	}
	return common.Address{}, false
}
