package tracing

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"
)

// MaxDepositLabel is the longest label, in characters, a deposit address
// may be registered with.
const MaxDepositLabel = 200

// RegisteredDeposit is a deposit address as the registry keeps it: who
// registered it, and when.
type RegisteredDeposit struct {
	Deposit
	// AddedAt is when it was registered (UTC).
	AddedAt time.Time `json:"addedAt"`
	// AddedBy is the actor that registered it ("token:ID", "cli:USER").
	AddedBy string `json:"addedBy"`
}

// Validate reports a deposit that cannot be registered: the zero address,
// a label too long or with control characters, or a threshold keyed by
// something that is neither an asset key (Asset.String) in its canonical
// form nor AnyAsset, or without an amount. It names the field and the fix.
func (d *Deposit) Validate() error {
	if d.Address == (common.Address{}) {
		return bulwark.Invalid("address", "required: the deposit address (0x and 40 hex digits); the zero address cannot receive deposits")
	}
	if n := utf8.RuneCountInString(d.Label); n > MaxDepositLabel {
		return bulwark.Invalid("label", "is %d characters long; keep it to %d", n, MaxDepositLabel)
	}
	if !utf8.ValidString(d.Label) || strings.IndexFunc(d.Label, unicode.IsControl) >= 0 {
		return bulwark.Invalid("label", "must be printable UTF-8 text without control characters (tabs and newlines included)")
	}
	for _, k := range slices.Sorted(maps.Keys(d.Thresholds)) {
		if k == AnyAsset {
			if d.Thresholds[k] == nil {
				return bulwark.Invalid("thresholds", "the threshold for any asset (%s) has no amount", AnyAsset)
			}
			continue
		}
		a, err := ParseAsset(k)
		if err != nil {
			return bulwark.Invalid("thresholds", "%q is not an asset key: use native:CHAIN, erc20:CHAIN:CONTRACT, erc721:CHAIN:CONTRACT:ID or erc1155:CHAIN:CONTRACT:ID (%s)", k, bulwark.ErrorMessage(err))
		}
		if a.String() != k {
			return bulwark.Invalid("thresholds", "asset key %q is not in its canonical form: write it %q", k, a.String())
		}
		if d.Thresholds[k] == nil {
			return bulwark.Invalid("thresholds", "the threshold of %s has no amount: give it in the asset's base unit (wei for native)", k)
		}
	}
	return nil
}

// AmountThresholds returns thresholds checked by CheckThresholds (asset
// keys, or AnyAsset, to decimal amounts in base units) as amounts (nil for
// none).
func AmountThresholds(in map[string]string) (map[string]*uint256.Int, error) {
	checked, err := CheckThresholds(in)
	if err != nil || len(checked) == 0 {
		return nil, err
	}
	out := make(map[string]*uint256.Int, len(checked))
	for k, v := range checked {
		if out[k], err = ParseAmount("thresholds", v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DepositStore keeps the registry of deposit addresses. A store adapter
// that also holds the audit log joins the write transaction audit.Log.Do
// hands its change, so a registration and its audit entry commit together.
// storetest.DepositStore is its conformance suite.
type DepositStore interface {
	// AddDeposit registers d, added by by, and returns it as stored;
	// EINVALID when d does not validate, ECONFLICT when the address is
	// registered already.
	AddDeposit(ctx context.Context, d Deposit, by string) (RegisteredDeposit, error)
	// RemoveDeposit unregisters addr and returns what it was; ENOTFOUND
	// when it is not registered.
	RemoveDeposit(ctx context.Context, addr common.Address) (RegisteredDeposit, error)
	// Deposits returns the registered addresses in the order they were
	// added (an empty slice when there is none).
	Deposits(ctx context.Context) ([]RegisteredDeposit, error)
}

// DepositAuditDetails is a registration as an audit entry's details.
func DepositAuditDetails(d Deposit) map[string]any {
	m := map[string]any{"address": d.Address.Hex()}
	if d.Label != "" {
		m["label"] = d.Label
	}
	if len(d.Thresholds) > 0 {
		t := map[string]string{}
		for k, v := range d.Thresholds {
			t[k] = v.Dec()
		}
		m["thresholds"] = t
	}
	return m
}

// MarshalJSON writes {"address" (EIP-55), "label"?, "thresholds"?}.
func (d Deposit) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Address    string                  `json:"address"`
		Label      string                  `json:"label,omitempty"`
		Thresholds map[string]*uint256.Int `json:"thresholds,omitempty"`
	}{d.Address.Hex(), d.Label, d.Thresholds})
}

// MarshalJSON writes {"address" (EIP-55), "label"?, "thresholds"?,
// "addedAt", "addedBy"}.
func (d RegisteredDeposit) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Address    string                  `json:"address"`
		Label      string                  `json:"label,omitempty"`
		Thresholds map[string]*uint256.Int `json:"thresholds,omitempty"`
		AddedAt    time.Time               `json:"addedAt"`
		AddedBy    string                  `json:"addedBy"`
	}{d.Address.Hex(), d.Label, d.Thresholds, d.AddedAt, d.AddedBy})
}

// threshold returns the taint at or above which an arrival of asset at d
// alerts: d's own threshold for the asset, else d's for any asset
// (AnyAsset), else the trace's for the asset, else the trace's for any
// asset (AnyAsset, or ""), else nil (any taint).
func (d *Deposit) threshold(asset string, trace map[string]*uint256.Int) *uint256.Int {
	for _, m := range []map[string]*uint256.Int{d.Thresholds, trace} {
		for _, k := range []string{asset, AnyAsset, ""} {
			if v, ok := m[k]; ok && v != nil {
				return v
			}
		}
	}
	return nil
}
