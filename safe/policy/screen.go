package policy

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/safe/decode"
)

// Screening of the addresses a transaction names against Bulwark's
// sanctions and attribution lists (OFAC, UN, the FBI's DPRK addresses,
// the organisation's own lists). Every address the decoded transaction
// names is looked up: each call's target (and the recipient of the ETH it
// sends), token recipients, spenders and operators, new owners,
// implementations, admins and role holders, the addresses a Safe's own
// configuration calls set, every other address argument, and the
// refund receiver when the Safe pays a gas refund. A call whose data
// Bulwark cannot decode has its 32-byte words that read as addresses
// looked up too.

// Categories of a listing (as the screening lists state them).
const (
	ScreeningSanctions   = "sanctions"
	ScreeningAttribution = "attribution"
)

// ScreeningList is one list version a screener consults.
type ScreeningList struct {
	// ID is the list's identifier ("ofac-sdn", "fbi-dprk", "custom:mules").
	ID string `json:"id"`
	// Version is the SHA-256 of the list version's source files.
	Version string `json:"sha256"`
}

// ScreeningHit is one listing of a screened address.
type ScreeningHit struct {
	// List and ListVersion name the list version that lists the address.
	List        string `json:"list"`
	ListVersion string `json:"listVersion"`
	// EntityID and Entity name the listed party ("ofac-sdn:27307",
	// "LAZARUS GROUP").
	EntityID string `json:"entityId"`
	Entity   string `json:"entity"`
	// Programs are the sanctions programmes or actor tags the list states
	// ("DPRK3", "Lazarus Group"); none when it states none.
	Programs []string `json:"programs,omitempty"`
	// Category is why the list names it: sanctions, attribution, seizure,
	// label, internal or unknown. Confidence is high, medium, low or unknown.
	Category   string `json:"category"`
	Confidence string `json:"confidence"`
}

// AddressScreener looks addresses up in screening lists. Policy.Screener
// holds one; nil means no lists (SCREENING_NOT_CHECKED).
type AddressScreener interface {
	// Lists returns the list versions Lookup consults, none when it has
	// none (then nothing is checked).
	Lists() []ScreeningList
	// Lookup returns the listings of a on chain chainID (nil when not
	// known), none when a is not listed.
	Lookup(chainID *big.Int, a common.Address) []ScreeningHit
}

// ScreenerSnapshot is an AddressScreener whose lists can change (a
// server swaps in new versions); Snapshot returns one that keeps the
// lists of the moment, so that one verification consults, and records,
// one set of versions.
type ScreenerSnapshot interface {
	AddressScreener
	Snapshot() AddressScreener
}

// PinScreener returns s's snapshot if it has one, else s; nil when s is
// nil or consults no list.
func PinScreener(s AddressScreener) AddressScreener {
	if s == nil {
		return nil
	}
	if p, ok := s.(ScreenerSnapshot); ok {
		s = p.Snapshot()
	}
	if s == nil || len(s.Lists()) == 0 {
		return nil
	}
	return s
}

// ScreeningRecord is what a verification records of its screening: the
// list versions consulted; Checked false when there were none.
type ScreeningRecord struct {
	Checked bool            `json:"checked"`
	Lists   []ScreeningList `json:"lists"`
}

// screeningRecord describes the screening of a pinned screener s.
func screeningRecord(s AddressScreener) ScreeningRecord {
	r := ScreeningRecord{Lists: []ScreeningList{}}
	if s == nil {
		return r
	}
	r.Checked = true
	r.Lists = append(r.Lists, s.Lists()...)
	sort.Slice(r.Lists, func(i, j int) bool {
		if r.Lists[i].ID != r.Lists[j].ID {
			return r.Lists[i].ID < r.Lists[j].ID
		}
		return r.Lists[i].Version < r.Lists[j].Version
	})
	return r
}

// addressRole is an address a call names and what it is in the call
// (role, written only for an address that is listed).
type addressRole struct {
	addr common.Address
	role func() string
}

// roles collects the roles of the addresses one call names, in the order
// found, one entry per address (roles joined).
type roles struct {
	order []common.Address
	by    map[common.Address][]func() string
}

func (r *roles) add(a common.Address, role func() string) {
	if a == (common.Address{}) {
		return
	}
	if r.by == nil {
		r.by = map[common.Address][]func() string{}
	}
	if _, ok := r.by[a]; !ok {
		r.order = append(r.order, a)
	}
	r.by[a] = append(r.by[a], role)
}

