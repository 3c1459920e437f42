package decode

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/safe"
)

// Decoding limits. A Decoder's zero MaxDepth and MaxCalls take these.
const (
	// DefaultMaxDepth is how many levels of nested calls (a batch in a batch,
	// an execTransaction inside a batch, …) are decoded below the top call.
	DefaultMaxDepth = 8
	// DefaultMaxCalls bounds the calls in one decoded tree.
	DefaultMaxCalls = 10000
)

// CallKind says how far a call's data was understood.
type CallKind string

// Call kinds.
const (
	// KindEmpty is a call without data: a plain ETH transfer (or a no-op).
	KindEmpty CallKind = "empty"
	// KindCall is a call of a declared function whose arguments decoded.
	KindCall CallKind = "call"
	// KindUnknown is data whose selector Bulwark does not know, or data
	// shorter than a selector. Nothing is guessed: the selector and the raw
	// data are all there is.
	KindUnknown CallKind = "unknown"
	// KindMalformed is data with a known selector whose arguments, or whose
	// packed MultiSend batch, do not decode; Call.Error says where.
	KindMalformed CallKind = "malformed"
	// KindCreate is a CREATE operation (Safe 0.1.0): data is init code.
	KindCreate CallKind = "create"
)

// DecodedCall is one call in a decoded Safe transaction: the top call the Safe
// makes, or a call nested in it (a MultiSend entry, a Multicall3 call, the
// inner transaction of execTransaction, …) in Calls.
type DecodedCall struct {
	// Path locates the call in the tree: "0" is the top call, "0.2" the third
	// call inside it, "0.2.0" the first inside that.
	Path string
	// From is the account that makes the call: the Safe for the top call, and
	// for the calls of a batch the account whose code runs the batch (the
	// Safe when the batch is delegatecalled, the batch contract when it is
	// called). A DELEGATECALL runs the target's code on From's storage and
	// balance.
	From      common.Address
	To        common.Address
	Operation safe.Operation
	Value     *big.Int
	// Data is the call's data. It aliases the decoded input.
	Data []byte
	Kind CallKind
	// Selector is the first four bytes of Data as 0x-hex, "" when Data is
	// shorter.
	Selector string
	// Interface names where the function is declared ("Safe", "ERC-20",
	// "MultiSendCallOnly", "Multicall3", …); Function and Signature name the
	// function, e.g. "transfer" and "transfer(address,uint256)".
	Interface string
	Function  string
	Signature string
	Args      []Arg
	// Target is what Bulwark knows about To.
	Target Target
	// SelfCall is true for a CALL from a Safe to itself: how a Safe changes
	// its own owners, threshold, modules, guard, fallback handler or
	// singleton.
	SelfCall bool
	// Summary says in one line what the call does.
	Summary string
	// Notes are observations a signer should read (a function that does not
	// exist in this Safe version, a batch contract that reverts when called,
	// …).
	Notes []string
	// Trailing are the bytes after the arguments' encoding (the last
	// value read, bytes padded to 32): a Solidity function ignores them,
	// but a contract can read them (a Safe fallback handler takes the
	// last 20 bytes as its caller). It aliases Data; nil when none.
	Trailing []byte
	// Error says why the call's data could not be decoded completely.
	Error string
	Calls []*DecodedCall
}

// Walk calls fn for c and every call below it, parents first, and stops
// when fn returns false.
func (c *DecodedCall) Walk(fn func(*DecodedCall) bool) bool {
	if !fn(c) {
		return false
	}
	for _, k := range c.Calls {
		if !k.Walk(fn) {
			return false
		}
	}
	return true
}

// Arg returns the argument called name.
func (c *DecodedCall) Arg(name string) (Arg, bool) {
	for _, a := range c.Args {
		if a.Name == name {
			return a, true
		}
	}
	return Arg{}, false
}

// Address returns the argument's value if it is an address.
func (a Arg) Address() (common.Address, bool) {
	v, ok := a.Value.(common.Address)
	return v, ok
}

