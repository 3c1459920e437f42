package policy

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// Rules for calls that hand over control of a contract (ownership, proxy
// upgrades and admins, AccessControl roles) and for token allowances. They
// apply to CALLs from the Safe and from the accounts below it (a batch's
// calls); the same data sent by DELEGATECALL is DELEGATECALL_SELECTOR_MISMATCH.

// bookText says whether a is in the address book, for a finding's message.
func (p Policy) bookText(chainID *big.Int, a common.Address) string {
	switch e, ok := p.AddressBook.Lookup(chainID, a); {
	case a == (common.Address{}):
		return "the zero address"
	case ok:
		return "in the address book as " + e.String()
	case p.AddressBook == nil:
		return "no address book was given to check it against"
	}
	return "NOT in the address book"
}

// bookField is the "addressBook" field of a finding about a: the entry's
// label with the address next to it ("Bob (0x3Cc3…)": a label alone
// could pass for another's), "not listed", or "no address book".
func (p Policy) bookField(chainID *big.Int, a common.Address) string {
	switch e, ok := p.AddressBook.Lookup(chainID, a); {
	case ok:
		return labelWithAddress(e)
	case p.AddressBook == nil:
		return "no address book"
	}
	return "not listed"
}

// labelWithAddress is e's label and address: "Bob (0x3Cc3…)".
func labelWithAddress(e AddressEntry) string {
	return e.Label + " (" + e.Address.Hex() + ")"
}

func kindsText(e AddressEntry) string {
	ks := make([]string, len(e.Kinds))
	for i, k := range e.Kinds {
		ks[i] = string(k)
	}
	return strings.Join(ks, ",")
}

