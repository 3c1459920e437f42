package tracing

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
)

// CaseStatus is whether an investigation is being followed.
type CaseStatus string

// Case statuses.
const (
	// CaseOpen: the case may be changed and run.
	CaseOpen CaseStatus = "open"
	// CaseClosed: the case is kept as it was closed; only reopening it
	// changes it.
	CaseClosed CaseStatus = "closed"
)

// Limits on what a case holds.
const (
	MaxCaseSeeds      = 1000
	MaxCaseLabels     = 10000
	MaxCaseThresholds = 1000
	MaxKnownTokens    = 1000
	MaxCaseTitle      = 200 // characters
	MaxLabelName      = 100 // characters
	MaxCaseSource     = 200 // bytes
)

// DefaultCaseSource is the ingestion source a case reads when none is
// given: the transfers ingested from a node.
const DefaultCaseSource = "node"

// AnyAsset is the key of Case.Thresholds that applies to every asset not
// listed by its own key.
const AnyAsset = "*"

// Case is a stored investigation: what to trace (seeds, chain, policy,
// direction, bounds), what the analyst knows (labels) and wants to be
// told (thresholds), the latest results and who changed what.
type Case struct {
	// ID is given by the store when the case is created; it is returned
	// only once the case is committed.
	ID    int64  `json:"id"`
	Title string `json:"title,omitempty"`
	// Chain is the EIP-155 chain id; Source the ingestion source whose
	// transfers the case is traced over: "node" (the follower of serve),
	// "trace:N" (a one-shot trace from block N).
	Chain  uint64 `json:"chain"`
	Source string `json:"source"`
	// Seeds are the seed addresses (EIP-55) and transaction hashes
	// (lower-case), as normalised by NewCase.
	Seeds     []string  `json:"seeds"`
	Policy    Policy    `json:"policy"`
	Direction Direction `json:"direction"`
	Bounds    Bounds    `json:"bounds"`
	// Labels are the analyst's own labels, by address.
	Labels []CaseLabel `json:"labels"`
	// Notes are the analyst's notes, on addresses or on the case, oldest
	// first.
	Notes []CaseNote `json:"notes"`
	// Thresholds are the alert thresholds, in base units, per asset key
	// (Asset.String); the entry under AnyAsset applies to assets not
	// listed. Empty: any taint alerts.
	Thresholds map[string]string `json:"thresholds,omitempty"`
	// KnownTokens are the genuine token contracts (EIP-55): set, a
	// transfer of another token that looks spoofed is left out as
	// address-poisoning noise (Request.KnownTokens).
	KnownTokens []string   `json:"knownTokens,omitempty"`
	Status      CaseStatus `json:"status"`
	// CreatedBy is the audit actor who opened the case ("token:ID",
	// "cli:USER").
	CreatedBy string    `json:"createdBy"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// ClosedAt and ClosedBy are set while the case is closed.
	ClosedAt *time.Time `json:"closedAt,omitempty"`
	ClosedBy string     `json:"closedBy,omitempty"`
	// Results are the latest results; nil before the first run. A listing
	// leaves out their graph.
	Results *CaseResults `json:"results,omitempty"`
	// History is every change, oldest first; a listing leaves it out.
	History []CaseEvent `json:"history,omitempty"`
}

// CaseLabel is an analyst's label of an address in a case. In a trace it
// is a Label with source "user".
type CaseLabel struct {
	Address  common.Address `json:"address"`
	Name     string         `json:"name"`
	Category string         `json:"category,omitempty"`
	Hub      bool           `json:"hub,omitempty"`
}

// MarshalJSON writes the address in EIP-55 form.
func (l CaseLabel) MarshalJSON() ([]byte, error) {
	type plain CaseLabel
	return json.Marshal(struct {
		Address string `json:"address"`
		plain
	}{l.Address.Hex(), plain(l)})
}

// Label returns the label as a trace shows it.
func (l CaseLabel) Label() Label {
	return Label{Source: "user", Name: l.Name, Category: l.Category, Hub: l.Hub}
}

// CaseResults are the results of a case's latest run.
type CaseResults struct {
	// Block is the last block the run covered: the case's progress.
	Block uint64 `json:"block"`
	// ComputedAt is when the results were stored (UTC; the store stamps
	// it, as it stamps every time of a case).
	ComputedAt time.Time `json:"computedAt"`
	// Transfers is how many transfers the run read.
	Transfers int         `json:"transfers"`
	Summary   CaseSummary `json:"summary"`
	// Graph is the trace; nil in a listing.
	Graph *Graph `json:"graph,omitempty"`
}

// CaseSummary counts what a run found.
type CaseSummary struct {
	Nodes  int `json:"nodes"`
	Edges  int `json:"edges"`
	Exits  int `json:"exits"`
	Alerts int `json:"alerts"`
	// MaxHop is the largest hop count reached.
	MaxHop int `json:"maxHop"`
}

// Summarize counts g.
func Summarize(g *Graph) CaseSummary {
	s := CaseSummary{Nodes: len(g.Nodes), Edges: len(g.Edges), Exits: len(g.Exits), Alerts: len(g.Alerts)}
	for _, n := range g.Nodes {
		s.MaxHop = max(s.MaxHop, n.Hop)
	}
	return s
}

// CaseEvent is one change of a case, as its history keeps it.
type CaseEvent struct {
	At time.Time `json:"at"`
	// Actor is the audit actor who made the change.
	Actor string `json:"actor"`
	// Action is open, update, label, unlabel, note, run, close or reopen.
	Action string `json:"action"`
	// Details say what changed (a JSON object).
	Details json.RawMessage `json:"details,omitempty"`
	// AuditSeq is the audit entry that records the change (0 when it was
	// made outside the audit log, which Bulwark never does).
	AuditSeq int64 `json:"auditSeq,omitempty"`
}

// Case actions, as history and the audit log name them (the audit action
// is "trace.case." + the action).
const (
	CaseActionOpen    = "open"
	CaseActionUpdate  = "update"
	CaseActionLabel   = "label"
	CaseActionUnlabel = "unlabel"
	CaseActionRun     = "run"
	CaseActionClose   = "close"
	CaseActionReopen  = "reopen"
)

// CaseSpec is what a caller asks to open a case with; NewCase checks and
// normalises it.
type CaseSpec struct {
	Title      string            `json:"title"`
	Chain      uint64            `json:"chain"`
	Source     string            `json:"source"`
	Seeds      []string          `json:"seeds"`
	Policy     string            `json:"policy"`
	Direction  string            `json:"direction"`
	Bounds     Bounds            `json:"bounds"`
	Labels     []CaseLabel       `json:"labels"`
	Thresholds map[string]string `json:"thresholds"`
	// KnownTokens are the genuine token contracts (addresses); see
	// Case.KnownTokens.
	KnownTokens []string `json:"knownTokens"`
}

// NewCase checks spec and returns the case to create (open, without id or
// times). Defaults: chain 1, source "node", policy haircut, direction
// forward. Errors are EINVALID naming the field.
func NewCase(spec CaseSpec) (*Case, error) {
	c := &Case{Chain: spec.Chain, Source: spec.Source, Status: CaseOpen, Labels: []CaseLabel{}, Notes: []CaseNote{}}
	if c.Chain == 0 {
		c.Chain = 1
	}
	if c.Chain > 1<<63-1 {
		return nil, bulwark.Invalid("chain", "%d is out of range", c.Chain)
	}
	if c.Source == "" {
		c.Source = DefaultCaseSource
	}
	if err := checkSource(c.Source); err != nil {
		return nil, err
	}
	var err error
	if c.Title, err = checkTitle(spec.Title); err != nil {
		return nil, err
	}
	if c.Seeds, err = NormalizeSeeds(spec.Seeds); err != nil {
		return nil, err
	}
	c.Policy = Haircut
	if spec.Policy != "" {
		if c.Policy, err = ParsePolicy(spec.Policy); err != nil {
			return nil, err
		}
	}
	switch Direction(spec.Direction) {
	case "", Forward:
		c.Direction = Forward
	case Backward:
		c.Direction = Backward
	default:
		return nil, bulwark.Invalid("direction", "unknown direction %q: use forward or backward", spec.Direction)
	}
	if c.Bounds, err = CheckBounds(spec.Bounds); err != nil {
		return nil, err
	}
	for _, l := range spec.Labels {
		if err := c.setLabel(l); err != nil {
			return nil, err
		}
	}
	if c.Thresholds, err = CheckThresholds(spec.Thresholds); err != nil {
		return nil, err
	}
	if c.KnownTokens, err = CheckKnownTokens(spec.KnownTokens); err != nil {
		return nil, err
	}
	return c, nil
}

// CheckKnownTokens checks the genuine token contracts of a case: addresses
// (0x + 40 hex digits, a mixed-case one passing its EIP-55 checksum), not
// the zero address, none twice, at most MaxKnownTokens. It returns them in
// EIP-55 form, in the order given (nil for none).
func CheckKnownTokens(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > MaxKnownTokens {
		return nil, bulwark.Invalid("knownTokens", "%d token contracts; at most %d", len(in), MaxKnownTokens)
	}
	out := make([]string, 0, len(in))
	seen := make(map[common.Address]bool, len(in))
	for _, s := range in {
		a, err := ParseAddress("knownTokens", s)
		if err != nil {
			return nil, err
		}
		if a == (common.Address{}) {
			return nil, bulwark.Invalid("knownTokens", "the zero address is not a token contract")
		}
		if seen[a] {
			return nil, bulwark.Invalid("knownTokens", "%s is given twice", a.Hex())
		}
		seen[a] = true
		out = append(out, a.Hex())
	}
	return out, nil
}

func checkSource(s string) error {
	if len(s) > MaxCaseSource || !printable(s) || strings.ContainsFunc(s, unicode.IsSpace) {
		return bulwark.Invalid("source", "%q is not a source name: give the name the transfers were ingested under: node (the follower of serve), or trace:N ('bulwark trace --rpc --from-block N')", s)
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

func checkTitle(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !printable(s) {
		return "", bulwark.Invalid("title", "must be text without control characters")
	}
	if n := utf8.RuneCountInString(s); n > MaxCaseTitle {
		return "", bulwark.Invalid("title", "is %d characters long; at most %d", n, MaxCaseTitle)
	}
	return s, nil
}

// NormalizeSeeds checks seeds and returns them normalised: an address
// (0x + 40 hex digits) in EIP-55 form, a transaction hash (0x + 64 hex
// digits) in lower case. At least one seed is required; a seed given twice
// is refused.
func NormalizeSeeds(seeds []string) ([]string, error) {
	if len(seeds) == 0 {
		return nil, bulwark.Invalid("seeds", "required: give at least one seed address or transaction hash")
	}
	if len(seeds) > MaxCaseSeeds {
		return nil, bulwark.Invalid("seeds", "%d seeds; at most %d", len(seeds), MaxCaseSeeds)
	}
	out := make([]string, 0, len(seeds))
	seen := map[string]bool{}
	for _, s := range seeds {
		n, err := normalizeSeed(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		if seen[strings.ToLower(n)] {
			return nil, bulwark.Invalid("seeds", "%s is given twice", n)
		}
		seen[strings.ToLower(n)] = true
		out = append(out, n)
	}
	return out, nil
}

func normalizeSeed(s string) (string, error) {
	hex, ok := strings.CutPrefix(s, "0x")
	if !ok {
		hex, ok = strings.CutPrefix(s, "0X")
	}
	valid := ok && (len(hex) == 40 || len(hex) == 64)
	for i := 0; valid && i < len(hex); i++ {
		c := hex[i]
		valid = '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
	}
	if !valid {
		return "", bulwark.Invalid("seeds", "%q is neither an address (0x + 40 hex digits) nor a transaction hash (0x + 64 hex digits)", s)
	}
	if len(hex) == 64 {
		if strings.Trim(hex, "0") == "" {
			return "", bulwark.Invalid("seeds", "the zero hash is not a transaction: give the 32-byte hash of the theft's transaction")
		}
		return "0x" + strings.ToLower(hex), nil
	}
	a := common.HexToAddress(hex)
	if a == (common.Address{}) {
		return "", bulwark.Invalid("seeds", "the zero address is not a seed (it stands for mints and burns)")
	}
	if badChecksum(a, hex) {
		return "", bulwark.Invalid("seeds", "%s: mixed-case address fails its EIP-55 checksum; check for a typo or pass it all lower-case", s)
	}
	return a.Hex(), nil
}

// badChecksum reports whether digits, the hex digits of a, mix cases
// without being a's EIP-55 form.
func badChecksum(a common.Address, digits string) bool {
	return strings.ToLower(digits) != digits && strings.ToUpper(digits) != digits && a.Hex()[2:] != digits
}

// SeedParts splits normalised seeds into addresses and transaction
// hashes.
func SeedParts(seeds []string) (addrs []common.Address, txs []common.Hash) {
	for _, s := range seeds {
		if len(s) == 66 {
			txs = append(txs, common.HexToHash(s))
		} else {
			addrs = append(addrs, common.HexToAddress(s))
		}
	}
	return addrs, txs
}

// CheckBounds checks a case's bounds: hops from 0 (the default,
// DefaultMaxHops) to MaxMaxHops, a hub degree not negative, a minimum
// value in base units below 2^256, block and time ranges that do not end
// before they start.
func CheckBounds(b Bounds) (Bounds, error) {
	if b.MaxHops < 0 || b.MaxHops > MaxMaxHops {
		return b, bulwark.Invalid("bounds.maxHops", "%d is out of range: give 1 to %d, or 0 for the default (%d)", b.MaxHops, MaxMaxHops, DefaultMaxHops)
	}
	if b.HubDegree < 0 {
		return b, bulwark.Invalid("bounds.hubDegree", "%d is negative: give the number of distinct counterparties that makes an address a hub (e.g. 1000), or 0 for none", b.HubDegree)
	}
	if b.MinValue != "" {
		v, err := ParseAmount("bounds.minValue", b.MinValue)
		if err != nil {
			return b, err
		}
		b.MinValue = v.Dec()
		if v.IsZero() {
			b.MinValue = ""
		}
	}
	if b.FromBlock > 1<<63-1 || b.ToBlock > 1<<63-1 {
		return b, bulwark.Invalid("bounds.toBlock", "block numbers go up to %d", int64(1<<63-1))
	}
	if b.ToBlock != 0 && b.ToBlock < b.FromBlock {
		return b, bulwark.Invalid("bounds.toBlock", "%d is before bounds.fromBlock %d", b.ToBlock, b.FromBlock)
	}
	if b.FromTime < 0 || b.ToTime < 0 {
		return b, bulwark.Invalid("bounds.fromTime", "times are Unix seconds, not negative")
	}
	if b.ToTime != 0 && b.ToTime < b.FromTime {
		return b, bulwark.Invalid("bounds.toTime", "%d is before bounds.fromTime %d", b.ToTime, b.FromTime)
	}
	return b, nil
}

// ParseAmount reads a whole number of base units (wei, token units):
// decimal digits, below 2^256. field names the input in the error.
func ParseAmount(field, s string) (*uint256.Int, error) {
	ok := s != "" && len(s) <= 78
	for i := 0; ok && i < len(s); i++ {
		ok = '0' <= s[i] && s[i] <= '9'
	}
	var v uint256.Int
	if !ok || v.SetFromDecimal(s) != nil {
		return nil, bulwark.Invalid(field, "%q is not an amount: give a whole number of base units (wei for ETH), below 2^256, without decimals or units", s)
	}
	return &v, nil
}

// CheckThresholds checks alert thresholds: keys are asset keys
// (Asset.String) of the case's assets or AnyAsset, values amounts in base
// units. It returns them normalised (nil for none).
func CheckThresholds(in map[string]string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > MaxCaseThresholds {
		return nil, bulwark.Invalid("thresholds", "%d thresholds; at most %d", len(in), MaxCaseThresholds)
	}
	out := make(map[string]string, len(in))
	for k, v := range in {
		key := k
		if k != AnyAsset {
			a, err := ParseAsset(k)
			if err != nil {
				return nil, bulwark.Invalid("thresholds", "%q is neither an asset key (native:1, erc20:1:0x…) nor %s for any asset", k, AnyAsset)
			}
			key = a.String()
		}
		amt, err := ParseAmount("thresholds", v)
		if err != nil {
			return nil, err
		}
		if _, dup := out[key]; dup {
			return nil, bulwark.Invalid("thresholds", "%s is given twice", key)
		}
		out[key] = amt.Dec()
	}
	return out, nil
}

// ParseThresholds reads thresholds as the command line gives them: one
// amount for every asset ("1000000000000000000"), or ASSET=AMOUNT pairs
// separated by commas, with * for any asset ("native:1=1000,*=5").
func ParseThresholds(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if !strings.Contains(s, "=") {
		return CheckThresholds(map[string]string{AnyAsset: s})
	}
	in := map[string]string{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return nil, bulwark.Invalid("thresholds", "%q is not ASSET=AMOUNT (e.g. native:1=1000000000000000000, or *=AMOUNT for any asset)", part)
		}
		if _, dup := in[k]; dup {
			return nil, bulwark.Invalid("thresholds", "%s is given twice", k)
		}
		in[k] = v
	}
	return CheckThresholds(in)
}

// CheckLabel checks an analyst's label: a non-zero address, a name of 1
// to MaxLabelName characters, an optional category (lower-case letters,
// digits and _, as GraphSense's concepts).
func CheckLabel(l CaseLabel) (CaseLabel, error) {
	if l.Address == (common.Address{}) {
		return l, bulwark.Invalid("address", "required: the address to label (not the zero address)")
	}
	l.Name = strings.TrimSpace(l.Name)
	if l.Name == "" {
		return l, bulwark.Invalid("name", "required: what the address is (e.g. \"Binance deposit\")")
	}
	if !printable(l.Name) {
		return l, bulwark.Invalid("name", "must be text without control characters")
	}
	if n := utf8.RuneCountInString(l.Name); n > MaxLabelName {
		return l, bulwark.Invalid("name", "is %d characters long; at most %d", n, MaxLabelName)
	}
	for _, r := range l.Category {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_') || len(l.Category) > 64 {
			return l, bulwark.Invalid("category", "%q is not a category: lower-case letters, digits and _ (exchange, mixing_service, bridge…)", l.Category)
		}
	}
	return l, nil
}

// IsHexAddress reports whether s is an EVM address written as 0x (or 0X)
// and 40 hex digits in any letter case (common.IsHexAddress also takes it
// without the 0x). It does not check an EIP-55 checksum: see
// [ParseAddress].
func IsHexAddress(s string) bool {
	return len(s) == 42 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && common.IsHexAddress(s)
}

// ParseAddress reads an EVM address (0x + 40 hex digits) given as field.
func ParseAddress(field, s string) (common.Address, error) {
	s = strings.TrimSpace(s)
	if !IsHexAddress(s) {
		return common.Address{}, bulwark.Invalid(field, "%q is not an address: give 0x and 40 hex digits", s)
	}
	a := common.HexToAddress(s)
	if badChecksum(a, s[2:]) {
		return common.Address{}, bulwark.Invalid(field, "%s: mixed-case address fails its EIP-55 checksum; check for a typo or pass it all lower-case", s)
	}
	return a, nil
}

// setLabel checks l and puts it in place of the case's label of the same
// address, if any.
func (c *Case) setLabel(l CaseLabel) error {
	l, err := CheckLabel(l)
	if err != nil {
		return err
	}
	if i := c.labelIndex(l.Address); i >= 0 {
		c.Labels[i] = l
		return nil
	}
	if len(c.Labels) >= MaxCaseLabels {
		return bulwark.Invalid("labels", "a case holds at most %d labels", MaxCaseLabels)
	}
	c.Labels = append(c.Labels, l)
	slices.SortFunc(c.Labels, func(a, b CaseLabel) int { return a.Address.Cmp(b.Address) })
	return nil
}

func (c *Case) labelIndex(a common.Address) int {
	return slices.IndexFunc(c.Labels, func(l CaseLabel) bool { return l.Address == a })
}

// CaseUpdate is a change of an open case. Nil fields are left alone.
type CaseUpdate struct {
	Title *string `json:"title,omitempty"`
	// Bounds replaces the bounds.
	Bounds *Bounds `json:"bounds,omitempty"`
	// Thresholds replaces the thresholds (an empty map removes them).
	Thresholds *map[string]string `json:"thresholds,omitempty"`
	// Label adds a label, or replaces the label of its address.
	Label *CaseLabel `json:"label,omitempty"`
	// Unlabel removes the label of an address.
	Unlabel *common.Address `json:"unlabel,omitempty"`
	// Note adds a note (its Address and Text; Apply sets its author and
	// time). It goes on its own, as labels do not.
	Note *CaseNote `json:"note,omitempty"`
	// Status closes (closed) or reopens (open) the case.
	Status *CaseStatus `json:"status,omitempty"`
}

// Apply makes u on c as actor at time at and returns the history event
// that records it. A closed case refuses every change but reopening
// (ECONFLICT); an open case refuses to be opened again (ECONFLICT); a bad
// value is EINVALID; an update that changes nothing is EINVALID. Stores
// call it, so every store applies the same rules; c is changed only when
// Apply succeeds.
func (c *Case) Apply(u CaseUpdate, actor string, at time.Time) (CaseEvent, error) {
	at = at.UTC()
	n := *c
	n.Labels = slices.Clone(c.Labels)
	n.Notes = slices.Clone(c.Notes)
	details := map[string]any{}
	action := CaseActionUpdate
	kinds := 0
	if u.Status != nil {
		kinds++
		switch *u.Status {
		case CaseClosed:
			if c.Status == CaseClosed {
				return CaseEvent{}, bulwark.Errorf(bulwark.ECONFLICT, "case %d is already closed", c.ID)
			}
			action, n.Status, n.ClosedAt, n.ClosedBy = CaseActionClose, CaseClosed, &at, actor
		case CaseOpen:
			if c.Status == CaseOpen {
				return CaseEvent{}, bulwark.Errorf(bulwark.ECONFLICT, "case %d is already open", c.ID)
			}
			action, n.Status, n.ClosedAt, n.ClosedBy = CaseActionReopen, CaseOpen, nil, ""
		default:
			return CaseEvent{}, bulwark.Invalid("status", "unknown status %q: use open or closed", *u.Status)
		}
	}
	changes := u.Title != nil || u.Bounds != nil || u.Thresholds != nil || u.Label != nil || u.Unlabel != nil || u.Note != nil
	if c.Status == CaseClosed && (changes || u.Status == nil) {
		return CaseEvent{}, bulwark.Errorf(bulwark.ECONFLICT, "case %d is closed: reopen it to change it", c.ID)
	}
	if u.Status != nil && changes {
		return CaseEvent{}, bulwark.Invalid("status", "change the status on its own, not with other changes")
	}
	if u.Title != nil {
		t, err := checkTitle(*u.Title)
		if err != nil {
			return CaseEvent{}, err
		}
		n.Title, details["title"] = t, t
	}
	if u.Bounds != nil {
		b, err := CheckBounds(*u.Bounds)
		if err != nil {
			return CaseEvent{}, err
		}
		n.Bounds, details["bounds"] = b, b
	}
	if u.Thresholds != nil {
		th, err := CheckThresholds(*u.Thresholds)
		if err != nil {
			return CaseEvent{}, err
		}
		n.Thresholds = th
		if th == nil {
			details["thresholds"] = map[string]string{}
		} else {
			details["thresholds"] = th
		}
	}
	if u.Note != nil {
		if u.Title != nil || u.Bounds != nil || u.Thresholds != nil || u.Label != nil || u.Unlabel != nil {
			return CaseEvent{}, bulwark.Invalid("note", "add a note on its own, not with other changes")
		}
		note, err := n.addNote(*u.Note, actor, at)
		if err != nil {
			return CaseEvent{}, err
		}
		action, details["note"] = CaseActionNote, note
	}
	if u.Label != nil && u.Unlabel != nil {
		return CaseEvent{}, bulwark.Invalid("label", "add a label or remove one, not both at once")
	}
	if u.Label != nil {
		if err := n.setLabel(*u.Label); err != nil {
			return CaseEvent{}, err
		}
		l, _ := CheckLabel(*u.Label)
		details["label"] = l
		if u.Title == nil && u.Bounds == nil && u.Thresholds == nil {
			action = CaseActionLabel
		}
	}
	if u.Unlabel != nil {
		i := n.labelIndex(*u.Unlabel)
		if i < 0 {
			return CaseEvent{}, bulwark.Errorf(bulwark.ENOTFOUND, "case %d has no label for %s", c.ID, u.Unlabel.Hex())
		}
		n.Labels = slices.Delete(n.Labels, i, i+1)
		details["unlabel"] = u.Unlabel.Hex()
		if u.Title == nil && u.Bounds == nil && u.Thresholds == nil {
			action = CaseActionUnlabel
		}
	}
	if kinds == 0 && !changes {
		return CaseEvent{}, bulwark.Invalid("update", "nothing to change: give a title, bounds, thresholds, a label, a note or a status")
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return CaseEvent{}, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the case change")
	}
	if action != CaseActionNote { // a note changes no run's results: the case does not go stale
		n.UpdatedAt = at
	}
	*c = n
	return CaseEvent{At: at, Actor: actor, Action: action, Details: raw}, nil
}

// ResultsEvent returns the history event of storing r as c's results, and
// refuses (ECONFLICT) results for a closed case.
func (c *Case) ResultsEvent(r *CaseResults, actor string) (CaseEvent, error) {
	if c.Status == CaseClosed {
		return CaseEvent{}, bulwark.Errorf(bulwark.ECONFLICT, "case %d is closed: reopen it to run it", c.ID)
	}
	if r == nil || r.Graph == nil {
		return CaseEvent{}, bulwark.Invalid("results", "a run's results need their graph")
	}
	raw, err := json.Marshal(map[string]any{"block": r.Block, "transfers": r.Transfers, "summary": r.Summary})
	if err != nil {
		return CaseEvent{}, bulwark.Wrap(err, bulwark.EINTERNAL, "cannot encode the case run")
	}
	return CaseEvent{At: r.ComputedAt.UTC(), Actor: actor, Action: CaseActionRun, Details: raw}, nil
}

// OpenEvent returns the history event of creating c.
func (c *Case) OpenEvent() CaseEvent {
	d := map[string]any{"chain": c.Chain, "source": c.Source, "seeds": c.Seeds, "policy": c.Policy,
		"direction": c.Direction, "bounds": c.Bounds}
	if len(c.KnownTokens) > 0 {
		d["knownTokens"] = c.KnownTokens
	}
	raw, _ := json.Marshal(d)
	return CaseEvent{At: c.CreatedAt.UTC(), Actor: c.CreatedBy, Action: CaseActionOpen, Details: raw}
}

// Stale reports whether the case was changed after its latest results
// were computed (or has none), so a run would give other results.
func (c *Case) Stale() bool {
	return c.Results == nil || c.Results.ComputedAt.Before(c.UpdatedAt)
}

// Request returns the trace request of the case: its seeds, policy,
// direction and bounds, its thresholds, its known tokens, and its labels
// ahead of those of base (nil for none).
func (c *Case) Request(base Labeler) (Request, error) {
	req := Request{Chain: c.Chain, Policy: c.Policy, Direction: c.Direction, Bounds: c.Bounds}
	req.SeedAddresses, req.SeedTxs = SeedParts(c.Seeds)
	for _, s := range c.KnownTokens {
		a, err := ParseAddress("knownTokens", s)
		if err != nil {
			return req, err
		}
		req.KnownTokens = append(req.KnownTokens, a)
	}
	if c.Bounds.MinValue != "" {
		v, err := ParseAmount("bounds.minValue", c.Bounds.MinValue)
		if err != nil {
			return req, err
		}
		req.MinValue = v
	}
	if len(c.Thresholds) > 0 {
		req.Thresholds = make(map[string]*uint256.Int, len(c.Thresholds))
		for k, v := range c.Thresholds {
			amt, err := ParseAmount("thresholds", v)
			if err != nil {
				return req, err
			}
			if k == AnyAsset {
				k = ""
			}
			req.Thresholds[k] = amt
		}
	}
	if len(c.Labels) > 0 || base != nil {
		req.Labeler = caseLabeler{own: c.Labels, base: base}
	}
	return req, nil
}

// caseLabeler answers a case's own labels, then base's.
type caseLabeler struct {
	own  []CaseLabel // sorted by address
	base Labeler
}

func (l caseLabeler) Labels(a common.Address) []Label {
	var out []Label
	if i, ok := slices.BinarySearchFunc(l.own, a, func(x CaseLabel, a common.Address) int { return x.Address.Cmp(a) }); ok {
		out = append(out, l.own[i].Label())
	}
	if l.base != nil {
		out = append(out, l.base.Labels(a)...)
	}
	return out
}

// CaseFilter selects cases to list, newest first.
type CaseFilter struct {
	// Before, when not 0, keeps the cases with a lower id (the next page
	// after a page ending with case Before).
	Before int64
	// Status, when set, keeps the cases of that status.
	Status CaseStatus
	// Limit is the most cases to return; it must be positive.
	Limit int
}

// CaseStore keeps cases, their latest results and their history.
//
// A store adapter that also holds the audit log joins the write
// transaction that audit.Log.Do hands its change, so a change of a case,
// its history event and its audit entry commit together or not at all;
// each history event records the sequence number of that entry
// (audit.PendingSeq). The changing methods apply the domain's rules
// (Case.Apply, Case.ResultsEvent) to the stored case inside that
// transaction.
type CaseStore interface {
	// CreateCase stores c (from NewCase) as a new open case created by
	// c.CreatedBy, with its open event, and returns it with its id and
	// times. Ids are positive, increase and are never reused.
	CreateCase(ctx context.Context, c *Case) (*Case, error)
	// Case returns a case with its results (graph included) and history;
	// ENOTFOUND when there is none.
	Case(ctx context.Context, id int64) (*Case, error)
	// Cases returns the cases f selects, newest (highest id) first, with
	// their results' summaries but no graph and no history. EINVALID for a
	// limit below 1.
	Cases(ctx context.Context, f CaseFilter) ([]*Case, error)
	// UpdateCase applies u as actor (Case.Apply) and returns the case as
	// changed (without its results' graph or its history) and the history
	// event stored; ENOTFOUND when there is no such case.
	UpdateCase(ctx context.Context, id int64, u CaseUpdate, actor string) (*Case, CaseEvent, error)
	// SetCaseResults replaces the case's results with r as actor
	// (Case.ResultsEvent), stamping their ComputedAt, and returns the case
	// with them (without its history); ENOTFOUND when
	// there is no such case, ECONFLICT when it is closed.
	SetCaseResults(ctx context.Context, id int64, r *CaseResults, actor string) (*Case, error)
}

// CaseTarget is the audit target of case id.
func CaseTarget(id int64) string { return "trace-case:" + strconv.FormatInt(id, 10) }

// ParseCaseID reads a case id given as field: a positive whole number.
func ParseCaseID(field, s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || id < 1 {
		return 0, bulwark.Invalid(field, "%q is not a case id (a positive whole number; see 'bulwark trace case list')", s)
	}
	return id, nil
}
