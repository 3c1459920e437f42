package decode

import (
	"fmt"
	"github.com/bulwark-sec/bulwark/safe"
	"math/big"
)

// The functions Bulwark decodes, declared by hand with parameter names.
// The Safe contracts' declarations are taken from the ABIs in
// @safe-global/safe-deployments 1.37.63 (1.0.0, 1.1.1, 1.2.0, 1.3.0, 1.4.1,
// 1.5.0) and the published contract artifacts; TestDeclarationsMatchABIs
// checks every declaration, its parameter names and its version range
// against those ABIs, both ways, so a typo or a missing function fails a
// test. Released versions without a pinned ABI are decoded with the
// nearest one: 0.1.0 with 1.0.0's, 1.1.0 with 1.1.1's, 1.4.0 with 1.4.1's.
// Token, Multicall3, WETH and Permit2 declarations are the standards'.

// fnDef declares one function.
type fnDef struct {
	decl  string // "name(type name,…)"
	since string // first version that has it ("" = every version)
	until string // last version that has it ("" = every later version)
	auth  bool   // a Safe function only the Safe itself may call
	kids  func(s *decodeState, c *DecodedCall, exec account) ([]child, error)
	sum   func(s *decodeState, c *DecodedCall) string
	note  string

	iface      string
	fn         *abiFunc
	lo, hi     safe.Version
	staticSize int // encoded size of the arguments if all are static, else -1
}

// covers reports whether the function exists in version v (every version
// when v is unknown).
func (f *fnDef) covers(v safe.Version) bool {
	if !v.Known() {
		return true
	}
	if v.Compare(v1_0_0) < 0 {
		v = v1_0_0 // 0.1.0: decoded with the 1.0.0 ABI
	}
	return (f.since == "" || v.Compare(f.lo) >= 0) && (f.until == "" || v.Compare(f.hi) <= 0)
}

// fnTable indexes declarations by selector.
type fnTable struct {
	iface string
	defs  []*fnDef
	bySel map[[4]byte][]*fnDef
}

// lookup returns the declaration of sel that exists in version v, or, when
// only other versions have one, that as other.
func (t *fnTable) lookup(sel [4]byte, v safe.Version) (match, other *fnDef) {
	defs := t.bySel[sel]
	for _, d := range defs {
		if d.covers(v) {
			return d, nil
		}
	}
	if len(defs) > 0 {
		return nil, defs[0]
	}
	return nil, nil
}

// table parses defs into a table for iface. Declarations that share a
// selector must have the same signature (per-version variants that only
// rename parameters) — anything else is a bug caught at init.
func table(iface string, defs ...fnDef) *fnTable {
	t := &fnTable{iface: iface, bySel: map[[4]byte][]*fnDef{}}
	for i := range defs {
		d := &defs[i]
		if d.iface == "" {
			d.iface = iface
		}
		fn, err := parseFunc(d.decl)
		if err != nil {
			panic("safe: " + err.Error())
		}
		d.fn = fn
		if d.since != "" {
			d.lo = mustParseVersion(d.since)
		}
		if d.until != "" {
			d.hi = mustParseVersion(d.until)
		}
		d.staticSize = 0
		for _, p := range fn.params {
			if p.typ.dyn {
				d.staticSize = -1
				break
			}
			d.staticSize += p.typ.head
		}
		for _, o := range t.bySel[fn.selector] {
			if o.fn.sig != fn.sig {
				panic(fmt.Sprintf("safe: selector collision in %s: %s and %s", iface, o.fn.sig, fn.sig))
			}
		}
		t.defs = append(t.defs, d)
		t.bySel[fn.selector] = append(t.bySel[fn.selector], d)
	}
	return t
}