func ruleControl(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if !plainCall(c) {
		return nil
	}
	ch, ok := decode.Control(c)
	if !ok {
		return nil
	}
	chain := env.d.ChainID
	contract := ch.Contract.Hex()
	if e, ok := p.AddressBook.Lookup(chain, ch.Contract); ok {
		contract += fmt.Sprintf(" (%q)", e.Label)
	}
	holder, holderBook, holderField := "", "", map[decode.ControlKind]string{
		decode.ControlOwnership: "newOwner", decode.ControlUpgrade: "newImplementation", decode.ControlAdmin: "newAdmin",
		decode.ControlRoleGrant: "account", decode.ControlRoleRevoke: "account", decode.ControlAddress: "newAddress"}[ch.Kind]
	fields := []string{"contract", ch.Contract.Hex()}
	if ch.Holder != nil {
		holder, holderBook = ch.Holder.Hex(), p.bookText(chain, *ch.Holder)
		fields = append(fields, holderField, holder, "addressBook", p.bookField(chain, *ch.Holder))
	}
	if ch.Role != "" {
		fields = append(fields, "role", ch.Role)
	}
	confirm := " Confirm the address and the reason out of band with someone other than the proposer."
	switch ch.Kind {
	case decode.ControlOwnership:
		switch {
		case ch.Accept:
			return []Finding{finding(CodeOwnershipTransfer, SeverityMedium, c,
				"the account %s accepts the pending ownership of %s: it becomes the contract's owner. Check that this account is meant to own it", holder, contract).With(fields...)}
		case ch.Renounce:
			return []Finding{finding(CodeOwnershipTransfer, SeverityHigh, c,
				"%s on %s: the contract is left without an owner for good, and what only its owner may do (upgrades, pausing, parameters, rescuing funds) can never be done again.%s", ch.Action, contract, confirm).With(fields...)}
		}
		if c.Function == "nominateNewOwner" {
			return []Finding{finding(CodeOwnershipTransfer, SeverityHigh, c,
				"nominates %s (%s) as the new owner of %s: once it calls acceptOwnership it owns the contract and can do everything the contract lets its owner do — upgrade it, pause it, change its parameters, move what it holds.%s",
				holder, holderBook, contract, confirm).With(fields...)}
		}
		return []Finding{finding(CodeOwnershipTransfer, SeverityHigh, c,
			"transfers ownership of %s to %s (%s): the new owner can do everything the contract lets its owner do — upgrade it, pause it, change its parameters, move what it holds. Handing a protocol's contracts to an attacker's address this way is how Radiant lost its lending pools.%s",
			contract, holder, holderBook, confirm).With(fields...)}
	case decode.ControlUpgrade:
		if ch.Facets != nil {
			return []Finding{diamondCutFinding(p, chain, c, ch, contract, confirm)}
		}
		if ch.ID != "" {
			fields = append(fields, "id", ch.ID)
			contract = fmt.Sprintf("the Aave market's %s proxy held by PoolAddressesProvider %s", ch.ID, contract)
		}
		with := ""
		if c.Signature == "upgradeTo(address)" {
			with = fmt.Sprintf("; if %s is an UpgradeableBeacon, every beacon proxy that points at it runs the new code at once", ch.Contract.Hex())
		}
		if ch.WithCall {
			with = ", which is then run at once with data chosen by the proposer"
			if c.Function == "upgradeToAndCall" || c.Function == "upgradeAndCall" {
				with = upgradeCallText(c)
			}
		}
		return []Finding{finding(CodeProxyUpgrade, SeverityHigh, c,
			"%s (%s): the code of %s is replaced by the code at %s (%s)%s. The new code decides everything the contract does with what it holds; get its source and audit, and check that it is the implementation your team deployed.%s",
			c.Function, ch.Action, contract, holder, holderBook, with, confirm).With(fields...)}
	case decode.ControlAdmin:
		if ch.Accept {
			return []Finding{finding(CodeAdminChange, SeverityMedium, c,
				"the account %s accepts the pending admin role of %s: it becomes the contract's admin. Check that this account is meant to administer it", holder, contract).With(fields...)}
		}
		if ch.ID != "" {
			fields = append(fields, "id", ch.ID)
			return []Finding{finding(CodeAdminChange, SeverityHigh, c,
				"%s (%s) on %s: the %s becomes %s (%s). It decides who may list assets, change risk parameters, pause the market and upgrade it.%s",
				c.Function, ch.Action, contract, ch.HolderIs, holder, holderBook, confirm).With(fields...)}
		}
		return []Finding{finding(CodeAdminChange, SeverityHigh, c,
			"%s (%s) on %s: the new admin is %s (%s). The admin can upgrade the contract (replace its code) or change what only the admin may change.%s",
			c.Function, ch.Action, contract, holder, holderBook, confirm).With(fields...)}
	case decode.ControlRoleGrant:
		more := ""
		if ch.AdminRole {
			more = " DEFAULT_ADMIN_ROLE administers every other role: its holder can grant itself any of them."
		}
		return []Finding{finding(CodeRoleGrant, SeverityHigh, c,
			"grants role %s on %s to %s (%s): the holder can call every function that role guards.%s%s",
			ch.Role, contract, holder, holderBook, more, confirm).With(fields...)}
	case decode.ControlRoleRevoke:
		sev, more := SeverityMedium, ""
		if ch.AdminRole {
			sev, more = SeverityHigh, " It is DEFAULT_ADMIN_ROLE: if no one else holds it, nobody can grant or revoke roles on this contract any more."
		}
		return []Finding{finding(CodeRoleRevoke, sev, c,
			"%s %s on %s: %s (%s) loses it.%s", ch.Action, ch.Role, contract, holder, holderBook, more).With(fields...)}
	case decode.ControlRoleAdmin:
		return []Finding{finding(CodeRoleGrant, SeverityHigh, c,
			"%s: %s becomes the admin role of %s on %s, so whoever holds %s can grant %s to anyone and revoke it.%s",
			c.Function, ch.NewAdminRole, ch.Role, contract, ch.NewAdminRole, ch.Role, confirm).With(append(fields, "adminRole", ch.NewAdminRole)...)}
	case decode.ControlAddress:
		if ch.MarketID != nil {
			return []Finding{finding(CodeProtocolAddressChange, SeverityMedium, c,
				"%s on %s: the market id becomes %s. Only the provider's owner may do this; it moves no funds, but check why",
				c.Function, contract, safe.Quote(*ch.MarketID)).With(append(fields, "marketId", *ch.MarketID)...)}
		}
		return []Finding{finding(CodeProtocolAddressChange, SeverityHigh, c,
			"%s (%s) on %s: the %s for %s is %s (%s). The protocol trusts this contract: a hostile price oracle or data provider lets whoever controls it misprice collateral and drain the market.%s",
			c.Function, ch.Action, contract, ch.HolderIs, ch.ID, holder, holderBook, confirm).With(append(fields, "id", ch.ID)...)}
	case decode.ControlDelay:
		return []Finding{delayFinding(env, c, ch)}
	}
	return nil
}

