package tracing

import (
	"context"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// Direction says which way a trace follows value from its seeds.
type Direction string

// Trace directions.
const (
	// Forward follows value out of the seeds: where did it go.
	Forward Direction = "forward"
	// Backward follows value into the seeds: where did it come from.
	Backward Direction = "backward"
)

// Label says what an address is, and who says so. Labels come from
// GraphSense TagPacks, the active screening lists and the user's own
// labels.
type Label struct {
	// Source is where the label comes from: "tagpack:FILE", a screening
	// list id ("ofac-sdn", "fbi-dprk"), or "user".
	Source string `json:"source"`
	// Name is the actor or entity, as the source names it ("Binance",
	// "Tornado Cash", "Lazarus Group").
	Name string `json:"name"`
	// Category is the kind of actor in the GraphSense concept vocabulary
	// where the source gives one: exchange, mixing_service, bridge, dex,
	// defi, hacker, perpetrator, sanctioned, …; empty if unknown.
	Category string `json:"category,omitempty"`
	// Abuse is the abuse the source names, in the same vocabulary
	// (sanction, service_hack, ransomware, …); empty if none.
	Abuse string `json:"abuse,omitempty"`
	// Hub marks an address a trace does not traverse through by default:
	// an exchange, router, bridge, mixer or other service whose outgoing
	// value belongs to many owners.
	Hub bool `json:"hub,omitempty"`
}

// Labeler answers the labels known for an address, always in the same
// order for the same address (a trace's output is byte-identical for the
// same inputs), which is the order they show in. Implementations combine
// TagPacks, screening lists and user labels; nil and empty are both "no
// label".
type Labeler interface {
	Labels(addr common.Address) []Label
}

// Graph is the result of a trace: the addresses reached, the transfers
// that reached them with their taint, the cross-chain exits and the alerts
// raised. It is what reports (JSON, CSV, GEXF, DOT) are written from and
// what a case stores as its results.
type Graph struct {
	// Chain is the chain the trace ran on.
	Chain uint64 `json:"chain"`
	// Seeds are the seed addresses and transactions, as given.
	Seeds []string `json:"seeds"`
	// Policy is the taint policy the edges' taint was computed under.
	Policy Policy `json:"policy"`
	// Direction is forward or backward.
	Direction Direction `json:"direction"`
	// Bounds are the limits the traversal ran under.
	Bounds Bounds `json:"bounds"`
	// Nodes are the addresses reached, seeds at hop 0, ordered by hop,
	// then address.
	Nodes []Node `json:"nodes"`
	// Edges are the transfers followed, in chain order (Compare).
	Edges []Edge `json:"edges"`
	// Exits are the bridge and cross-chain swap deposits the traced value
	// left the chain through.
	Exits []Exit `json:"exits,omitempty"`
	// Alerts are the tainted arrivals at registered deposit addresses.
	Alerts []Alert `json:"alerts,omitempty"`
}

// Bounds limit a traversal. Zero values mean no bound, except MaxHops,
// whose zero means the default.
type Bounds struct {
	// MaxHops is the largest hop count from a seed to follow.
	MaxHops int `json:"maxHops"`
	// MinValue is the smallest tainted amount, in the asset's base unit,
	// that an edge must carry to be followed; "" for no minimum.
	MinValue string `json:"minValue,omitempty"`
	// FromBlock and ToBlock bound the blocks read (inclusive; ToBlock 0
	// for the last one available).
	FromBlock uint64 `json:"fromBlock,omitempty"`
	ToBlock   uint64 `json:"toBlock,omitempty"`
	// FromTime and ToTime bound the block timestamps, Unix seconds
	// (inclusive; 0 for no bound).
	FromTime int64 `json:"fromTime,omitempty"`
	ToTime   int64 `json:"toTime,omitempty"`
	// ThroughHubs follows value through addresses labelled as hubs, which
	// are otherwise end points.
	ThroughHubs bool `json:"throughHubs,omitempty"`
	// HubDegree, when not 0, makes every address with at least that many
	// distinct counterparties among the transfers read a hub (labelled
	// with source "degree"), as exchanges, routers and other services
	// are: an address of very high degree is a service whatever its
	// labels say.
	HubDegree int `json:"hubDegree,omitempty"`
}

// Node is one address reached by a trace.
type Node struct {
	Address common.Address `json:"address"`
	// Hop is the fewest transfers from a seed (0 for a seed).
	Hop int `json:"hop"`
	// Taint is the tainted amount the address holds at the end of the
	// trace, per asset key (Asset.String), in base units as a decimal
	// string; assets with no taint are left out.
	Taint map[string]string `json:"taint"`
	// Received is the tainted amount that arrived at the address over the
	// trace, per asset key, whether or not it moved on.
	Received map[string]string `json:"received,omitempty"`
	// Labels are what is known about the address, in the order the
	// Request's Labeler gives them.
	Labels []Label `json:"labels"`
	// Stop says why the trace did not go on from this address: "hub",
	// "max-hops", "exit" or "" when it did (or had nothing to follow).
	Stop string `json:"stop,omitempty"`
}

// Edge is one transfer a trace followed, with the taint it carried.
type Edge struct {
	Chain  uint64      `json:"chain"`
	TxHash common.Hash `json:"txHash"`
	Block  uint64      `json:"block"`
	// Time is the block's timestamp, Unix seconds.
	Time int64 `json:"timestamp"`
	Kind Kind  `json:"kind"`
	// LogIndex is set for transfers read from logs (tokens, wrap, unwrap).
	LogIndex *uint32 `json:"logIndex,omitempty"`
	// ItemIndex is set for ERC-1155 transfers: the item's position in its
	// TransferBatch event's ids and values (0 for a TransferSingle), so
	// that the transaction, log and item name the transfer.
	ItemIndex *uint32 `json:"itemIndex,omitempty"`
	// TraceAddress is set for call transfers: the call's path in the
	// transaction's call tree ([] for the transaction itself).
	TraceAddress []uint32       `json:"traceAddress,omitzero"`
	From         common.Address `json:"from"`
	To           common.Address `json:"to"`
	// Asset is the asset key (Asset.String).
	Asset string `json:"asset"`
	// Amount and Taint are in the asset's base unit, decimal strings.
	Amount string `json:"amount"`
	Taint  string `json:"taint"`
	Policy Policy `json:"policy"`
	// Hop is the hop count of the address the edge reached: To in a
	// forward trace, From in a backward one.
	Hop int `json:"hop"`
}

// Exit is traced value leaving the chain: a deposit into a bridge or a
// cross-chain swap (THORChain), with where it said it was going.
type Exit struct {
	TxHash common.Hash    `json:"txHash"`
	Block  uint64         `json:"block"`
	Time   int64          `json:"timestamp"`
	From   common.Address `json:"from"`
	// Via is the bridge or router address and its label name.
	Via     common.Address `json:"via"`
	Service string         `json:"service"`
	Asset   string         `json:"asset"`
	Amount  string         `json:"amount"`
	Taint   string         `json:"taint"`
	// Memo is the memo or calldata field naming the destination, as sent
	// (THORChain: "SWAP:BTC.BTC:bc1…").
	Memo string `json:"memo,omitempty"`
	// DestChain and DestAddress are the destination read from the memo;
	// empty if it could not be read.
	DestChain   string `json:"destChain,omitempty"`
	DestAddress string `json:"destAddress,omitempty"`
}

// Alert is tainted value arriving at a registered deposit address above
// the threshold that applies to it.
type Alert struct {
	// Deposit is the deposit address and the label it was registered with.
	Deposit common.Address `json:"deposit"`
	Label   string         `json:"label,omitempty"`
	TxHash  common.Hash    `json:"txHash"`
	Block   uint64         `json:"block"`
	Time    int64          `json:"timestamp"`
	Asset   string         `json:"asset"`
	Amount  string         `json:"amount"`
	Taint   string         `json:"taint"`
	// Threshold is the taint, in the asset's base unit, at or above which
	// an arrival alerts.
	Threshold string `json:"threshold"`
	Policy    Policy `json:"policy"`
	// Chain and BlockHash place the arrival on its chain (the live
	// follower sets them: a reorg that drops the block retracts the
	// alert).
	Chain     uint64      `json:"chain,omitempty"`
	BlockHash common.Hash `json:"blockHash,omitzero"`
	// From is the address the value came from; Kind, LogIndex, ItemIndex
	// and TraceAddress place the transfer in its transaction, as on an
	// Edge.
	From         common.Address `json:"from,omitzero"`
	Kind         Kind           `json:"kind,omitempty"`
	LogIndex     *uint32        `json:"logIndex,omitempty"`
	ItemIndex    *uint32        `json:"itemIndex,omitempty"`
	TraceAddress []uint32       `json:"traceAddress,omitzero"`
}

// MarshalText writes the policy's name.
func (p Policy) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads a policy's name (ParsePolicy).
func (p *Policy) UnmarshalText(b []byte) error {
	v, err := ParsePolicy(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads a kind's name (ParseKind).
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ExitDetector recognises cross-chain exits: a transfer into a bridge or a
// cross-chain swap router (THORChain), with the destination it names.
// Implementations hold what they need beyond the transfer (the
// transaction's input, for a memo).
type ExitDetector interface {
	Exit(t *Transfer) (Exit, bool)
}

// ExitFinder gives the ExitDetector of a run over transfers, having
// gathered what detection needs for them (the inputs of the deposits
// among them, for their memos). thorchain.Finder is Bulwark's: one-shot
// traces, case runs and the live follower all detect exits through one.
type ExitFinder interface {
	ExitsFor(ctx context.Context, transfers []Transfer) (ExitDetector, error)
}

// Deposit is an address registered to alert when tainted value arrives:
// an exchange's deposit address, with its label.
type Deposit struct {
	Address common.Address `json:"address"`
	Label   string         `json:"label,omitempty"`
	// Thresholds are the address's own alert thresholds per asset key
	// (Asset.String, or AnyAsset for every asset not listed), in base
	// units; where one applies it wins over the trace's
	// (Request.Thresholds).
	Thresholds map[string]*uint256.Int `json:"thresholds,omitempty"`
}

// Request is what a trace is asked to do. Trace (traverse.go) runs it over
// a stream of transfers ordered by Compare.
type Request struct {
	Chain         uint64
	SeedAddresses []common.Address
	SeedTxs       []common.Hash
	Policy        Policy
	Direction     Direction
	Bounds        Bounds
	// MinValue is Bounds.MinValue parsed; nil for no minimum.
	MinValue *uint256.Int
	// Labeler labels addresses (hubs among them); nil for none.
	Labeler Labeler
	// Exits recognises bridge deposits; nil for none.
	Exits ExitDetector
	// Deposits are the addresses that alert on tainted arrivals.
	Deposits []Deposit
	// Thresholds are the alert thresholds per asset key (Asset.String),
	// in base units; the entry under "" applies to assets not listed; no
	// entry at all means any taint alerts.
	Thresholds map[string]*uint256.Int
	// KnownTokens are the token contracts recognised as genuine (the
	// chain's wrapped native token always is). When set, a token transfer
	// that looks spoofed (out of an address that neither sent its
	// transaction nor made a call with value in it) of a token not listed
	// is address-poisoning noise and left out; unset, only zero-value
	// transfers are.
	KnownTokens []common.Address
}
