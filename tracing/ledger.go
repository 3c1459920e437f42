package tracing

import (
	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Holding is one address's position in one asset.
type Holding struct {
	Address common.Address
	Asset   Asset
}

// Ledger derives balances from transfers by Transfer.Effects: a debit
// subtracts the amount from From's balance of the asset, a credit adds it
// to To's. Applied to every transfer of a chain from genesis (with the
// genesis allocation and withdrawals as opening balances), a Ledger's
// balances are the node's eth_getBalance and balanceOf. The zero address
// is never debited or credited by a token transfer (mint and burn), so
// its balance is not the chain's.
type Ledger struct {
	balances map[Holding]uint256.Int
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger { return &Ledger{balances: map[Holding]uint256.Int{}} }

// Credit adds amount to a holding outside any transfer: an opening balance
// read from the node at the start of a range, a genesis allocation or a
// beacon-chain withdrawal.
func (l *Ledger) Credit(h Holding, amount *uint256.Int) error {
	b := l.balances[h]
	if _, over := b.AddOverflow(&b, amount); over {
		return bulwark.Invalid("amount", "crediting %s to %s in %s overflows 256 bits", amount.Dec(), h.Address.Hex(), h.Asset)
	}
	l.balances[h] = b
	return nil
}

// Apply applies one transfer. A debit larger than the balance is an error
// naming the transaction, the address and the shortfall: either a
// transfer is missing or the range started without the address's opening
// balance (Credit it first). A failed Apply changes nothing.
func (l *Ledger) Apply(t *Transfer) error {
	if err := t.Validate(); err != nil {
		return err
	}
	debit, credit := t.Effects()
	from, to := Holding{t.From, t.Asset}, Holding{t.To, t.Asset}
	var fb, tb uint256.Int
	if debit {
		fb = l.balances[from]
		if fb.Lt(&t.Amount) {
			var short uint256.Int
			short.Sub(&t.Amount, &fb)
			return bulwark.Invalid("amount", "transaction %s (block %d) moves %s of %s from %s, which holds %s (%s short): a transfer is missing or its opening balance was not credited",
				t.TxHash.Hex(), t.Block, t.Amount.Dec(), t.Asset, t.From.Hex(), fb.Dec(), short.Dec())
		}
		fb.Sub(&fb, &t.Amount)
	}
	if credit {
		tb = l.balances[to]
		if debit && to == from {
			tb = fb
		}
		if _, over := tb.AddOverflow(&tb, &t.Amount); over {
			return bulwark.Invalid("amount", "transaction %s (block %d) credits %s with %s of %s, past 2^256", t.TxHash.Hex(), t.Block, t.To.Hex(), t.Amount.Dec(), t.Asset)
		}
	}
	if debit {
		l.balances[from] = fb
	}
	if credit {
		l.balances[to] = tb
	}
	return nil
}

// Balance returns the balance of a holding (zero when never touched).
func (l *Ledger) Balance(h Holding) uint256.Int { return l.balances[h] }

// Holdings calls fn for each holding with a balance, in no fixed order.
func (l *Ledger) Holdings(fn func(Holding, *uint256.Int)) {
	for h, b := range l.balances {
		if !b.IsZero() {
			fn(h, &b)
		}
	}
}
