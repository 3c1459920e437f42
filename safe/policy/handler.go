package policy

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/bulwark-sec/bulwark/safe/decode"
)

// Rules for calls to fallback handler contracts. A Safe's
// ExtensibleFallbackHandler keeps its settings (which contract verifies
// EIP-1271 signatures for a domain, which contract answers a selector,
// which interfaces the Safe declares) keyed by its caller, and its onlySelf
// check compares the caller with the last 20 bytes of the data, which the
// Safe appends when it forwards a call. A Safe that CALLs the handler
// directly with its own address appended passes that check: the call
// changes the Safe's own settings without looking like a self-call.

// CodeTrailingCalldata: a call to a fallback handler contract carries
// bytes after its arguments; the handler reads the last 20 of them as the
// account it acts for (medium).
const CodeTrailingCalldata = "TRAILING_CALLDATA"

// handlerSettings are the ExtensibleFallbackHandler functions that change
// what the handler does for the account that calls them.
var handlerSettings = map[string]bool{
	"setSafeMethod": true, "setDomainVerifier": true, "setSupportedInterface": true,
	"addSupportedInterfaceBatch": true, "removeSupportedInterfaceBatch": true,
}

// handlerInterfaces are the declarations of the Safe's fallback handlers.
var handlerInterfaces = map[string]bool{
	"ExtensibleFallbackHandler": true, "CompatibilityFallbackHandler": true, "TokenCallbackHandler": true, "DefaultCallbackHandler": true,
}

// toHandler reports whether c calls a fallback handler contract: a pinned
// deployment, or a target whose function decoded as a handler's.
func toHandler(c *decode.DecodedCall) bool {
	return c.Target.Role == decode.RoleFallbackHandler || handlerInterfaces[c.Interface]
}

// ruleHandlerSettings: a CALL of an ExtensibleFallbackHandler settings
// function on any contract other than the Safe (a direct call to the
// pinned handler, a MultiSendCallOnly entry, an unknown contract with the
// same function) is FALLBACK_HANDLER_CHANGE (high), as the self-call is.
func ruleHandlerSettings(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if !plainCall(c) || c.Kind != decode.KindCall || !handlerSettings[c.Function] || c.Interface != "ExtensibleFallbackHandler" {
		return nil
	}
	return []Finding{handlerSettingsFinding(p, env, c, false)}
}

// handlerSettingsFinding is FALLBACK_HANDLER_CHANGE for an
// ExtensibleFallbackHandler settings call c: the method, and the
// contracts it makes verify signatures or answer calls, checked against
// the address book. self is a call the Safe makes to itself (forwarded to
// its handler).
func handlerSettingsFinding(p Policy, env checkEnv, c *decode.DecodedCall, self bool) Finding {
	chain := env.d.ChainID
	account := c.From
	fields := []string{"method", c.Function, "account", account.Hex()}
	how := fmt.Sprintf("through the Safe %s, which forwards it to its fallback handler", c.To.Hex())
	if !self {
		handler := c.To.Hex()
		if c.Target.Contract != "" {
			handler += " (" + c.Target.Contract + " " + c.Target.Version + ")"
		}
		claimed := "no caller appended: the handler's onlySelf check reverts"
		if n := len(c.Trailing); n >= 20 {
			s := common.BytesToAddress(c.Trailing[n-20:])
			claimed = "the data ends with " + s.Hex()
			if s != account {
				claimed += ", not the caller: the handler's onlySelf check reverts"
			}
			fields = append(fields, "claimedSender", s.Hex())
		}
		how = fmt.Sprintf("by a direct CALL to the handler contract %s from %s (%s)", handler, account.Hex(), claimed)
		fields = append(fields, "handler", c.To.Hex())
	}
	var what string
	switch c.Function {
	case "setDomainVerifier":
		dom, _ := decode.ArgBytes(c, "domainSeparator")
		v, _ := decode.ArgAddr(c, "newVerifier")
		domain := fmt.Sprintf("domain separator 0x%x", dom)
		if name := knownDomain(chain, common.BytesToHash(dom)); name != "" {
			domain += " (" + name + ")"
			fields = append(fields, "domain", name)
		}
		fields = append(fields, "domainSeparator", fmt.Sprintf("0x%x", dom), "verifier", v.Hex(), "addressBook", p.bookField(chain, v))
		if v == (common.Address{}) {
			what = fmt.Sprintf("removes the EIP-1271 verifier of %s for %s", domain, account.Hex())
		} else {
			what = fmt.Sprintf("makes %s (%s) the EIP-1271 verifier of %s for %s: from then on that contract alone decides which signatures of this domain the account accepts — a hostile verifier approves any Permit2 permit or order it likes, and the tokens behind it move without an owner signature",
				v.Hex(), p.bookText(chain, v), domain, account.Hex())
		}
	case "setSafeMethod":
		sel, _ := decode.ArgBytes(c, "selector")
		m, _ := decode.ArgBytes(c, "newMethod")
		h, static := methodHandler(m)
		fields = append(fields, "selector", fmt.Sprintf("0x%x", sel), "contract", h.Hex(), "static", strconv.FormatBool(static), "addressBook", p.bookField(chain, h))
		if h == (common.Address{}) {
			what = fmt.Sprintf("removes the method that answers selector 0x%x for %s", sel, account.Hex())
		} else {
			what = fmt.Sprintf("routes calls of selector 0x%x on %s to %s (%s; %s): that contract then answers them for the account", sel, account.Hex(), h.Hex(), p.bookText(chain, h), staticText(static))
		}
	case "setSupportedInterface":
		id, _ := decode.ArgBytes(c, "interfaceId")
		on, _ := c.Arg("supported")
		fields = append(fields, "interfaceId", fmt.Sprintf("0x%x", id), "supported", fmt.Sprint(on.Value))
		what = fmt.Sprintf("sets whether %s declares ERC-165 interface 0x%x to %v", account.Hex(), id, on.Value)
	case "addSupportedInterfaceBatch":
		id, _ := decode.ArgBytes(c, "_interfaceId")
		a, _ := c.Arg("handlerWithSelectors")
		list, _ := a.Value.([]any)
		var routes []string
		for i, e := range list {
			w, _ := e.([]byte)
			if len(w) != 32 {
				continue
			}
			h, static := methodHandler(w)
			routes = append(routes, fmt.Sprintf("0x%x to %s (%s; %s)", w[7:11], h.Hex(), p.bookText(chain, h), staticText(static)))
			fields = append(fields, fmt.Sprintf("selector%d", i), fmt.Sprintf("0x%x", w[7:11]), fmt.Sprintf("contract%d", i), h.Hex(),
				fmt.Sprintf("contract%dAddressBook", i), p.bookField(chain, h))
		}
		fields = append(fields, "interfaceId", fmt.Sprintf("0x%x", id))
		what = fmt.Sprintf("declares interface 0x%x for %s and routes its selectors: %s", id, account.Hex(), strings.Join(routes, "; "))
	case "removeSupportedInterfaceBatch":
		id, _ := decode.ArgBytes(c, "_interfaceId")
		fields = append(fields, "interfaceId", fmt.Sprintf("0x%x", id))
		what = fmt.Sprintf("stops declaring interface 0x%x for %s and removes the methods of its selectors", id, account.Hex())
	}
	return finding(CodeFallbackHandlerChange, SeverityHigh, c,
		"%s changes the ExtensibleFallbackHandler's settings for %s, %s: it %s. The handler answers the calls the Safe does not implement and the EIP-1271 signature checks dApps take as the Safe's signature. Confirm the change and each contract out of band",
		c.Function, account.Hex(), how, what).With(fields...)
}