// diamondCutFinding is PROXY_UPGRADE for an EIP-2535 diamondCut: each facet
// added, replaced or removed, with its address checked against the address
// book, and the init contract the diamond then DELEGATECALLs.
func diamondCutFinding(p Policy, chain *big.Int, c *decode.DecodedCall, ch decode.ControlChange, contract, confirm string) Finding {
	var cuts []string
	fields := []string{"contract", ch.Contract.Hex(), "facets", strconv.Itoa(len(ch.Facets))}
	for i, f := range ch.Facets {
		sels := make([]string, len(f.Selectors))
		for j, s := range f.Selectors {
			sels[j] = fmt.Sprintf("0x%x", s)
		}
		what := fmt.Sprintf("%s %s for %s", f.Action, f.Facet.Hex(), strings.Join(sels, ","))
		if f.Action != "remove" {
			what += " (" + p.bookText(chain, f.Facet) + ")"
		}
		cuts = append(cuts, what)
		fields = append(fields, fmt.Sprintf("facet%d", i), f.Facet.Hex(), fmt.Sprintf("facet%dAction", i), f.Action,
			fmt.Sprintf("facet%dAddressBook", i), p.bookField(chain, f.Facet))
	}
	init := "; no init call"
	if ch.Init != nil {
		fields = append(fields, "init", ch.Init.Hex(), "initAddressBook", p.bookField(chain, *ch.Init))
		init = fmt.Sprintf("; then the diamond DELEGATECALLs %s (%s) with data chosen by the proposer, on its own storage (its own findings are listed below this call)", ch.Init.Hex(), p.bookText(chain, *ch.Init))
	}
	return finding(CodeProxyUpgrade, SeverityHigh, c,
		"diamondCut on %s replaces the code behind its functions: %s%s. A facet's code decides everything the diamond does with what it holds; get each facet's source and audit it, and check that it is the code your team deployed.%s",
		contract, strings.Join(cuts, "; "), init, confirm).With(fields...)
}

// upgradeCallText says what the data of upgradeToAndCall or ProxyAdmin's
// upgradeAndCall runs once the new code is in place: the decoded inner call
// (its own findings are at its path), or that the data is empty.
func upgradeCallText(c *decode.DecodedCall) string {
	if len(c.Calls) == 0 {
		if data, _ := decode.ArgBytes(c, "data"); len(data) == 0 {
			return "; the data is empty, so nothing else runs"
		}
		return ", which is then run at once with data chosen by the proposer (not decoded)"
	}
	k := c.Calls[0]
	if k.Kind == decode.KindCall {
		return fmt.Sprintf(", which then runs %s on the proxy in the new code with msg.sender %s (call %s: %s; its own findings are listed at that path)",
			k.Signature, k.From.Hex(), k.Path, k.Summary)
	}
	return fmt.Sprintf(", which then runs data Bulwark cannot decode on the proxy in the new code with msg.sender %s (call %s: %s)", k.From.Hex(), k.Path, k.Summary)
}

var (
	max160 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 160), big.NewInt(1))
)