// Uint returns the argument's value if it is an integer.
func (a Arg) Uint() (*big.Int, bool) {
	v, ok := a.Value.(*big.Int)
	return v, ok
}

// Bytes returns the argument's value if it is bytes or bytesN.
func (a Arg) Bytes() ([]byte, bool) {
	v, ok := a.Value.([]byte)
	return v, ok
}

// A Decoder turns a Safe transaction's (to, value, data, operation) into a
// tree of DecodedCalls, offline: function signatures come from Bulwark's own
// declarations (abis.go) and the roles of targets from its registry of
// known Safe deployments ([KnownDeployments]); nothing is looked up on a
// network, and a selector Bulwark does not declare stays unknown.
//
// The zero Decoder decodes without knowing the Safe (no self-calls are
// recognised) or its version (Safe functions of every version are
// accepted).
type Decoder struct {
	// Safe is the Safe whose transaction is decoded: a call from it to
	// itself is a self-call.
	Safe common.Address
	// Version is the Safe's version; Safe functions that do not exist in it
	// are flagged. The zero Version means unknown.
	Version safe.Version
	// ChainID, when set, lets the decoder compute the SafeMessage hash a
	// signMessage call marks as signed (versions from 1.3.0 need it; earlier
	// ones do not).
	ChainID *big.Int
	// CodeHashes holds runtime code hashes read from the chain, by address.
	// A target whose address is a known deployment is matched against the
	// pinned hash when its hash is here; without it the address alone names
	// the role and Target.CodeCheck says "unchecked".
	CodeHashes map[common.Address]common.Hash
	// Registry of known deployments; nil means [KnownDeployments].
	Registry *Registry
	// MaxDepth and MaxCalls bound the tree; zero means DefaultMaxDepth and
	// DefaultMaxCalls.
	MaxDepth int
	MaxCalls int
	// Field names the data in error messages; "" means "data".
	Field string
}

// DecodeTx decodes tx's to, value, data and operation.
func (d *Decoder) DecodeTx(tx safe.Tx) (*DecodedCall, error) {
	return d.Decode(tx.To, tx.Value, tx.Data, tx.Operation)
}

// Decode decodes one call the Safe makes. It returns the whole tree it
// could decode even when it also returns an error: the error (a
// *bulwark.Error with code invalid naming the data field) describes the
// first call whose data is malformed — a truncated MultiSend batch, an
// argument offset past the end, dirty address bits — or that exceeded a
// limit, with the byte offset at fault; that call carries the same text in
// DecodedCall.Error. An unknown selector is not an error.
func (d *Decoder) Decode(to common.Address, value *big.Int, data []byte, op safe.Operation) (*DecodedCall, error) {
	field := d.Field
	if field == "" {
		field = "data"
	}
	if value == nil {
		value = new(big.Int)
	}
	if err := safe.CheckUint256("value", value); err != nil {
		return nil, err
	}
	if op > safe.Create || op == safe.Create && d.Version.Known() && !d.Version.UsesDataGas() {
		return nil, safe.CheckOperation("operation", op, d.Version)
	}
	s := &decodeState{
		d:        d,
		reg:      d.Registry,
		maxDepth: d.MaxDepth,
		maxCalls: d.MaxCalls,
		budget:   64*len(data) + 64<<10,
	}
	if s.reg == nil {
		s.reg = KnownDeployments()
	}
	if s.maxDepth <= 0 {
		s.maxDepth = DefaultMaxDepth
	}
	if s.maxCalls <= 0 {
		s.maxCalls = DefaultMaxCalls
	}
	root := s.decode("0", 0, s.safeAccount(), to, value, data, op)
	if d.Safe != (common.Address{}) && !d.Version.Known() {
		root.Notes = append(root.Notes, "Safe version not given: Safe functions of every version were accepted")
	} else if v := d.Version; v.Known() && v.Compare(v1_0_0) < 0 {
		root.Notes = append(root.Notes, "Safe 0.1.0's functions are decoded with the 1.0.0 ABI (the oldest pinned one)")
	}
	if s.first != nil {
		where := ""
		if s.first.Path != "0" {
			where = "call " + s.first.Path + ": "
		}
		return root, bulwark.Invalid(field, "%s%s", where, s.first.Error)
	}
	return root, nil
}