// methodHandler reads an ExtensibleFallbackHandler method word
// (MarshalLib): the contract in the low 20 bytes, static when the top
// byte is zero.
func methodHandler(w []byte) (common.Address, bool) {
	if len(w) != 32 {
		return common.Address{}, false
	}
	return common.BytesToAddress(w[12:]), w[0] == 0
}

func staticText(static bool) string {
	if static {
		return "called with STATICCALL"
	}
	return "called with CALL: it can change state"
}

var (
	eip712DomainNameChain = crypto.Keccak256Hash([]byte("EIP712Domain(string name,uint256 chainId,address verifyingContract)"))
	permit2Address        = common.HexToAddress("0x000000000022D473030F116dDEE9F6B43aC78BA3")
)

// knownDomain names an EIP-712 domain separator Bulwark can compute for
// the chain: Permit2's. "" when it is not one of them or the chain is not
// known.
func knownDomain(chain *big.Int, dom common.Hash) string {
	if chain == nil {
		return ""
	}
	enc := make([]byte, 0, 128)
	enc = append(enc, eip712DomainNameChain[:]...)
	enc = append(enc, crypto.Keccak256([]byte("Permit2"))...)
	enc = append(enc, common.BigToHash(chain).Bytes()...)
	enc = append(enc, common.LeftPadBytes(permit2Address[:], 32)...)
	if crypto.Keccak256Hash(enc) == dom {
		return "Permit2 " + permit2Address.Hex() + " on chain " + chain.String()
	}
	return ""
}

// ruleTrailingCalldata: bytes after the arguments of a CALL to a fallback
// handler contract are TRAILING_CALLDATA (medium): the handler takes the
// last 20 bytes as the account it acts for. Elsewhere they stay a note on
// the call.
func ruleTrailingCalldata(_ Policy, _ checkEnv, c *decode.DecodedCall) []Finding {
	if !plainCall(c) || c.Kind != decode.KindCall || len(c.Trailing) == 0 || !toHandler(c) {
		return nil
	}
	fields := []string{"trailingBytes", strconv.Itoa(len(c.Trailing)), "trailing", fmt.Sprintf("0x%x", c.Trailing)}
	claim := ""
	if n := len(c.Trailing); n >= 20 {
		s := common.BytesToAddress(c.Trailing[n-20:])
		claim = fmt.Sprintf(", so it acts for %s", s.Hex())
		fields = append(fields, "claimedSender", s.Hex())
	}
	return []Finding{finding(CodeTrailingCalldata, SeverityMedium, c,
		"%d bytes follow the arguments of %s on the fallback handler contract %s. A Safe appends its caller's address when it forwards a call to its handler, and the handler reads the last 20 bytes of the data as that caller%s: bytes a Safe transaction appends itself let it act as the handler's own Safe. Ask why they are there",
		len(c.Trailing), c.Function, c.To.Hex(), claim).With(fields...)}
}