// approvalAmount renders an allowance for a message.
func approvalAmount(a decode.Approval) string {
	switch {
	case a.Amount == nil:
		return "every token of the collection"
	case a.Via == decode.ViaDAIPermit && a.Unlimited:
		return "an unlimited amount (DAI-style permit, allowed=true)"
	case a.MaybeERC721 && a.Unlimited:
		n := a.Amount.String()
		if a.Amount.Cmp(safe.MaxUint256) == 0 {
			n = "2^256-1"
		}
		return fmt.Sprintf("%s base units — unlimited if the token is ERC-20; if it is an ERC-721 collection, this approves token #%s instead", n, a.Amount)
	case a.Amount.Cmp(safe.MaxUint256) == 0:
		return "an unlimited amount (2^256-1)"
	case a.Amount.Cmp(max160) == 0 && (a.Via == decode.ViaPermit2Approve || a.Via == decode.ViaPermit2Permit):
		return "an unlimited amount (2^160-1, Permit2's maximum)"
	case a.Unlimited:
		return a.Amount.String() + " base units (unlimited in practice: at least 2^128, or 2^96 for Permit2)"
	}
	return a.Amount.String() + " base units"
}

func ruleApprovals(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if !plainCall(c) {
		return nil
	}
	var out []Finding
	chain := env.d.ChainID
	for _, a := range decode.Approvals(c) {
		a, erc := settleERC721(env, a)
		code := CodeTokenApproval
		if a.Via == decode.ViaApprovalForAll {
			code = CodeApprovalForAll
		}
		e, listed := p.AddressBook.Lookup(chain, a.Spender)
		allowed := listed && e.Is(KindSpender)
		token := a.Token.Hex()
		if te, ok := p.AddressBook.Lookup(chain, a.Token); ok {
			token += fmt.Sprintf(" (%q)", te.Label)
		}
		what := fmt.Sprintf("to spend %s of token %s", approvalAmount(a), token)
		if a.Via == decode.ViaApprovalForAll {
			what = "to move every token of collection " + token + " (ERC-721/ERC-1155 operator)"
		}
		how := "by " + string(a.Via)
		if a.Via == decode.ViaPermit2Approve || a.Via == decode.ViaPermit2Permit {
			how += fmt.Sprintf(" through %s, until %s (Unix time)", c.To.Hex(), a.Expiration)
		}
		if a.Owner != c.From {
			how += ", signed by the owner " + a.Owner.Hex()
		}
		fields := []string{"token", a.Token.Hex(), "owner", a.Owner.Hex(), "spender", a.Spender.Hex(), "via", string(a.Via),
			"unlimited", strconv.FormatBool(a.Unlimited), "addressBook", p.bookField(chain, a.Spender)}
		if a.Amount != nil {
			fields = append(fields, "amount", a.Amount.String())
		}
		if a.Expiration != nil {
			fields = append(fields, "expiration", a.Expiration.String())
		}
		if a.Via == decode.ViaApprove {
			fields = append(fields, "erc165", env.erc165Field(a.Token), "decimals", env.decimalsField(a.Token))
		}
		var f Finding
		switch {
		case erc == TokenERC721 && a.Revoke:
			f = finding(code, SeverityInfo, c, "owner %s calls approve(0x0, %s) on %s, %s: it clears token #%s's approval (%s)", a.Owner.Hex(), a.Amount, token, how, a.Amount, env.erc165Text(a.Token))
		case erc == TokenERC721 && allowed:
			f = finding(code, SeverityInfo, c, "owner %s approves token #%s of collection %s to %s, an allowed spender in the address book as %s, %s (%s)",
				a.Owner.Hex(), a.Amount, token, a.Spender.Hex(), e, how, env.erc165Text(a.Token))
		case erc == TokenERC721:
			book := p.bookText(chain, a.Spender)
			if listed {
				book = "in the address book as " + e.String() + ", but not as an allowed spender"
			}
			f = finding(code, SeverityMedium, c, "owner %s approves token #%s of collection %s to %s (%s), %s (%s): the spender can take that token whenever it likes, without another signature",
				a.Owner.Hex(), a.Amount, token, a.Spender.Hex(), book, how, env.erc165Text(a.Token))
		case a.MaybeERC721 && !a.Revoke && a.Amount.Sign() == 0 && !listed:
			f = finding(code, SeverityMedium, c, "owner %s calls approve(%s, 0) on %s, %s (%s): a revoke if the token is ERC-20; if it is an ERC-721 collection, this approves token #0 to the spender, who can then take it (%s). An ERC-721 approval is revoked with approve(0x0, id)",
				a.Owner.Hex(), a.Spender.Hex(), token, how, p.bookText(chain, a.Spender), env.erc165Text(a.Token))
		case a.MaybeERC721 && !a.Revoke && a.Amount.Sign() == 0:
			f = finding(code, SeverityInfo, c, "owner %s calls approve(%s, 0) on %s, %s; the spender is in the address book as %s: a revoke if the token is ERC-20, token #0 approved to it if it is an ERC-721 collection (%s)",
				a.Owner.Hex(), a.Spender.Hex(), token, how, e, env.erc165Text(a.Token))
		case a.Revoke && a.MaybeERC721:
			f = finding(code, SeverityInfo, c, "owner %s calls approve(0x0, %s) on %s, %s: an ERC-721 collection clears token #%s's approval; an ERC-20 allowance to the zero address changes nothing", a.Owner.Hex(), a.Amount, token, how, a.Amount)
		case a.Revoke && erc != "":
			f = finding(code, SeverityInfo, c, "owner %s revokes the allowance of spender %s on %s, %s (%s)", a.Owner.Hex(), a.Spender.Hex(), token, how, env.erc165Text(a.Token))
		case a.Revoke:
			f = finding(code, SeverityInfo, c, "owner %s revokes the allowance of spender %s on %s, %s", a.Owner.Hex(), a.Spender.Hex(), token, how)
		case allowed:
			f = finding(code, SeverityInfo, c, "owner %s allows spender %s, an allowed spender in the address book as %s, %s, %s",
				a.Owner.Hex(), a.Spender.Hex(), e, what, how)
		default:
			sev, why := SeverityMedium, "an allowance lets the spender move the tokens whenever it likes, without another signature, until it is revoked: check the spender is the contract you mean"
			if a.Unlimited {
				sev, why = SeverityHigh, "the spender can take all of it that the owner holds, now and later, without another signature, until the allowance is revoked; drainers ask for exactly this. Approve only the amount needed, to a spender listed in the address book"
			}
			book := p.bookText(chain, a.Spender)
			if listed {
				book = "in the address book as " + e.String() + ", but not as an allowed spender"
			}
			if a.Via == decode.ViaApprove {
				why += " (" + env.erc165Text(a.Token) + ")"
			}
			f = finding(code, sev, c, "owner %s allows spender %s (%s) %s, %s: %s",
				a.Owner.Hex(), a.Spender.Hex(), book, what, how, why)
		}
		out = append(out, f.With(fields...))
	}
	return out
}

// settleERC721 resolves an approve(address,uint256) that ERC-20 and ERC-721
// share with what the token answered (env.probes): an ERC-721 collection
// by ERC-165 has a token id (one token, never unlimited; only
// approve(0x0, id) revokes); a token ERC-165 does not call an ERC-721 has
// an ERC-20 amount (0 revokes) only when it also answers decimals(), the
// ERC-20 shape: early collections predate ERC-165's ERC-721 id. Otherwise,
// and when not checked (offline, kind ""), the approval stays ambiguous.
func settleERC721(env checkEnv, a decode.Approval) (decode.Approval, TokenKind) {
	if !a.MaybeERC721 {
		return a, ""
	}
	k := env.tokenKind(a.Token)
	switch k {
	case TokenERC721:
		a.MaybeERC721, a.Unlimited = false, false
		a.Revoke = a.Spender == (common.Address{})
	case TokenNotERC721, TokenNoERC165:
		// Not an ERC-721 by ERC-165, but early collections do not say
		// so: only the ERC-20 shape (decimals()) settles it as ERC-20.
		if env.erc20Shape(a.Token) {
			a.MaybeERC721 = false
			a.Revoke = a.Revoke || a.Amount.Sign() == 0
		}
	}
	return a, k
}