func (r *roles) has(a common.Address) bool { _, ok := r.by[a]; return ok }

func (r *roles) list() []addressRole {
	out := make([]addressRole, len(r.order))
	for i, a := range r.order {
		fns := r.by[a]
		out[i] = addressRole{a, func() string {
			var texts []string
			for _, fn := range fns {
				if t := fn(); !slices.Contains(texts, t) {
					texts = append(texts, t)
				}
			}
			return strings.Join(texts, "; ")
		}}
	}
	return out
}

// weiPerETH is 10^18.
var weiPerETH = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// ethText writes wei as ETH: "1.5 ETH (1500000000000000000 wei)".
func ethText(wei *big.Int) string {
	q, m := new(big.Int).QuoRem(wei, weiPerETH, new(big.Int))
	s := q.String()
	if m.Sign() != 0 {
		frac := strings.TrimRight(fmt.Sprintf("%018s", m.String()), "0")
		s += "." + frac
	}
	return fmt.Sprintf("%s ETH (%s wei)", s, wei)
}

// tokenText names a token by its address and, if listed, its label in the
// address book.
func (p Policy) tokenText(chainID *big.Int, t common.Address) string {
	if e, ok := p.AddressBook.Lookup(chainID, t); ok {
		return fmt.Sprintf("%s (%q)", t.Hex(), e.Label)
	}
	return t.Hex()
}

// selfCallRoles names the addresses a Safe's own configuration calls set.
var selfCallRoles = map[string]string{
	"addOwnerWithThreshold.owner":  "new owner of the Safe",
	"swapOwner.newOwner":           "new owner of the Safe",
	"swapOwner.oldOwner":           "owner removed from the Safe",
	"swapOwner.prevOwner":          "owner before the one removed in the Safe's owner list",
	"removeOwner.owner":            "owner removed from the Safe",
	"removeOwner.prevOwner":        "owner before the one removed in the Safe's owner list",
	"enableModule.module":          "module enabled on the Safe",
	"disableModule.module":         "module disabled on the Safe",
	"disableModule.prevModule":     "module before the one disabled in the Safe's module list",
	"setGuard.guard":               "new transaction guard of the Safe",
	"setModuleGuard.moduleGuard":   "new module guard of the Safe",
	"setFallbackHandler.handler":   "new fallback handler of the Safe",
	"changeMasterCopy._masterCopy": "new singleton of the Safe",
}

