package policy

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// ETH is the asset of a limit on ether: the zero address.
var ETH = common.Address{}

// Bounds of a limit's period.
const (
	MinLimitPeriod = time.Minute
	MaxLimitPeriod = 366 * 24 * time.Hour
)

// Limit is a value limit: when what a Safe sends of an asset in this
// transaction, plus what it already sent in the period before, is more
// than Amount, the transaction needs dual control (VALUE_LIMIT, high).
type Limit struct {
	// Name says where the limit comes from ("book.toml limit 2").
	Name string
	Safe common.Address
	// ChainID limits it to one chain; nil means every chain.
	ChainID *big.Int
	// Asset is a token's address, or ETH (the zero address).
	Asset common.Address
	// Amount is in the asset's base units (wei for ETH).
	Amount *big.Int
	Period time.Duration
}

// AssetText names an asset: "ETH" or the token's EIP-55 address.
func AssetText(a common.Address) string {
	if a == ETH {
		return "ETH"
	}
	return a.Hex()
}

// PeriodText writes a period as the file does: "24h", "7d", "90m".
func PeriodText(d time.Duration) string {
	switch {
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// String describes the limit as findings name it.
func (l Limit) String() string {
	return fmt.Sprintf("%s: %s base units of %s per %s for Safe %s%s", l.Name, l.Amount, AssetText(l.Asset), PeriodText(l.Period), l.Safe.Hex(), chainText(l.ChainID))
}

// SentKey is what SentInPeriod is keyed by: an asset (ETH: the zero
// address) and a period.
type SentKey struct {
	Asset  common.Address
	Period time.Duration
}

// Applies reports whether l is a limit of safe on chain chainID (nil:
// unknown, where only a limit for every chain applies).
func (l Limit) Applies(chainID *big.Int, s common.Address) bool {
	if l.Safe != s {
		return false
	}
	return l.ChainID == nil || chainID != nil && l.ChainID.Cmp(chainID) == 0
}

// LimitsFor returns the policy's limits that apply to Safe s on chain
// chainID, in a canonical order (asset, period, amount, chain, name):
// the limits of p.Limits and of the address book's file.
func (p Policy) LimitsFor(chainID *big.Int, s common.Address) []Limit {
	var out []Limit
	p = p.Snapshot()
	for _, l := range slices.Concat(p.Limits, p.AddressBook.Limits()) {
		if l.Applies(chainID, s) {
			out = append(out, l)
		}
	}
	sortLimits(out)
	return out
}

func sortLimits(ls []Limit) {
	sort.SliceStable(ls, func(i, j int) bool {
		a, b := ls[i], ls[j]
		if c := a.Asset.Cmp(b.Asset); c != 0 {
			return c < 0
		}
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if c := a.Amount.Cmp(b.Amount); c != 0 {
			return c < 0
		}
		if (a.ChainID == nil) != (b.ChainID == nil) {
			return a.ChainID == nil
		}
		if a.ChainID != nil && a.ChainID.Cmp(b.ChainID) != 0 {
			return a.ChainID.Cmp(b.ChainID) < 0
		}
		return a.Name < b.Name
	})
}

// Outflows returns what leaves Safe s in the transaction whose decoded
// tree is root, by asset (ETH: the zero address), in base units: the ETH
// value of every CALL (or CREATE) the Safe makes, inside a batch
// included; ERC-20 transfer calls the Safe makes; calls that move the
// Safe's tokens whoever makes them: transferFrom (an ERC-20's or an
// ERC-721's, Permit2's single and batch forms), ERC-721 safeTransferFrom
// and ERC-1155 safeTransferFrom and safeBatchTransferFrom. An ERC-721
// token counts as one unit of its collection whatever its id (#0
// included); an ERC-1155 transfer counts its amount. Assets with nothing
// leaving are left out.
func Outflows(s common.Address, root *decode.DecodedCall) map[common.Address]*big.Int {
	out := map[common.Address]*big.Int{}
	if root == nil {
		return out
	}
	root.Walk(func(c *decode.DecodedCall) bool {
		if c.From == s && c.To != s && c.Operation != safe.DelegateCall && c.Value != nil && c.Value.Sign() > 0 {
			addTo(out, ETH, c.Value)
		}
		for _, t := range transfersOf(c) {
			if t.asset == ETH && t.from == (common.Address{}) {
				continue // counted above, CREATE included
			}
			if t.recipient == s {
				continue
			}
			if t.from == s || t.from == (common.Address{}) && c.From == s {
				addTo(out, t.asset, t.amount)
			}
		}
		return true
	})
	return out
}

func addTo(out map[common.Address]*big.Int, asset common.Address, n *big.Int) {
	if n == nil || n.Sign() <= 0 {
		return
	}
	if out[asset] == nil {
		out[asset] = new(big.Int)
	}
	out[asset].Add(out[asset], n)
}

// limitFindings applies the limits of Safe d.Safe to what the transaction
// sends (out), given what was already sent in each limit's period (sent,
// nil when not known).
func (p Policy) limitFindings(d safe.Domain, out map[common.Address]*big.Int, sent map[SentKey]*big.Int) []Finding {
	var fs []Finding
	for _, l := range p.LimitsFor(d.ChainID, d.Safe) {
		this := out[l.Asset]
		if this == nil || this.Sign() == 0 {
			continue
		}
		asset, period := AssetText(l.Asset), PeriodText(l.Period)
		fields := []string{"limit", l.Name, "safe", l.Safe.Hex(), "asset", asset, "amount", l.Amount.String(), "period", period, "thisTransaction", this.String()}
		already, known := sent[SentKey{Asset: l.Asset, Period: l.Period}]
		switch {
		case known && already != nil:
			total := new(big.Int).Add(already, this)
			fields = append(fields, "alreadySent", already.String(), "total", total.String())
			if total.Cmp(l.Amount) > 0 {
				fs = append(fs, finding(CodeValueLimit, SeverityHigh, nil,
					"this transaction sends %s base units of %s from the Safe; with the %s already sent in the last %s that is %s, more than the limit (%s): two people must approve it (dual control)",
					this, asset, already, period, total, l).With(fields...))
				continue
			}
			fs = append(fs, finding(CodeValueLimit, SeverityInfo, nil,
				"this transaction sends %s base units of %s from the Safe; with the %s already sent in the last %s that is %s, within the limit (%s)",
				this, asset, already, period, total, l).With(fields...))
		case this.Cmp(l.Amount) > 0:
			fs = append(fs, finding(CodeValueLimit, SeverityHigh, nil,
				"this transaction alone sends %s base units of %s from the Safe, more than the limit (%s), whatever was sent before it: two people must approve it (dual control)",
				this, asset, l).With(append(fields, "alreadySent", "not known")...))
		default:
			fs = append(fs, finding(CodeValueLimitUnchecked, SeverityMedium, nil,
				"this transaction sends %s base units of %s from the Safe, within the limit (%s) on its own, but what the Safe already sent in the last %s is not known here, so the limit was NOT checked: the co-signer checks it against the co-signatures it gave; until then treat it as not passed",
				this, asset, l, period).With(append(fields, "alreadySent", "not known")...))
		}
	}
	return fs
}

// limitFields are the keys of a [[limit]] table.
var limitFields = []string{"amount", "asset", "chain_id", "period", "safe"}

// parseLimit reads one [[limit]] table; name names it.
func parseLimit(name string, m map[string]any, syn bookSyntax) (Limit, error) {
	l := Limit{Name: name}
	if err := knownFields(m, syn.fields(limitFields)); err != nil {
		return l, err
	}
	str := func(field, want string) (string, error) {
		v, present := m[field]
		s, ok := v.(string)
		switch {
		case !present:
			return "", fmt.Errorf("%s: required: %s", field, want)
		case !ok:
			return "", fmt.Errorf("%s: %s is not a string: want %s", field, quoteValue(v), want)
		}
		return s, nil
	}
	s, err := str("safe", "the Safe's address, \"0x…\" (40 hex digits)")
	if err != nil {
		return l, err
	}
	if l.Safe, err = parseBookAddress(s); err != nil {
		return l, fmt.Errorf("safe: %v", err)
	}
	a, err := str("asset", "\"ETH\" or a token's address")
	if err != nil {
		return l, err
	}
	if a != "ETH" {
		if l.Asset, err = parseBookAddress(a); err != nil {
			return l, fmt.Errorf("asset: want \"ETH\" or a token's address: %v", err)
		}
	}
	amt, err := str("amount", "a decimal string in the asset's base units (wei for ETH), e.g. \"100000000000000000000\" for 100 ETH")
	if err != nil {
		return l, err
	}
	n, ok := new(big.Int).SetString(amt, 10)
	if !ok || strings.TrimLeft(amt, "0123456789") != "" || n.Sign() <= 0 || n.Cmp(safe.MaxUint256) > 0 {
		return l, fmt.Errorf("amount: %s is not a whole number of base units from 1 to 2^256-1 (write it in decimal digits, in wei for ETH)", quoteValue(amt))
	}
	l.Amount = n
	per, err := str("period", "a duration such as \"24h\", \"7d\" or \"90m\"")
	if err != nil {
		return l, err
	}
	if l.Period, err = parsePeriod(per); err != nil {
		return l, fmt.Errorf("period: %v", err)
	}
	if l.ChainID, err = parseChainID(m, syn); err != nil {
		return l, err
	}
	return l, nil
}

// parsePeriod reads "24h", "90m", "7d" or any Go duration that is a
// whole number of minutes, from a minute to 366 days. A fraction of a
// minute ("1.01m", "61500ms") is refused: a period is stored in whole
// seconds and named in whole minutes, hours or days, and a book must
// read back from the store with the digest it was stored with.
func parsePeriod(s string) (time.Duration, error) {
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int64
		n, err = strconv.ParseInt(days, 10, 64)
		if err == nil && (n <= 0 || n > 366) {
			err = errors.New("out of range")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("%s is not a duration such as \"24h\", \"7d\" or \"90m\"", quoteValue(s))
	case d < MinLimitPeriod || d > MaxLimitPeriod:
		return 0, fmt.Errorf("%s is not from 1m to 366d", quoteValue(s))
	case d%time.Minute != 0:
		return 0, fmt.Errorf("%s is not a whole number of minutes: write it in whole minutes, hours or days, such as %q", quoteValue(s), PeriodText(d.Round(time.Minute)))
	}
	return d, nil
}