// union merges tables for decoding calls to unknown targets: the first
// declaration of a selector wins.
func union(tables ...*fnTable) *fnTable {
	u := &fnTable{iface: "any", bySel: map[[4]byte][]*fnDef{}}
	for _, t := range tables {
		for _, d := range t.defs {
			if prev := u.bySel[d.fn.selector]; len(prev) > 0 {
				if prev[0].fn.sig != d.fn.sig {
					panic(fmt.Sprintf("safe: selector collision: %s.%s and %s.%s", prev[0].iface, prev[0].fn.sig, d.iface, d.fn.sig))
				}
				continue
			}
			u.defs = append(u.defs, d)
			u.bySel[d.fn.selector] = []*fnDef{d}
		}
	}
	return u
}

func mustParseVersion(s string) safe.Version {
	v, err := safe.ParseVersion("version", s)
	if err != nil {
		panic("safe: " + err.Error())
	}
	return v
}

// The Safe singleton (GnosisSafe, GnosisSafeL2, Safe, SafeL2: the L2
// contracts have the same functions).
// v1_0_0 is the first version whose ABI is pinned; 0.1.0 decodes with it.
var v1_0_0 = safe.Version{Major: 1}

var safeFns = table("Safe",
	fnDef{decl: "addOwnerWithThreshold(address owner,uint256 _threshold)", auth: true, sum: sumAddOwner},
	fnDef{decl: "removeOwner(address prevOwner,address owner,uint256 _threshold)", auth: true, sum: sumRemoveOwner},
	fnDef{decl: "swapOwner(address prevOwner,address oldOwner,address newOwner)", auth: true, sum: sumSwapOwner},
	fnDef{decl: "changeThreshold(uint256 _threshold)", auth: true, sum: sumThreshold},
	fnDef{decl: "enableModule(address module)", auth: true, sum: sumEnableModule},
	fnDef{decl: "disableModule(address prevModule,address module)", auth: true, sum: sumDisableModule},
	fnDef{decl: "changeMasterCopy(address _masterCopy)", until: "1.2.0", auth: true, sum: sumMasterCopy},
	fnDef{decl: "setFallbackHandler(address handler)", since: "1.1.0", auth: true, sum: sumFallbackHandler},
	fnDef{decl: "setGuard(address guard)", since: "1.3.0", auth: true, sum: sumGuard},
	fnDef{decl: "setModuleGuard(address moduleGuard)", since: "1.5.0", auth: true, sum: sumModuleGuard},
	fnDef{decl: "setup(address[] _owners,uint256 _threshold,address to,bytes data,address paymentToken,uint256 payment,address paymentReceiver)", until: "1.0.0", kids: setupKids, sum: sumSetup},
	fnDef{decl: "setup(address[] _owners,uint256 _threshold,address to,bytes data,address fallbackHandler,address paymentToken,uint256 payment,address paymentReceiver)", since: "1.1.0", kids: setupKids, sum: sumSetup},
	fnDef{decl: "execTransaction(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,bytes signatures)", kids: innerTxKids, sum: sumExecTransaction},
	fnDef{decl: "execTransactionFromModule(address to,uint256 value,bytes data,uint8 operation)", kids: innerTxKids, sum: sumExecFromModule},
	fnDef{decl: "execTransactionFromModuleReturnData(address to,uint256 value,bytes data,uint8 operation)", since: "1.1.0", kids: innerTxKids, sum: sumExecFromModule},
	fnDef{decl: "approveHash(bytes32 hashToApprove)", sum: sumApproveHash},
	fnDef{decl: "signMessage(bytes _data)", until: "1.2.0", auth: true, sum: sumSignMessage},
	fnDef{decl: "isValidSignature(bytes _data,bytes _signature)", until: "1.2.0"},
	fnDef{decl: "getMessageHash(bytes message)", until: "1.2.0"},
	fnDef{decl: "requiredTxGas(address to,uint256 value,bytes data,uint8 operation)", until: "1.3.0", kids: innerTxKids, note: "requiredTxGas always reverts: it only estimates gas"},
	fnDef{decl: "simulateAndRevert(address targetContract,bytes calldataPayload)", since: "1.3.0", kids: simulateKids, note: "simulateAndRevert always reverts: its effects are undone"},
	fnDef{decl: "encodeTransactionData(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 _nonce)", until: "1.4.1"},
	fnDef{decl: "getTransactionHash(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 _nonce)"},
	fnDef{decl: "DOMAIN_SEPARATOR_TYPEHASH()", until: "1.0.0"},
	fnDef{decl: "SENTINEL_MODULES()", until: "1.0.0"},
	fnDef{decl: "SENTINEL_OWNERS()", until: "1.0.0"},
	fnDef{decl: "SAFE_MSG_TYPEHASH()", until: "1.0.0"},
	fnDef{decl: "SAFE_TX_TYPEHASH()", until: "1.0.0"},
	fnDef{decl: "NAME()", until: "1.2.0"},
	fnDef{decl: "VERSION()"},
	fnDef{decl: "isOwner(address owner)"},
	fnDef{decl: "signedMessages(bytes32 messageHash)"},
	fnDef{decl: "approvedHashes(address owner,bytes32 hash)"},
	fnDef{decl: "nonce()"},
	fnDef{decl: "getOwners()"},
	fnDef{decl: "getModules()", until: "1.2.0"},
	fnDef{decl: "getModulesPaginated(address start,uint256 pageSize)", since: "1.1.0"},
	fnDef{decl: "getThreshold()"},
	fnDef{decl: "domainSeparator()"},
	fnDef{decl: "isModuleEnabled(address module)", since: "1.2.0"},
	fnDef{decl: "checkNSignatures(bytes32 dataHash,bytes data,bytes signatures,uint256 requiredSignatures)", since: "1.3.0"},
	fnDef{decl: "checkSignatures(bytes32 dataHash,bytes data,bytes signatures)", since: "1.3.0"},
	fnDef{decl: "checkNSignatures(address executor,bytes32 dataHash,bytes signatures,uint256 requiredSignatures)", since: "1.5.0"},
	fnDef{decl: "checkSignatures(address executor,bytes32 dataHash,bytes signatures)", since: "1.5.0"},
	fnDef{decl: "getChainId()", since: "1.3.0", until: "1.4.1"},
	fnDef{decl: "getStorageAt(uint256 offset,uint256 length)", since: "1.3.0"},
)