// callAddressRoles returns the addresses call c names, each with its role
// in the call, the Safe's own address left out.
func (p Policy) callAddressRoles(env checkEnv, c *decode.DecodedCall) []addressRole {
	var r roles
	chain := env.d.ChainID
	what := func() string {
		if c.Signature != "" {
			return "call " + c.Path + " (" + c.Signature + ")"
		}
		return "call " + c.Path
	}
	value := c.Value != nil && c.Value.Sign() > 0
	switch {
	case c.Operation == safe.DelegateCall:
		r.add(c.To, func() string {
			return fmt.Sprintf("DELEGATECALL target of %s: its code runs with %s's storage and balance", what(), c.From.Hex())
		})
	case c.Operation == safe.Create:
	case value && (c.Kind == decode.KindEmpty || len(c.Data) == 0):
		r.add(c.To, func() string { return "recipient of " + ethText(c.Value) })
	case value:
		r.add(c.To, func() string { return fmt.Sprintf("target of %s, which receives %s", what(), ethText(c.Value)) })
	default:
		r.add(c.To, func() string { return "target of " + what() })
	}
	if c.Kind == decode.KindCall && c.Operation == safe.Call {
		token := func() string { return p.tokenText(chain, c.To) }
		to, _ := decode.ArgAddr(c, "to")
		switch c.Signature {
		case "transfer(address,uint256)":
			r.add(to, func() string {
				return fmt.Sprintf("recipient of %s base units of token %s", decode.ArgUint(c, "amount"), token())
			})
		case "transferFrom(address,address,uint256)":
			from, _ := decode.ArgAddr(c, "from")
			r.add(to, func() string {
				return fmt.Sprintf("recipient of %s (an ERC-20 amount in base units, or an ERC-721 token id) of token %s, moved from %s", decode.ArgUint(c, "amountOrTokenId"), token(), from.Hex())
			})
			r.add(from, func() string { return fmt.Sprintf("account token %s is moved from", token()) })
		case "safeTransferFrom(address,address,uint256)", "safeTransferFrom(address,address,uint256,bytes)":
			r.add(to, func() string {
				return fmt.Sprintf("recipient of token #%s of collection %s", decode.ArgUint(c, "tokenId"), token())
			})
		case "safeTransferFrom(address,address,uint256,uint256,bytes)":
			r.add(to, func() string {
				return fmt.Sprintf("recipient of %s of token #%s of collection %s", decode.ArgUint(c, "amount"), decode.ArgUint(c, "id"), token())
			})
		case "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)":
			r.add(to, func() string { return fmt.Sprintf("recipient of a batch of tokens of collection %s", token()) })
		case "transferFrom(address,address,uint160,address)":
			t, _ := decode.ArgAddr(c, "token")
			r.add(to, func() string {
				return fmt.Sprintf("recipient of %s base units of token %s through Permit2", decode.ArgUint(c, "amount"), p.tokenText(chain, t))
			})
		}
		for _, a := range decode.Approvals(c) {
			if a.Revoke {
				r.add(a.Spender, func() string {
					return fmt.Sprintf("spender whose allowance on token %s is revoked", p.tokenText(chain, a.Token))
				})
				continue
			}
			if a.Via == decode.ViaApprovalForAll {
				r.add(a.Spender, func() string {
					return fmt.Sprintf("operator allowed to move every token of collection %s", p.tokenText(chain, a.Token))
				})
				continue
			}
			amount := "an unlimited amount"
			if !a.Unlimited && a.Amount != nil {
				amount = a.Amount.String() + " base units"
			}
			r.add(a.Spender, func() string {
				return fmt.Sprintf("spender allowed to spend %s of token %s", amount, p.tokenText(chain, a.Token))
			})
		}
		if ch, ok := decode.Control(c); ok && ch.Holder != nil {
			is := ch.HolderIs
			if is == "" {
				is = "holder"
			}
			r.add(*ch.Holder, func() string {
				if ch.Role != "" {
					return fmt.Sprintf("%s (role %s) of %s", is, ch.Role, ch.Contract.Hex())
				}
				return fmt.Sprintf("%s of %s", is, ch.Contract.Hex())
			})
		}
	}
	if c.Kind == decode.KindCall {
		for _, a := range c.Args {
			walkAddressArgs(a, a.Name, func(name string, addr common.Address) {
				if r.has(addr) {
					return
				}
				if c.SelfCall {
					if role, ok := selfCallRoles[c.Function+"."+name]; ok {
						r.add(addr, func() string { return role })
						return
					}
				}
				r.add(addr, func() string { return fmt.Sprintf("argument %s of %s", name, what()) })
			})
		}
	}
	if c.Kind == decode.KindUnknown || c.Kind == decode.KindMalformed {
		for _, addr := range addressWords(c.Data) {
			r.add(addr, func() string {
				return fmt.Sprintf("a 32-byte word of the data of %s that Bulwark cannot decode, read as an address", what())
			})
		}
	}
	out := r.list()
	n := 0
	for _, ar := range out {
		if env.d.Safe != (common.Address{}) && ar.addr == env.d.Safe {
			continue
		}
		out[n] = ar
		n++
	}
	return out[:n]
}

// walkAddressArgs calls fn for every address in a's value, tuples and
// arrays included, with its path ("transferDetails[0].to").
func walkAddressArgs(a decode.Arg, name string, fn func(name string, addr common.Address)) {
	var walk func(v any, name string)
	walk = func(v any, name string) {
		switch x := v.(type) {
		case common.Address:
			fn(name, x)
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s[%d]", name, i))
			}
		case []decode.Arg:
			for _, e := range x {
				walk(e.Value, name+"."+e.Name)
			}
		}
	}
	walk(a.Value, name)
}

// maxDataWords bounds the words of undecodable data read as addresses.
const maxDataWords = 4096