// account is who executes code: an address and, if it is known to be a
// Safe, its version (zero when unknown).
type account struct {
	addr    common.Address
	safe    bool
	version safe.Version
}

type decodeState struct {
	d        *Decoder
	reg      *Registry
	maxDepth int
	maxCalls int
	calls    int
	budget   int
	first    *DecodedCall
}

func (s *decodeState) safeAccount() account {
	return account{addr: s.d.Safe, safe: s.d.Safe != (common.Address{}), version: s.d.Version}
}

// accountAt is the account at addr when code runs there.
func (s *decodeState) accountAt(addr common.Address) account {
	if s.d.Safe != (common.Address{}) && addr == s.d.Safe {
		return s.safeAccount()
	}
	return account{addr: addr}
}

// child is a call a decoded function makes.
type child struct {
	from  account
	op    safe.Operation
	to    common.Address
	value *big.Int
	data  []byte
	notes []string
}

func (s *decodeState) fail(c *DecodedCall, kind CallKind, format string, args ...any) {
	if kind != "" {
		c.Kind = kind
	}
	msg := fmt.Sprintf(format, args...)
	if c.Error == "" {
		c.Error = msg
	}
	if s.first == nil {
		s.first = c
	}
}

func (s *decodeState) decode(path string, depth int, from account, to common.Address, value *big.Int, data []byte, op safe.Operation) *DecodedCall {
	c := &DecodedCall{Path: path, From: from.addr, To: to, Operation: op, Value: value, Data: data}
	c.Target = s.target(c)
	s.calls++
	if s.calls > s.maxCalls {
		s.fail(c, "", "more than %d calls in one transaction: decoding stopped", s.maxCalls)
		c.Summary = "not decoded (call limit)"
		return c
	}
	s.budget -= len(data)
	if s.budget < 0 {
		s.fail(c, "", "decoding budget exhausted: nested data repeats far beyond the size of the transaction")
		c.Summary = "not decoded (budget)"
		return c
	}
	// exec is the account whose storage the target's code runs on.
	exec := s.accountAt(to)
	if op == safe.DelegateCall {
		exec = from
		if !delegateCallLibrary(c.Target) {
			c.Notes = append(c.Notes, fmt.Sprintf("DELEGATECALL: the code at %s runs on %s's own storage and balance; it can rewrite the singleton (slot 0), owners, modules and guard, whatever the function looks like", to.Hex(), from.addr.Hex()))
		}
		defer func() {
			if c.Kind == KindCall && !delegateCallLibrary(c.Target) {
				c.Summary = "DELEGATECALL, not a call: " + c.Summary
			}
		}()
	}
	switch {
	case op == safe.Create:
		c.Kind = KindCreate
		c.Summary = fmt.Sprintf("deploy a contract (CREATE) from %d bytes of init code with %s wei", len(data), value)
		return c
	case len(data) == 0:
		c.Kind = KindEmpty
		if op == safe.DelegateCall {
			c.Summary = fmt.Sprintf("DELEGATECALL %s without data: its fallback code runs on %s's storage", s.label(to), s.label(from.addr))
		} else {
			c.Summary = fmt.Sprintf("send %s wei to %s", value, s.label(to))
		}
		return c
	case len(data) < 4:
		c.Kind = KindUnknown
		c.Summary = fmt.Sprintf("%d bytes of data, shorter than a function selector, to %s", len(data), s.label(to))
		c.Notes = append(c.Notes, "data shorter than 4 bytes reaches the target's fallback function")
		return c
	}
	c.Selector = "0x" + hex.EncodeToString(data[:4])
	def := s.resolve(c, from)
	if def == nil {
		c.Kind = KindUnknown
		c.Summary = fmt.Sprintf("unknown function %s on %s", c.Selector, s.label(to))
		return c
	}
	c.Interface, c.Function, c.Signature = def.iface, def.fn.name, def.fn.sig
	dec := abiDecoder{buf: data[4:], base: 4, budget: &s.budget}
	args, err := dec.tuple(def.fn.params, 0)
	if err != nil {
		s.fail(c, KindMalformed, "%s: arguments do not decode: %v", def.fn.sig, err)
		c.Summary = fmt.Sprintf("malformed %s call on %s", def.fn.name, s.label(to))
		return c
	}
	c.Kind, c.Args = KindCall, args
	if end := 4 + dec.end; end < len(data) {
		c.Trailing = data[end:len(data):len(data)]
		c.Notes = append(c.Notes, fmt.Sprintf("%d bytes after the arguments are ignored by a Solidity contract but reach the target", len(c.Trailing)))
	}
	if def.note != "" {
		c.Notes = append(c.Notes, def.note)
	}
	var kids []child
	if def.kids != nil {
		var err error
		kids, err = def.kids(s, c, exec)
		if err != nil {
			s.fail(c, KindMalformed, "%v", err)
		}
	}
	if def.sum != nil {
		c.Summary = def.sum(s, c)
	} else {
		c.Summary = s.defaultSummary(c)
	}
	if len(kids) > 0 && depth >= s.maxDepth {
		s.fail(c, "", "calls nested more than %d levels deep: the %d calls inside were not decoded", s.maxDepth, len(kids))
		return c
	}
	for i, k := range kids {
		n := s.decode(path+"."+strconv.Itoa(i), depth+1, k.from, k.to, k.value, k.data, k.op)
		n.Notes = append(k.notes, n.Notes...)
		c.Calls = append(c.Calls, n)
	}
	return c
}

