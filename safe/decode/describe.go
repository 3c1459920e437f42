package decode

import (
	"fmt"
	"github.com/bulwark-sec/bulwark"
	"math/big"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/ethereum/go-ethereum/common"
)

// One-line summaries of decoded calls. Addresses are printed in full (with
// their role when Bulwark knows it): a signer compares every digit.

func (s *decodeState) addrArg(c *DecodedCall, name string) string {
	a, _ := ArgAddr(c, name)
	return s.label(a)
}

func sumAddOwner(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("add owner %s and set the threshold to %s", s.addrArg(c, "owner"), ArgUint(c, "_threshold"))
}

func sumRemoveOwner(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("remove owner %s and set the threshold to %s", s.addrArg(c, "owner"), ArgUint(c, "_threshold"))
}

func sumSwapOwner(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("replace owner %s with %s", s.addrArg(c, "oldOwner"), s.addrArg(c, "newOwner"))
}

func sumThreshold(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("set the threshold to %s", ArgUint(c, "_threshold"))
}

func sumEnableModule(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("enable module %s: a module can execute any transaction from the Safe without owner signatures", s.addrArg(c, "module"))
}

func sumDisableModule(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("disable module %s", s.addrArg(c, "module"))
}

func sumMasterCopy(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("replace the Safe's singleton (master copy, storage slot 0) with %s: that code then controls the Safe", s.addrArg(c, "_masterCopy"))
}

func setOrRemove(s *decodeState, c *DecodedCall, arg, what, consequence string) string {
	a, _ := ArgAddr(c, arg)
	if a == (common.Address{}) {
		return "remove the " + what
	}
	return fmt.Sprintf("set the %s to %s%s", what, s.label(a), consequence)
}

func sumFallbackHandler(s *decodeState, c *DecodedCall) string {
	return setOrRemove(s, c, "handler", "fallback handler", ": it answers every call the Safe does not implement, including EIP-1271 signature checks")
}

func sumGuard(s *decodeState, c *DecodedCall) string {
	return setOrRemove(s, c, "guard", "transaction guard", ": it can block every later transaction (a broken guard locks the Safe)")
}

func sumModuleGuard(s *decodeState, c *DecodedCall) string {
	return setOrRemove(s, c, "moduleGuard", "module guard", ": it checks every module transaction")
}

func sumSetup(s *decodeState, c *DecodedCall) string {
	owners := 0
	if a, ok := c.Arg("_owners"); ok {
		if l, ok := a.Value.([]any); ok {
			owners = len(l)
		}
	}
	return fmt.Sprintf("set up a Safe with %s and threshold %s (reverts on a Safe that is already set up)", plural(owners, "owner"), ArgUint(c, "_threshold"))
}

func sumExecTransaction(s *decodeState, c *DecodedCall) string {
	to, _ := ArgAddr(c, "to")
	return fmt.Sprintf("execute a transaction of Safe %s, if its owners' signatures are valid: %s %s with %s wei",
		s.label(c.To), safe.Operation(ArgUint(c, "operation").Uint64()), s.label(to), ArgUint(c, "value"))
}

func sumExecFromModule(s *decodeState, c *DecodedCall) string {
	to, _ := ArgAddr(c, "to")
	return fmt.Sprintf("as a module of Safe %s, make it %s %s with %s wei (no owner signatures)",
		s.label(c.To), safe.Operation(ArgUint(c, "operation").Uint64()), s.label(to), ArgUint(c, "value"))
}

func sumApproveHash(s *decodeState, c *DecodedCall) string {
	h, _ := ArgBytes(c, "hashToApprove")
	return fmt.Sprintf("%s approves Safe transaction hash 0x%x on %s (its signature, if it is an owner there)", s.label(c.From), h, s.label(c.To))
}

// sumSignMessage describes signMessage, with the SafeMessage hash it marks
// as signed when the Safe's domain is known.
func sumSignMessage(s *decodeState, c *DecodedCall) string {
	data, _ := ArgBytes(c, "_data")
	signer := c.To
	if c.Operation == safe.DelegateCall {
		signer = c.From
	}
	out := fmt.Sprintf("mark a %d-byte message as signed by %s (EIP-1271: dApps then accept it as the Safe's signature)", len(data), s.label(signer))
	if signer == s.d.Safe && s.d.Version.Known() && (!s.d.Version.DomainHasChainID() || s.d.ChainID != nil) {
		if h, err := (safe.Domain{ChainID: s.d.ChainID, Safe: signer, Version: s.d.Version}).HashSafeMessage(data); err == nil {
			out += "; safeMessageHash " + h.SafeMessageHash.Hex()
		}
	}
	return out
}