// addressWords returns the distinct 32-byte words of data after a
// selector that read as addresses: 12 zero bytes then 20 bytes, at least
// 4 of which are not zero (leaving out small integers).
func addressWords(data []byte) []common.Address {
	if len(data) < 4 {
		return nil
	}
	var out []common.Address
	seen := map[common.Address]bool{}
	body := data[4:]
	for i := 0; i+32 <= len(body) && i/32 < maxDataWords; i += 32 {
		w := body[i : i+32]
		zeros := true
		for _, b := range w[:12] {
			if b != 0 {
				zeros = false
				break
			}
		}
		if !zeros {
			continue
		}
		nz := 0
		for _, b := range w[12:] {
			if b != 0 {
				nz++
			}
		}
		if nz < 4 {
			continue
		}
		a := common.BytesToAddress(w[12:])
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// ruleScreening looks up every address call c names in the screening
// lists.
func ruleScreening(p Policy, env checkEnv, c *decode.DecodedCall) []Finding {
	if env.scr == nil {
		return nil
	}
	var out []Finding
	for _, ar := range p.callAddressRoles(env, c) {
		hits := env.scr.Lookup(env.d.ChainID, ar.addr)
		if len(hits) == 0 {
			continue
		}
		role := ar.role()
		for _, h := range hits {
			out = append(out, screeningFinding(c, ar.addr, role, h))
		}
	}
	return out
}

// screeningTxFindings screens the addresses of the transaction itself
// (the gas refund's receiver when the Safe pays one), or says that no
// list was available (SCREENING_NOT_CHECKED).
func screeningTxFindings(scr AddressScreener, d safe.Domain, tx safe.Tx) []Finding {
	if scr == nil {
		return []Finding{finding(CodeScreeningUnchecked, SeverityInfo, nil,
			"the addresses this transaction names were NOT screened: no sanctions or attribution list (OFAC, UN, FBI DPRK) was available to this verification, so a transfer to a sanctioned or Lazarus-attributed address would not be seen. This is not a clear result: verify where Bulwark's lists are loaded (a data directory; 'bulwark lists update') before anyone signs")}
	}
	var out []Finding
	if tx.GasPrice != nil && tx.GasPrice.Sign() > 0 && tx.RefundReceiver != (common.Address{}) {
		ar := addressRole{tx.RefundReceiver, func() string { return "receiver of the gas refund the Safe pays (refundReceiver)" }}
		for _, h := range scr.Lookup(d.ChainID, ar.addr) {
			out = append(out, screeningFinding(nil, ar.addr, ar.role(), h))
		}
	}
	return out
}

// screeningFinding is the finding of hit h on address a, whose role in
// call c (nil: the transaction itself) is role.
func screeningFinding(c *decode.DecodedCall, a common.Address, role string, h ScreeningHit) Finding {
	programme := "none stated"
	if len(h.Programs) > 0 {
		programme = strings.Join(h.Programs, ", ")
	}
	fields := []string{"address", a.Hex(), "role", role, "list", h.List, "listVersion", h.ListVersion,
		"entityId", h.EntityID, "entity", h.Entity, "programme", programme, "category", h.Category, "confidence", h.Confidence}
	listed := fmt.Sprintf("%s is listed on %s (version %s) as %q (%s; programme %s; confidence %s)",
		a.Hex(), h.List, shortVersion(h.ListVersion), h.Entity, h.EntityID, programme, h.Confidence)
	switch {
	case h.Category == ScreeningSanctions:
		return finding(CodeSanctionedAddress, SeverityCritical, c,
			"%s. It is the %s. Sending to, approving or handing control to a sanctioned address is prohibited: do not sign", listed, role).With(fields...)
	case h.Category == ScreeningAttribution && h.Confidence == "high":
		return finding(CodeAttributedAddress, SeverityCritical, c,
			"%s, an attribution to a threat actor. It is the %s. Funds or control sent there go to the attacker (DPRK's Lazarus group laundered the Bybit theft through such addresses): do not sign", listed, role).With(fields...)
	case h.Category == ScreeningAttribution:
		return finding(CodeAttributedAddress, SeverityHigh, c,
			"%s, an attribution to a threat actor that the list does not state with high confidence. It is the %s. Find out whose address it is before anyone signs: two people must approve it (dual control)", listed, role).With(fields...)
	}
	what := "an entry"
	if h.Category != "" {
		what = "an entry of category " + h.Category
	}
	return finding(CodeListedAddress, SeverityHigh, c,
		"%s, %s. It is the %s. Find out why it is listed before anyone signs: two people must approve it (dual control)", listed, what, role).With(fields...)
}

// shortVersion shortens a list version (a SHA-256) for a message; the
// field keeps it whole.
func shortVersion(v string) string {
	if len(v) > 12 {
		return v[:12]
	}
	if v == "" {
		return "not known"
	}
	return v
}