var (
	multiSendFns         = table("MultiSend", fnDef{decl: "multiSend(bytes transactions)", kids: multiSendKids, sum: sumBatch})
	multiSendCallOnlyFns = table("MultiSendCallOnly", fnDef{decl: "multiSend(bytes transactions)", kids: multiSendKids, sum: sumBatch})
	signMessageLibFns    = table("SignMessageLib",
		fnDef{decl: "signMessage(bytes _data)", sum: sumSignMessage},
		fnDef{decl: "getMessageHash(bytes message)"},
	)
	createCallFns = table("CreateCall",
		fnDef{decl: "performCreate(uint256 value,bytes deploymentData)", sum: sumCreate},
		fnDef{decl: "performCreate2(uint256 value,bytes deploymentData,bytes32 salt)", sum: sumCreate},
	)
	safeMigrationFns = table("SafeMigration",
		fnDef{decl: "migrateSingleton()", sum: sumMigrate("the Safe singleton")},
		fnDef{decl: "migrateWithFallbackHandler()", sum: sumMigrate("the Safe singleton and its fallback handler")},
		fnDef{decl: "migrateL2Singleton()", sum: sumMigrate("the SafeL2 singleton")},
		fnDef{decl: "migrateL2WithFallbackHandler()", sum: sumMigrate("the SafeL2 singleton and its fallback handler")},
		fnDef{decl: "MIGRATION_SINGLETON()"},
		fnDef{decl: "SAFE_SINGLETON()"},
		fnDef{decl: "SAFE_L2_SINGLETON()"},
		fnDef{decl: "SAFE_FALLBACK_HANDLER()"},
	)
	safeToL2MigrationFns = table("SafeToL2Migration",
		fnDef{decl: "migrateToL2(address l2Singleton)", sum: sumMigrateToL2},
		fnDef{decl: "migrateFromV111(address l2Singleton,address fallbackHandler)", sum: sumMigrateToL2},
		fnDef{decl: "MIGRATION_SINGLETON()"},
	)
	safeToL2SetupFns = table("SafeToL2Setup",
		fnDef{decl: "setupToL2(address l2Singleton)", sum: sumSetupToL2},
	)
	simulateTxAccessorFns = table("SimulateTxAccessor",
		fnDef{decl: "simulate(address to,uint256 value,bytes data,uint8 operation)", kids: innerTxKids, note: "simulate only estimates: the Safe reverts its effects"},
	)
	proxyFactoryFns = table("SafeProxyFactory",
		fnDef{decl: "createProxy(address masterCopy,bytes data)", until: "1.1.1", sum: sumCreateProxy},
		fnDef{decl: "createProxy(address singleton,bytes data)", since: "1.3.0", until: "1.3.0", sum: sumCreateProxy},
		fnDef{decl: "createProxyWithNonce(address _mastercopy,bytes initializer,uint256 saltNonce)", until: "1.1.1", sum: sumCreateProxy},
		fnDef{decl: "createProxyWithNonce(address _singleton,bytes initializer,uint256 saltNonce)", since: "1.3.0", sum: sumCreateProxy},
		fnDef{decl: "createProxyWithCallback(address _mastercopy,bytes initializer,uint256 saltNonce,address callback)", since: "1.1.0", until: "1.1.1", sum: sumCreateProxy},
		fnDef{decl: "createProxyWithCallback(address _singleton,bytes initializer,uint256 saltNonce,address callback)", since: "1.3.0", until: "1.4.1", sum: sumCreateProxy},
		fnDef{decl: "calculateCreateProxyWithNonceAddress(address _mastercopy,bytes initializer,uint256 saltNonce)", since: "1.1.0", until: "1.1.1"},
		fnDef{decl: "calculateCreateProxyWithNonceAddress(address _singleton,bytes initializer,uint256 saltNonce)", since: "1.3.0", until: "1.3.0"},
		fnDef{decl: "createChainSpecificProxyWithNonce(address _singleton,bytes initializer,uint256 saltNonce)", since: "1.4.1", sum: sumCreateProxy},
		fnDef{decl: "createProxyWithNonceL2(address _singleton,bytes initializer,uint256 saltNonce)", since: "1.5.0", sum: sumCreateProxy},
		fnDef{decl: "createChainSpecificProxyWithNonceL2(address _singleton,bytes initializer,uint256 saltNonce)", since: "1.5.0", sum: sumCreateProxy},
		fnDef{decl: "getChainId()", since: "1.4.1"},
		fnDef{decl: "proxyCreationCode()"},
		fnDef{decl: "proxyRuntimeCode()", until: "1.3.0"},
	)
)