func sumBatch(s *decodeState, c *DecodedCall) string {
	n := 0
	if a, ok := c.Arg("calls"); ok {
		l, _ := a.Value.([]any)
		n = len(l)
	} else if b, ok := ArgBytes(c, "transactions"); ok {
		txs, _ := unpackMultiSend(b)
		n = len(txs)
	}
	return fmt.Sprintf("%s batch of %s via %s", c.Function, plural(n, "call"), s.label(c.To))
}

func sumCreate(s *decodeState, c *DecodedCall) string {
	code, _ := ArgBytes(c, "deploymentData")
	return fmt.Sprintf("deploy a contract from %d bytes of init code with %s wei (%s)", len(code), ArgUint(c, "value"), c.Function)
}

func sumMigrate(what string) func(*decodeState, *DecodedCall) string {
	return func(s *decodeState, c *DecodedCall) string {
		return fmt.Sprintf("migrate the Safe to %s pinned in %s %s: rewrites the singleton (storage slot 0)", what, c.Target.Contract, c.Target.Version)
	}
}

func sumMigrateToL2(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("migrate the Safe to the L2 singleton %s: rewrites the singleton (storage slot 0)", s.addrArg(c, "l2Singleton"))
}

func sumSetupToL2(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("during setup, switch the Safe to the L2 singleton %s on chains other than Ethereum mainnet", s.addrArg(c, "l2Singleton"))
}

func sumCreateProxy(s *decodeState, c *DecodedCall) string {
	singleton := c.Args[0].Value.(common.Address)
	return fmt.Sprintf("create a Safe proxy for singleton %s (%s)", s.label(singleton), c.Function)
}

func sumSetSafeMethod(s *decodeState, c *DecodedCall) string {
	sel, _ := ArgBytes(c, "selector")
	m, _ := ArgBytes(c, "newMethod")
	return fmt.Sprintf("route calls of selector 0x%x on the Safe to handler method 0x%x (ExtensibleFallbackHandler)", sel, m)
}

func sumSetDomainVerifier(s *decodeState, c *DecodedCall) string {
	d, _ := ArgBytes(c, "domainSeparator")
	return fmt.Sprintf("let %s verify EIP-1271 signatures of the Safe for domain 0x%x", s.addrArg(c, "newVerifier"), d)
}

func sumInterfaceBatch(s *decodeState, c *DecodedCall) string {
	id, _ := ArgBytes(c, "_interfaceId")
	return fmt.Sprintf("declare interface 0x%x and route its methods to handlers (ExtensibleFallbackHandler)", id)
}

func sumTransfer(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("transfer %s of token %s to %s", amount(ArgUint(c, "amount")), s.label(c.To), s.addrArg(c, "to"))
}

func sumTransferFrom(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("move %s (an ERC-20 amount in base units, or an ERC-721 token id) of token %s from %s to %s",
		ArgUint(c, "amountOrTokenId"), s.label(c.To), s.addrArg(c, "from"), s.addrArg(c, "to"))
}

func sumApprove(s *decodeState, c *DecodedCall) string {
	n := ArgUint(c, "amountOrTokenId")
	out := fmt.Sprintf("allow %s to spend %s of token %s", s.addrArg(c, "spender"), amount(n), s.label(c.To))
	if n.Cmp(safe.MaxUint256) != 0 {
		out += fmt.Sprintf(" (for an ERC-721: approve token id %s)", n)
	}
	return out
}

func sumAllowance(verb, arg string) func(*decodeState, *DecodedCall) string {
	return func(s *decodeState, c *DecodedCall) string {
		return fmt.Sprintf("%s the allowance of %s on token %s by %s", verb, s.addrArg(c, "spender"), s.label(c.To), amount(ArgUint(c, arg)))
	}
}

func sumNFTTransfer(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("transfer NFT #%s of %s from %s to %s", ArgUint(c, "tokenId"), s.label(c.To), s.addrArg(c, "from"), s.addrArg(c, "to"))
}

