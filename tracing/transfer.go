package tracing

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Kind says what produced a transfer.
type Kind uint8

// Transfer kinds.
const (
	// TopLevelCall is the value of a transaction itself (trace address []).
	TopLevelCall Kind = iota + 1
	// InternalCall is a call with value made by a contract (a subtrace).
	InternalCall
	// Create is the value sent to a contract being created (CREATE,
	// CREATE2, or a contract-creation transaction).
	Create
	// SelfDestruct is a contract's balance sent to its beneficiary.
	SelfDestruct
	// TokenTransfer is an ERC-20, ERC-721 or ERC-1155 transfer event. A
	// transfer from the zero address is a mint, one to the zero address a
	// burn.
	TokenTransfer
	// Wrap is a wrapped-native Deposit event: the wrapped token minted to
	// To (From is the wrapped token's contract). The coin paid in is a
	// separate call transfer to the contract.
	Wrap
	// Unwrap is a wrapped-native Withdrawal event: the wrapped token
	// burned from From (To is the contract). The coin paid out is a
	// separate internal transfer from the contract.
	Unwrap
	// GasTip is the priority fee (or, before EIP-1559, the whole fee) the
	// sender pays the block's fee recipient.
	GasTip
	// BaseFeeBurn is the base fee the sender pays, destroyed (EIP-1559).
	BaseFeeBurn
)

var kindNames = [...]string{
	TopLevelCall: "call", InternalCall: "internal-call", Create: "create", SelfDestruct: "selfdestruct",
	TokenTransfer: "token", Wrap: "wrap", Unwrap: "unwrap", GasTip: "gas-tip", BaseFeeBurn: "base-fee-burn",
}