// Fallback handlers: contracts a Safe forwards the calls it does not
// implement to.
func tokenCallbacks() []fnDef {
	return []fnDef{
		{decl: "onERC1155Received(address operator,address from,uint256 id,uint256 value,bytes data)"},
		{decl: "onERC1155BatchReceived(address operator,address from,uint256[] ids,uint256[] values,bytes data)"},
		{decl: "onERC721Received(address operator,address from,uint256 tokenId,bytes data)"},
		{decl: "tokensReceived(address operator,address from,address to,uint256 amount,bytes userData,bytes operatorData)"},
	}
}

var (
	defaultCallbackHandlerFns = table("DefaultCallbackHandler", append(tokenCallbacks(),
		fnDef{decl: "NAME()"},
		fnDef{decl: "VERSION()"},
	)...)
	compatibilityFallbackHandlerFns = table("CompatibilityFallbackHandler", append(tokenCallbacks(),
		fnDef{decl: "NAME()", until: "1.3.0"},
		fnDef{decl: "VERSION()", until: "1.3.0"},
		fnDef{decl: "getMessageHash(bytes message)"},
		fnDef{decl: "getMessageHashForSafe(address safe,bytes message)"},
		fnDef{decl: "encodeMessageDataForSafe(address safe,bytes message)", since: "1.4.1"},
		fnDef{decl: "getModules()"},
		fnDef{decl: "isValidSignature(bytes32 _dataHash,bytes _signature)"},
		fnDef{decl: "isValidSignature(bytes _data,bytes _signature)", until: "1.4.1"},
		fnDef{decl: "simulate(address targetContract,bytes calldataPayload)", note: "simulate runs the payload through simulateAndRevert: its effects are undone"},
		fnDef{decl: "supportsInterface(bytes4 interfaceId)"},
		fnDef{decl: "encodeTransactionData(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)", since: "1.5.0"},
	)...)
	extensibleFallbackHandlerFns = table("ExtensibleFallbackHandler", append([]fnDef{
		{decl: "setSafeMethod(bytes4 selector,bytes32 newMethod)", auth: true, sum: sumSetSafeMethod},
		{decl: "setDomainVerifier(bytes32 domainSeparator,address newVerifier)", auth: true, sum: sumSetDomainVerifier},
		{decl: "setSupportedInterface(bytes4 interfaceId,bool supported)", auth: true},
		{decl: "addSupportedInterfaceBatch(bytes4 _interfaceId,bytes32[] handlerWithSelectors)", auth: true, sum: sumInterfaceBatch},
		{decl: "removeSupportedInterfaceBatch(bytes4 _interfaceId,bytes4[] selectors)", auth: true},
		{decl: "domainVerifiers(address safe,bytes32 domainSeparator)"},
		{decl: "safeInterfaces(address safe,bytes4 interfaceId)"},
		{decl: "safeMethods(address safe,bytes4 selector)"},
		{decl: "isValidSignature(bytes32 _hash,bytes signature)"},
		{decl: "supportsInterface(bytes4 interfaceId)"},
	}, tokenCallbacks()[:3]...)...)
	tokenCallbackHandlerFns = table("TokenCallbackHandler", append(tokenCallbacks(),
		fnDef{decl: "supportsInterface(bytes4 interfaceId)"},
	)...)

	// handlerFns decodes a call to a Safe that the Safe does not implement
	// itself and forwards to its fallback handler.
	handlerFns = union(extensibleFallbackHandlerFns, compatibilityFallbackHandlerFns, tokenCallbackHandlerFns, defaultCallbackHandlerFns)
)