// resolve finds the declaration that applies to c's selector: the Safe's
// own functions for a call to a Safe, the contract's for a known
// deployment, and otherwise the generic table (tokens, Multicall3, Safe
// libraries, …). It adds notes that qualify the match.
func (s *decodeState) resolve(c *DecodedCall, from account) *fnDef {
	var sel [4]byte
	copy(sel[:], c.Data[:4])
	toSelf := from.safe && c.To == from.addr
	toReviewed := s.d.Safe != (common.Address{}) && c.To == s.d.Safe
	if toSelf || toReviewed {
		v := s.d.Version
		if toSelf {
			v = from.version
		}
		c.SelfCall = toSelf && c.Operation == safe.Call
		if toSelf && c.Operation == safe.DelegateCall {
			c.Notes = append(c.Notes, "a DELEGATECALL from the Safe to its own address runs the singleton with the original caller as msg.sender: functions only the Safe may call revert")
		}
		def, other := safeFns.lookup(sel, v)
		if def == nil && other != nil {
			def = other
			c.Notes = append(c.Notes, fmt.Sprintf("%s is not a function of Safe %s: %s", other.fn.name, v.Core(), fallbackFate(v)))
		}
		if def == nil {
			if h, _ := handlerFns.lookup(sel, safe.Version{}); h != nil {
				c.Notes = append(c.Notes, fmt.Sprintf("not a Safe function: %s; decoded as %s.%s", fallbackFate(v), h.iface, h.fn.name))
				return h
			}
			if v.Known() {
				c.Notes = append(c.Notes, "not a function of the Safe: "+fallbackFate(v))
			}
			return nil
		}
		if def.auth && !c.SelfCall {
			c.Notes = append(c.Notes, fmt.Sprintf("only the Safe itself may call %s: from %s it reverts", def.fn.name, s.label(from.addr)))
		}
		return def
	}
	if t := c.Target; t.Contract != "" && t.CodeCheck != CodeMismatch {
		if tbl := contractFns[t.Contract]; tbl != nil {
			def, _ := tbl.lookup(sel, t.ver)
			if def == nil {
				c.Notes = append(c.Notes, fmt.Sprintf("not a function of %s %s", t.Contract, t.Version))
				return nil
			}
			if note := deploymentCallNote(t, c.Operation); note != "" {
				c.Notes = append(c.Notes, note)
			}
			return def
		}
	}
	def, _ := genericFns.lookup(sel, safe.Version{})
	return def
}