// String returns the kind's name: call, internal-call, create,
// selfdestruct, token, wrap, unwrap, gas-tip or base-fee-burn.
func (k Kind) String() string {
	if k >= TopLevelCall && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// ParseKind reads a kind's name as written by Kind.String.
func ParseKind(s string) (Kind, error) {
	for k, name := range kindNames {
		if name != "" && name == s {
			return Kind(k), nil
		}
	}
	return 0, bulwark.Invalid("kind", "unknown transfer kind %q: use call, internal-call, create, selfdestruct, token, wrap, unwrap, gas-tip or base-fee-burn", s)
}

// native reports whether transfers of the kind move the native coin.
func (k Kind) native() bool {
	return k == TopLevelCall || k == InternalCall || k == Create || k == SelfDestruct || k == GasTip || k == BaseFeeBurn
}

// fromLog reports whether transfers of the kind come from an event log
// (positioned by log index) rather than from the call tree or the fee.
func (k Kind) fromLog() bool { return k == TokenTransfer || k == Wrap || k == Unwrap }

// Transfer is one movement of one asset, as found on chain. Failed calls
// and reverted subtraces are never transfers: ingestion drops them.
type Transfer struct {
	Chain   uint64
	Block   uint64
	TxIndex uint32      // the transaction's position in its block
	TxHash  common.Hash // the transaction
	Time    int64       // the block's timestamp, Unix seconds
	Kind    Kind
	// LogIndex is the event's index in its block, for kinds from logs
	// (token, wrap, unwrap).
	LogIndex uint32
	// ItemIndex is the transfer's position in an ERC-1155 TransferBatch
	// event's ids and values (one transfer per item, all at the same
	// LogIndex); 0 for every other transfer, TransferSingle included.
	ItemIndex uint32
	// TraceAddress is the call's path in the transaction's call tree for
	// call kinds ([] for the transaction itself, [0 2] for the third call
	// of the first subcall). Empty for the other kinds.
	TraceAddress []uint32
	From, To     common.Address
	Asset        Asset
	Amount       uint256.Int // in the asset's base unit; 1 for an ERC-721 token
}

// Effects returns whether the transfer debits From and credits To. Most
// transfers do both; a token transfer from the zero address is a mint (no
// debit) and one to the zero address a burn (no credit), a wrap only
// credits (the minted wrapped token), an unwrap and a base fee burn only
// debit.
func (t *Transfer) Effects() (debit, credit bool) {
	switch t.Kind {
	case TokenTransfer:
		return t.From != (common.Address{}), t.To != (common.Address{})
	case Wrap:
		return false, true
	case Unwrap, BaseFeeBurn:
		return true, false
	default:
		return true, true
	}
}

// Validate reports a transfer that cannot occur: an unknown kind, an
// asset that does not fit the kind, a chain that differs from its asset's,
// an ERC-721 amount other than 1, a trace address on a transfer from a log,
// or an item index on anything but an ERC-1155 transfer.
func (t *Transfer) Validate() error {
	if t.Kind < TopLevelCall || t.Kind > BaseFeeBurn {
		return bulwark.Invalid("kind", "unknown transfer kind %d", int(t.Kind))
	}
	if err := t.Asset.Validate(); err != nil {
		return err
	}
	switch {
	case t.Asset.Chain != t.Chain:
		return bulwark.Invalid("asset.chain", "the asset is on chain %d but the transfer on chain %d", t.Asset.Chain, t.Chain)
	case t.Kind.native() && t.Asset.Standard != Native:
		return bulwark.Invalid("asset", "a %s transfer moves the native coin, not %s", t.Kind, t.Asset)
	case !t.Kind.native() && t.Asset.Standard == Native:
		return bulwark.Invalid("asset", "a %s transfer moves a token, not the native coin", t.Kind)
	case (t.Kind == Wrap || t.Kind == Unwrap) && t.Asset.Standard != ERC20:
		return bulwark.Invalid("asset", "a %s moves the wrapped native token (an erc20), not %s", t.Kind, t.Asset)
	case t.Asset.Standard == ERC721 && !t.Amount.IsZero() && !t.Amount.Eq(uint256.NewInt(1)):
		return bulwark.Invalid("amount", "an erc721 transfer moves one token, not %s", t.Amount.Dec())
	case !t.Kind.native() && len(t.TraceAddress) != 0:
		return bulwark.Invalid("trace_address", "a %s transfer comes from a log: give its log index, not a trace address", t.Kind)
	case t.ItemIndex != 0 && t.Asset.Standard != ERC1155:
		return bulwark.Invalid("item_index", "only an erc1155 TransferBatch event holds several items: a %s transfer of %s has item index 0", t.Kind, t.Asset.Standard)
	}
	return nil
}

// phase orders the transfers of one transaction: the fee first (the
// sender pays it before execution), then the calls in execution order,
// then the events by log index. Events cannot be placed between calls
// without a full execution trace.
func (t *Transfer) phase() int {
	switch {
	case t.Kind == GasTip || t.Kind == BaseFeeBurn:
		return 0
	case t.Kind.fromLog():
		return 2
	default:
		return 1
	}
}

// Compare orders transfers as they happened: by chain, block, transaction
// index, then within a transaction the fee (base fee burn before tip),
// the calls in execution order (a call before its subcalls, subcalls in
// order) and the events by log index, the items of an ERC-1155 batch event
// by item index. It returns -1, 0 or +1.
func Compare(a, b *Transfer) int {
	if c := cmp.Compare(a.Chain, b.Chain); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Block, b.Block); c != 0 {
		return c
	}
	if c := cmp.Compare(a.TxIndex, b.TxIndex); c != 0 {
		return c
	}
	pa, pb := a.phase(), b.phase()
	if c := cmp.Compare(pa, pb); c != 0 {
		return c
	}
	switch pa {
	case 0:
		return cmp.Compare(b.Kind, a.Kind) // BaseFeeBurn (9) before GasTip (8)
	case 1:
		return slices.Compare(a.TraceAddress, b.TraceAddress)
	default:
		if c := cmp.Compare(a.LogIndex, b.LogIndex); c != 0 {
			return c
		}
		return cmp.Compare(a.ItemIndex, b.ItemIndex)
	}
}