func sumApprovalForAll(s *decodeState, c *DecodedCall) string {
	if a, _ := c.Arg("approved"); a.Value == true {
		return fmt.Sprintf("allow operator %s to move EVERY token of collection %s that the sender holds", s.addrArg(c, "operator"), s.label(c.To))
	}
	return fmt.Sprintf("revoke operator %s on collection %s", s.addrArg(c, "operator"), s.label(c.To))
}

func sumERC1155Transfer(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("transfer %s of token id %s of %s from %s to %s", ArgUint(c, "amount"), ArgUint(c, "id"), s.label(c.To), s.addrArg(c, "from"), s.addrArg(c, "to"))
}

func sumERC1155Batch(s *decodeState, c *DecodedCall) string {
	a, _ := c.Arg("ids")
	ids, _ := a.Value.([]any)
	return fmt.Sprintf("transfer %s of %s from %s to %s", plural(len(ids), "token id"), s.label(c.To), s.addrArg(c, "from"), s.addrArg(c, "to"))
}

func sumPermit2Approve(s *decodeState, c *DecodedCall) string {
	n := ArgUint(c, "amount")
	if n.Cmp(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 160), big.NewInt(1))) == 0 {
		return fmt.Sprintf("allow %s to spend an unlimited amount (2^160-1) of token %s through Permit2 until %s", s.addrArg(c, "spender"), s.addrArg(c, "token"), ArgUint(c, "expiration"))
	}
	return fmt.Sprintf("allow %s to spend %s base units of token %s through Permit2 until %s", s.addrArg(c, "spender"), n, s.addrArg(c, "token"), ArgUint(c, "expiration"))
}

func sumPermit2Transfer(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("move %s base units of token %s from %s to %s through Permit2 (on an allowance %s gave the caller)",
		ArgUint(c, "amount"), s.addrArg(c, "token"), s.addrArg(c, "from"), s.addrArg(c, "to"), s.addrArg(c, "from"))
}

func sumPermit2TransferBatch(_ *decodeState, c *DecodedCall) string {
	a, _ := c.Arg("transferDetails")
	list, _ := a.Value.([]any)
	return fmt.Sprintf("move tokens through Permit2 in %s (on allowances their owners gave the caller)", plural(len(list), "transfer"))
}

// plural is bulwark.Plural for nouns whose plural adds an "s".
func plural(n int, noun string) string { return bulwark.Plural(n, noun, noun+"s") }

func sumPermit(s *decodeState, c *DecodedCall) string {
	return fmt.Sprintf("submit a signed permit: %s allows %s to spend %s of token %s (deadline %s)",
		s.addrArg(c, "owner"), s.addrArg(c, "spender"), amount(ArgUint(c, "value")), s.label(c.To), ArgUint(c, "deadline"))
}

func sumDAIPermit(s *decodeState, c *DecodedCall) string {
	if a, _ := c.Arg("allowed"); a.Value == true {
		return fmt.Sprintf("submit a signed DAI-style permit: %s allows %s to spend an unlimited amount of token %s (expiry %s)",
			s.addrArg(c, "holder"), s.addrArg(c, "spender"), s.label(c.To), ArgUint(c, "expiry"))
	}
	return fmt.Sprintf("submit a signed DAI-style permit: %s revokes the allowance of %s on token %s", s.addrArg(c, "holder"), s.addrArg(c, "spender"), s.label(c.To))
}

func sumPermit2Permit(s *decodeState, c *DecodedCall) string {
	as := Approvals(c)
	owner, _ := ArgAddr(c, "owner")
	if len(as) == 1 {
		a := as[0]
		return fmt.Sprintf("submit a signed Permit2 permit: %s allows %s to spend %s of token %s through Permit2 until %s",
			s.label(owner), s.label(a.Spender), permit2Amount(a.Amount), s.label(a.Token), a.Expiration)
	}
	spender := "?"
	if len(as) > 0 {
		spender = s.label(as[0].Spender)
	}
	return fmt.Sprintf("submit a signed Permit2 batch permit: %s allows %s to spend %s through Permit2", s.label(owner), spender, plural(len(as), "token"))
}

func permit2Amount(n *big.Int) string {
	if n.Cmp(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 160), big.NewInt(1))) == 0 {
		return "an unlimited amount (2^160-1)"
	}
	return n.String() + " base units"
}
