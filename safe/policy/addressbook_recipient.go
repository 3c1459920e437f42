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
// transferFrom, a Permit2 transferFrom) to an address it lists neither as
// a recipient, a counterparty nor an own contract (high).
const CodeRecipientNotListed = "RECIPIENT_NOT_LISTED"

// valueTransfer is value one call sends: amount base units of asset (ETH:
// the zero address) to recipient.
type valueTransfer struct {
	recipient, asset common.Address
	amount           *big.Int
}

// transfersOf returns the value call c sends: its ETH value (a CALL), and
// what an ERC-20 transfer or transferFrom, or a Permit2 transferFrom
// (single or batch), moves. Amounts of zero are left out.
func transfersOf(c *decode.DecodedCall) []valueTransfer {
	if c.Operation != safe.Call || c.SelfCall {
		return nil
	}
	var out []valueTransfer
	add := func(to, asset common.Address, n *big.Int) {
		if n != nil && n.Sign() > 0 {
			out = append(out, valueTransfer{recipient: to, asset: asset, amount: n})
		}
	}
	add(c.To, ETH, c.Value)
	if c.Kind != decode.KindCall {
		return out
	}
	to, _ := decode.ArgAddr(c, "to")
	switch c.Signature {
	case "transfer(address,uint256)":
		add(to, c.To, decode.ArgUint(c, "amount"))
	case "transferFrom(address,address,uint256)":
		add(to, c.To, decode.ArgUint(c, "amountOrTokenId"))
	case "transferFrom(address,address,uint160,address)":
		token, _ := decode.ArgAddr(c, "token")
		add(to, token, decode.ArgUint(c, "amount"))
	case "transferFrom((address,address,uint160,address)[])":
		a, _ := c.Arg("transferDetails")
		list, _ := a.Value.([]any)
		for _, e := range list {
			d, _ := e.([]decode.Arg)
			if len(d) != 4 {
				continue
			}
			r, _ := d[1].Address()
			token, _ := d[3].Address()
			n, _ := d[2].Uint()
			add(r, token, n)
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
		asset := AssetText(t.asset)
		if te, ok := p.AddressBook.Lookup(chain, t.asset); ok && t.asset != ETH {
			asset += fmt.Sprintf(" (%q)", te.Label)
		}
		listedAs := "not in the address book"
		bookField := "not listed"
		if listed {
			listedAs = "in the address book only as " + e.String() + ", which does not allow payments to it"
			bookField = e.Label
		}
		out = append(out, finding(CodeRecipientNotListed, SeverityHigh, c,
			"this call sends %s base units of %s to %s, %s. The address book lists %d recipient(s)%s and this is not one of them, nor a counterparty or own contract (address book sha256 %s): a swapped recipient is how a poisoned or tampered payment looks. Confirm the address out of band, then add it to the address book as a recipient",
			t.amount, asset, t.recipient.Hex(), listedAs, n, chainText(chain), p.AddressBook.Digest).
			With("recipient", t.recipient.Hex(), "amount", t.amount.String(), "asset", AssetText(t.asset),
				"addressBook", bookField, "addressBookSha256", p.AddressBook.Digest))
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
