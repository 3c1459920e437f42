package policy

import (
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// CodeRecipientNotListed: the address book lists recipients for the
// transaction's chain, and a call sends value (ETH, an ERC-20 transfer or
// transferFrom, a Permit2 transferFrom, an ERC-721 or ERC-1155 transfer)
// to an address it lists neither as a recipient, a counterparty nor an
// own contract (high).
const CodeRecipientNotListed = "RECIPIENT_NOT_LISTED"

// valueTransfer is value one call sends: amount base units of asset (ETH:
// the zero address) to recipient from (the zero address: the caller's own
// ETH or tokens). An NFT transfer has tokenID set and counts as one token
// (an ERC-1155 transfer: its amount) whatever the id.
type valueTransfer struct {
	from, recipient, asset common.Address
	amount                 *big.Int
	tokenID                *big.Int
	// what says what moves, for a message: "10 base units of USDT",
	// "token #0 of collection X".
	what string
}

var one = big.NewInt(1)

// transfersOf returns the value call c sends: its ETH value (a CALL), and
// what an ERC-20 transfer or transferFrom (an ERC-721 transferFrom too, of
// any token id, #0 included), a Permit2 transferFrom (single or batch), an
// ERC-721 safeTransferFrom (both forms) or an ERC-1155 safeTransferFrom or
// safeBatchTransferFrom moves. Amounts of zero (but an NFT id of zero) are
// left out.
func transfersOf(c *decode.DecodedCall) []valueTransfer {
	if c.Operation != safe.Call || c.SelfCall {
		return nil
	}
	var out []valueTransfer
	add := func(from, to, asset common.Address, n *big.Int) {
		if n != nil && n.Sign() > 0 {
			out = append(out, valueTransfer{from: from, recipient: to, asset: asset, amount: n, what: fmt.Sprintf("%s base units of %s", n, AssetText(asset))})
		}
	}
	nft := func(from, to, asset common.Address, id, n *big.Int, what string) {
		if n.Sign() > 0 {
			out = append(out, valueTransfer{from: from, recipient: to, asset: asset, amount: n, tokenID: id, what: what})
		}
	}
	add(common.Address{}, c.To, ETH, c.Value)
	if c.Kind != decode.KindCall {
		return out
	}
	to, _ := decode.ArgAddr(c, "to")
	from, _ := decode.ArgAddr(c, "from")
	switch c.Signature {
	case "transfer(address,uint256)":
		add(common.Address{}, to, c.To, decode.ArgUint(c, "amount"))
	case "transferFrom(address,address,uint256)":
		// ERC-20 amount or ERC-721 token id: a zero is token #0 of a
		// collection, counted as one token.
		n := decode.ArgUint(c, "amountOrTokenId")
		if n.Sign() == 0 {
			nft(from, to, c.To, n, one, fmt.Sprintf("token #0 of collection %s (or 0 base units, if it is an ERC-20)", c.To.Hex()))
			break
		}
		add(from, to, c.To, n)
		out[len(out)-1].what = fmt.Sprintf("%s base units of %s (or token #%s, if it is an ERC-721 collection)", n, c.To.Hex(), n)
	case "safeTransferFrom(address,address,uint256)", "safeTransferFrom(address,address,uint256,bytes)":
		id := decode.ArgUint(c, "tokenId")
		nft(from, to, c.To, id, one, fmt.Sprintf("ERC-721 token #%s of collection %s", id, c.To.Hex()))
	case "safeTransferFrom(address,address,uint256,uint256,bytes)":
		id, n := decode.ArgUint(c, "id"), decode.ArgUint(c, "amount")
		nft(from, to, c.To, id, n, fmt.Sprintf("%s of ERC-1155 token #%s of %s", n, id, c.To.Hex()))
	case "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)":
		ids, _ := c.Arg("ids")
		ns, _ := c.Arg("amounts")
		il, _ := ids.Value.([]any)
		nl, _ := ns.Value.([]any)
		for i := range min(len(il), len(nl)) {
			id, _ := il[i].(*big.Int)
			n, _ := nl[i].(*big.Int)
			if id != nil && n != nil {
				nft(from, to, c.To, id, n, fmt.Sprintf("%s of ERC-1155 token #%s of %s", n, id, c.To.Hex()))
			}
		}
	case "transferFrom(address,address,uint160,address)":
		token, _ := decode.ArgAddr(c, "token")
		add(from, to, token, decode.ArgUint(c, "amount"))
	case "transferFrom((address,address,uint160,address)[])":
		a, _ := c.Arg("transferDetails")
		list, _ := a.Value.([]any)
		for _, e := range list {
			d, _ := e.([]decode.Arg)
			if len(d) != 4 {
				continue
			}
			f, _ := d[0].Address()
			r, _ := d[1].Address()
			token, _ := d[3].Address()
			n, _ := d[2].Uint()
			add(f, r, token, n)
		}
	}
	return out
}

// payee reports whether e may receive funds: a recipient, a counterparty
// or an own contract.
func payee(e AddressEntry) bool {
	return e.Is(KindRecipient) || e.Is(KindCounterparty) || e.Is(KindOwnContract)
}

// ruleRecipient: once the address book lists a recipient for the
// transaction's chain, value sent to an address it does not list as a
// recipient, counterparty or own contract is RECIPIENT_NOT_LISTED (high).
// Without recipient entries it finds nothing: a book that never lists
// recipients does not restrict them. Value the Safe sends to itself is
// not a payment.
func ruleRecipient(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	chain := env.d.ChainID
	n := p.AddressBook.recipients(chain)
	if n == 0 {
		return nil
	}
	var out []Finding
	for _, t := range transfersOf(c) {
		if t.recipient == env.d.Safe && env.d.Safe != (common.Address{}) {
			continue
		}
		e, listed := p.AddressBook.Lookup(chain, t.recipient)
		if listed && payee(e) {
			continue
		}
		what := t.what
		if te, ok := p.AddressBook.Lookup(chain, t.asset); ok && t.asset != ETH {
			what += fmt.Sprintf(" (%q)", te.Label)
		}
		var fields []string
		if t.tokenID != nil {
			fields = []string{"tokenId", t.tokenID.String()}
		}
		listedAs := "not in the address book"
		bookField := "not listed"
		if listed {
			listedAs = "in the address book only as " + e.String() + ", which does not allow payments to it"
			bookField = labelWithAddress(e)
		}
		out = append(out, finding(CodeRecipientNotListed, SeverityHigh, c,
			"this call sends %s to %s, %s. The address book lists %d recipient(s)%s and this is not one of them, nor a counterparty or own contract (address book sha256 %s): a swapped recipient is how a poisoned or tampered payment looks. Confirm the address out of band, then add it to the address book as a recipient",
			what, t.recipient.Hex(), listedAs, n, chainText(chain), p.AddressBook.Digest).
			With(append(fields, "recipient", t.recipient.Hex(), "amount", t.amount.String(), "asset", AssetText(t.asset),
				"addressBook", bookField, "addressBookSha256", p.AddressBook.Digest)...))
	}
	return out
}

// recipients is the number of entries of kind recipient that apply on
// chain chainID (nil: unknown, where only entries for every chain apply).
func (b *AddressBook) recipients(chainID *big.Int) int {
	if b == nil {
		return 0
	}
	n := b.recipientsAll
	if chainID != nil {
		n += b.recipientsOn[chainID.String()]
	}
	return n
}

// CodeAddressBookAllChains: a finding was lowered (an allowance to an
// allowed spender, a payment to a recipient, counterparty or own contract)
// only because of an address-book entry for every chain: the address was
// confirmed on some chain, not necessarily this one (medium).
const CodeAddressBookAllChains = "ADDRESS_BOOK_ALL_CHAINS"

// ruleBookAllChains: an entry without a chain id that lets an allowance
// or a payment through is ADDRESS_BOOK_ALL_CHAINS (medium), naming the
// entry and the chain to confirm it on. The same address can be someone
// else's on another chain (a counterfactual or CREATE-derived address
// nobody deployed there yet).
func ruleBookAllChains(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if p.AddressBook == nil || !plainCall(c) {
		return nil
	}
	chain := env.d.ChainID
	type use struct {
		addr common.Address
		what string
	}
	var uses []use
	for _, a := range decode.Approvals(c) {
		a, _ = settleERC721(env, a)
		if e, ok := p.AddressBook.Lookup(chain, a.Spender); ok && e.ChainID == nil && e.Is(KindSpender) && !a.Revoke {
			uses = append(uses, use{a.Spender, "lets the allowance to it through as an allowed spender"})
		}
	}
	if p.AddressBook.recipients(chain) > 0 {
		for _, t := range transfersOf(c) {
			if e, ok := p.AddressBook.Lookup(chain, t.recipient); ok && e.ChainID == nil && payee(e) && t.recipient != env.d.Safe {
				uses = append(uses, use{t.recipient, "lets the payment to it through (" + t.what + ")"})
			}
		}
	}
	var out []Finding
	seen := map[use]bool{}
	where, chainField := "the chain this transaction runs on (not known here)", "not known"
	if chain != nil {
		where, chainField = "chain "+chain.String(), chain.String()
	}
	for _, u := range uses {
		if seen[u] {
			continue
		}
		seen[u] = true
		e, _ := p.AddressBook.Lookup(chain, u.addr)
		out = append(out, finding(CodeAddressBookAllChains, SeverityMedium, c,
			"%s is in the address book as %s for every chain (no chain_id), and that entry %s. An address confirmed on one chain is not necessarily the same party's on %s: a contract address can be deployed there by someone else (Wintermute lost 20M OP on Optimism to an address it controlled only on Ethereum). Confirm it on %s, then list it with chain_id",
			u.addr.Hex(), e, u.what, where, where).With("address", u.addr.Hex(), "label", e.Label, "kinds", kindsText(e), "chainId", chainField))
	}
	return out
}