// delegateCallLibrary reports whether t is a known library written to be
// delegatecalled by a Safe.
func delegateCallLibrary(t Target) bool {
	if t.CodeCheck == CodeMismatch {
		return false
	}
	switch t.Role {
	case RoleMultiSend, RoleMultiSendCallOnly, RoleSignMessageLib, RoleCreateCall, RoleMigration, RoleSetupHelper, RoleSimulateTxAccessor:
		return true
	}
	return false
}

// fallbackFate says what a Safe of version v does with a call to a function
// it does not have.
func fallbackFate(v safe.Version) string {
	switch {
	case !v.Known():
		return "the Safe passes calls it does not implement to its fallback handler, if one is set"
	case v.Compare(safe.Version{Major: 1, Minor: 1}) < 0:
		return fmt.Sprintf("Safe %s has no fallback handler: its fallback function receives the call", v.Core())
	}
	return fmt.Sprintf("Safe %s passes the call to its fallback handler, if one is set (without one, nothing happens)", v.Core())
}

// deploymentCallNote explains how a known library behaves under op.
func deploymentCallNote(t Target, op safe.Operation) string {
	switch {
	case t.Role == RoleMultiSend && op == safe.Call:
		return "MultiSend reverts unless it is delegatecalled"
	case t.Role == RoleMultiSendCallOnly && op == safe.Call:
		return "MultiSendCallOnly is called, not delegatecalled: its calls come from the MultiSendCallOnly contract, not from the Safe"
	case (t.Role == RoleMigration || t.Role == RoleSimulateTxAccessor) && op == safe.Call:
		return t.Contract + " only works when delegatecalled: called directly it reverts"
	case (t.Role == RoleSignMessageLib || t.Role == RoleCreateCall) && op == safe.Call:
		return t.Contract + " is called, not delegatecalled: it acts for itself, not for the Safe"
	}
	return ""
}

// target describes c.To.
func (s *decodeState) target(c *DecodedCall) Target {
	if s.d.Safe != (common.Address{}) && c.To == s.d.Safe {
		return Target{Role: RoleThisSafe}
	}
	deps := s.reg.ByAddress(c.To)
	if len(deps) == 0 {
		if c.To == Multicall3Address {
			return Target{Role: RoleMulticall3, Contract: "Multicall3", CodeCheck: CodeNotPinned}
		}
		return Target{Role: RoleUnknown}
	}
	got, have := s.d.CodeHashes[c.To]
	if !have {
		return deps[0].target(CodeUnchecked)
	}
	for _, dep := range deps {
		if dep.CodeHash == got {
			return dep.target(CodeMatch)
		}
	}
	t := deps[0].target(CodeMismatch)
	t.Role = RoleUnknown
	c.Notes = append(c.Notes, fmt.Sprintf("the address is %s %s's (%s), but its code hash %s differs from the pinned %s: treated as unknown",
		t.Contract, t.Version, t.Deployment, got.Hex(), t.CodeHash.Hex()))
	return t
}

// label renders an address for a summary, with its role when known.
func (s *decodeState) label(a common.Address) string {
	if s.d.Safe != (common.Address{}) && a == s.d.Safe {
		return a.Hex() + " (the Safe)"
	}
	if deps := s.reg.ByAddress(a); len(deps) > 0 {
		return fmt.Sprintf("%s (%s %s)", a.Hex(), deps[0].Name, deps[0].Version.Core())
	}
	if a == Multicall3Address {
		return a.Hex() + " (Multicall3)"
	}
	return a.Hex()
}

func (s *decodeState) defaultSummary(c *DecodedCall) string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.Name + "=" + s.short(a.Value)
	}
	return fmt.Sprintf("%s.%s(%s) on %s", c.Interface, c.Function, strings.Join(parts, ", "), s.label(c.To))
}