// Standards and well-known contracts.
var (
	tokenFns = table("ERC-20",
		fnDef{decl: "transfer(address to,uint256 amount)", sum: sumTransfer},
		fnDef{decl: "transferFrom(address from,address to,uint256 amountOrTokenId)", iface: "ERC-20/ERC-721", sum: sumTransferFrom},
		fnDef{decl: "approve(address spender,uint256 amountOrTokenId)", iface: "ERC-20/ERC-721", sum: sumApprove},
		fnDef{decl: "increaseAllowance(address spender,uint256 addedValue)", sum: sumAllowance("raise", "addedValue")},
		fnDef{decl: "decreaseAllowance(address spender,uint256 subtractedValue)", sum: sumAllowance("lower", "subtractedValue")},
		fnDef{decl: "permit(address owner,address spender,uint256 value,uint256 deadline,uint8 v,bytes32 r,bytes32 s)", iface: "ERC-2612", sum: sumPermit},
		fnDef{decl: "safeTransferFrom(address from,address to,uint256 tokenId)", iface: "ERC-721", sum: sumNFTTransfer},
		fnDef{decl: "safeTransferFrom(address from,address to,uint256 tokenId,bytes data)", iface: "ERC-721", sum: sumNFTTransfer},
		fnDef{decl: "setApprovalForAll(address operator,bool approved)", iface: "ERC-721/ERC-1155", sum: sumApprovalForAll},
		fnDef{decl: "safeTransferFrom(address from,address to,uint256 id,uint256 amount,bytes data)", iface: "ERC-1155", sum: sumERC1155Transfer},
		fnDef{decl: "safeBatchTransferFrom(address from,address to,uint256[] ids,uint256[] amounts,bytes data)", iface: "ERC-1155", sum: sumERC1155Batch},
		fnDef{decl: "deposit()", iface: "WETH"},
		fnDef{decl: "withdraw(uint256 wad)", iface: "WETH"},
		fnDef{decl: "approve(address token,address spender,uint160 amount,uint48 expiration)", iface: "Permit2", sum: sumPermit2Approve},
		fnDef{decl: "permit(address owner,((address token,uint160 amount,uint48 expiration,uint48 nonce) details,address spender,uint256 sigDeadline) permitSingle,bytes signature)", iface: "Permit2", sum: sumPermit2Permit},
		fnDef{decl: "permit(address owner,((address token,uint160 amount,uint48 expiration,uint48 nonce)[] details,address spender,uint256 sigDeadline) permitBatch,bytes signature)", iface: "Permit2", sum: sumPermit2Permit},
		fnDef{decl: "permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed,uint8 v,bytes32 r,bytes32 s)", iface: "DAI permit", sum: sumDAIPermit},
		fnDef{decl: "transferFrom(address from,address to,uint160 amount,address token)", iface: "Permit2", sum: sumPermit2Transfer},
		fnDef{decl: "transferFrom((address from,address to,uint160 amount,address token)[] transferDetails)", iface: "Permit2", sum: sumPermit2TransferBatch},
	)
	multicall3Fns = table("Multicall3",
		fnDef{decl: "aggregate((address target,bytes callData)[] calls)", kids: multicallKids, sum: sumBatch},
		fnDef{decl: "aggregate3((address target,bool allowFailure,bytes callData)[] calls)", kids: multicallKids, sum: sumBatch},
		fnDef{decl: "aggregate3Value((address target,bool allowFailure,uint256 value,bytes callData)[] calls)", kids: multicallKids, sum: sumBatch},
		fnDef{decl: "blockAndAggregate((address target,bytes callData)[] calls)", kids: multicallKids, sum: sumBatch},
		fnDef{decl: "tryAggregate(bool requireSuccess,(address target,bytes callData)[] calls)", kids: multicallKids, sum: sumBatch},
		fnDef{decl: "tryBlockAndAggregate(bool requireSuccess,(address target,bytes callData)[] calls)", kids: multicallKids, sum: sumBatch},
	)
)

// contractFns maps safe-deployments contract names (and "Multicall3") to
// the functions of a call to that contract.
var contractFns = map[string]*fnTable{
	"GnosisSafe":                   safeFns,
	"GnosisSafeL2":                 safeFns,
	"Safe":                         safeFns,
	"SafeL2":                       safeFns,
	"MultiSend":                    multiSendFns,
	"MultiSendCallOnly":            multiSendCallOnlyFns,
	"SignMessageLib":               signMessageLibFns,
	"CreateCall":                   createCallFns,
	"SafeMigration":                safeMigrationFns,
	"SafeToL2Migration":            safeToL2MigrationFns,
	"SafeToL2Setup":                safeToL2SetupFns,
	"SimulateTxAccessor":           simulateTxAccessorFns,
	"ProxyFactory":                 proxyFactoryFns,
	"GnosisSafeProxyFactory":       proxyFactoryFns,
	"SafeProxyFactory":             proxyFactoryFns,
	"CompatibilityFallbackHandler": compatibilityFallbackHandlerFns,
	"DefaultCallbackHandler":       defaultCallbackHandlerFns,
	"ExtensibleFallbackHandler":    extensibleFallbackHandlerFns,
	"TokenCallbackHandler":         tokenCallbackHandlerFns,
	"Multicall3":                   multicall3Fns,
}

// genericFns decodes calls to targets Bulwark does not know: what the
// selector means if the target implements the standard function. Order
// sets precedence where two declare the same signature.
var genericFns = union(tokenFns, controlFns, timelockFns, multicall3Fns, multiSendFns, signMessageLibFns, safeMigrationFns,
	safeToL2MigrationFns, safeToL2SetupFns, createCallFns, simulateTxAccessorFns, safeFns, proxyFactoryFns, extensibleFallbackHandlerFns)

// maxUint256 renders "unlimited" approvals.
func amount(n *big.Int) string {
	if n.Cmp(safe.MaxUint256) == 0 {
		return "an unlimited amount (2^256-1)"
	}
	return n.String() + " base units"
}