// short renders a value for a summary line.
func (s *decodeState) short(v any) string {
	switch x := v.(type) {
	case common.Address:
		return x.Hex()
	case *big.Int:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case string:
		return safe.Quote(x)
	case []byte:
		if len(x) > 36 {
			return fmt.Sprintf("0x%s… (%d bytes)", hex.EncodeToString(x[:8]), len(x))
		}
		return "0x" + hex.EncodeToString(x)
	case []any:
		if len(x) > 4 {
			return fmt.Sprintf("[%d items]", len(x))
		}
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = s.short(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []Arg:
		parts := make([]string, len(x))
		for i, a := range x {
			parts[i] = s.short(a.Value)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprint(v)
}

// JSON encoding: addresses in EIP-55 form, integers as decimal strings,
// bytes as 0x-hex.

type jsonCall struct {
	Path          string     `json:"path"`
	From          string     `json:"from"`
	To            string     `json:"to"`
	Operation     uint8      `json:"operation"`
	OperationName string     `json:"operationName"`
	Value         string     `json:"value"`
	Data          string     `json:"data"`
	Kind          CallKind   `json:"kind"`
	Selector      string     `json:"selector,omitempty"`
	Interface     string     `json:"interface,omitempty"`
	Function      string     `json:"function,omitempty"`
	Signature     string     `json:"signature,omitempty"`
	Args          []jsonArg  `json:"args,omitempty"`
	Target        jsonTarget `json:"target"`
	SelfCall      bool       `json:"selfCall"`
	Summary       string     `json:"summary"`
	Notes         []string   `json:"notes,omitempty"`
	Error         string     `json:"error,omitempty"`
	Calls         []jsonCall `json:"calls,omitempty"`
}

type jsonArg struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// MarshalJSON encodes the call and the calls below it. The tree is
// converted to plain values first and encoded in one pass: nested
// Marshalers would make encoding/json re-validate every subtree at every
// level.
func (c *DecodedCall) MarshalJSON() ([]byte, error) {
	return json.Marshal(c.jsonTree(hexCache{}))
}

// hexCache memoises EIP-55 renderings (each costs a keccak256) while one
// tree is encoded.
type hexCache map[common.Address]string

func (h hexCache) hex(a common.Address) string {
	s, ok := h[a]
	if !ok {
		s = a.Hex()
		h[a] = s
	}
	return s
}

func (c *DecodedCall) jsonTree(h hexCache) jsonCall {
	v := c.Value
	if v == nil {
		v = new(big.Int)
	}
	out := jsonCall{
		Path: c.Path, From: h.hex(c.From), To: h.hex(c.To),
		Operation: uint8(c.Operation), OperationName: c.Operation.String(),
		Value: v.String(), Data: "0x" + hex.EncodeToString(c.Data),
		Kind: c.Kind, Selector: c.Selector, Interface: c.Interface, Function: c.Function, Signature: c.Signature,
		Args: jsonArgs(c.Args, h), Target: c.Target.jsonTarget(), SelfCall: c.SelfCall, Summary: c.Summary, Notes: c.Notes, Error: c.Error,
	}
	if len(c.Calls) > 0 {
		out.Calls = make([]jsonCall, len(c.Calls))
		for i, k := range c.Calls {
			out.Calls[i] = k.jsonTree(h)
		}
	}
	return out
}

func jsonArgs(args []Arg, h hexCache) []jsonArg {
	if args == nil {
		return nil
	}
	out := make([]jsonArg, len(args))
	for i, a := range args {
		out[i] = jsonArg{a.Name, a.Type, jsonValue(a.Value, h)}
	}
	return out
}

// MarshalJSON encodes the argument as {"name", "type", "value"}.
func (a Arg) MarshalJSON() ([]byte, error) {
	return json.Marshal(jsonArg{a.Name, a.Type, jsonValue(a.Value, hexCache{})})
}

func jsonValue(v any, h hexCache) any {
	switch x := v.(type) {
	case common.Address:
		return h.hex(x)
	case *big.Int:
		return x.String()
	case []byte:
		return "0x" + hex.EncodeToString(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = jsonValue(e, h)
		}
		return out
	case []Arg:
		return jsonArgs(x, h)
	}
	return v // bool
}
