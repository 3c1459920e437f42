package report

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
)

// Summary is the overview of a trace an analyst hands on: what was traced
// and how, and a freeze request per deposit address that received tainted
// value.
type Summary struct {
	Chain     uint64            `json:"chain"`
	Seeds     []string          `json:"seeds"`
	Policy    tracing.Policy    `json:"policy"`
	Direction tracing.Direction `json:"direction"`
	Bounds    tracing.Bounds    `json:"bounds"`
	// Addresses and Transfers count the graph's nodes and edges.
	Addresses int `json:"addresses"`
	Transfers int `json:"transfers"`
	// Alerts counts the tainted arrivals at registered deposit addresses.
	Alerts int `json:"alerts"`
	// FreezeRequests are one per deposit address that received tainted
	// value: registered deposit addresses that raised an alert first, then
	// addresses labelled as a custodial service (categories exchange,
	// deposit_wallet, hot_wallet, wallet_service), each group by address.
	// A backward trace has none.
	FreezeRequests []FreezeRequest `json:"freezeRequests"`
	// Exits are the cross-chain exits of the traced value.
	Exits []tracing.Exit `json:"exits"`
}

// FreezeRequest is what an exchange needs to freeze tainted value at one
// of its deposit addresses: how much arrived, when, and by which path from
// a seed, every step a transaction to look up on a block explorer.
type FreezeRequest struct {
	Deposit common.Address `json:"deposit"`
	// Registered is set for a registered deposit address (one that raised
	// an alert); Label is the label it was registered with.
	Registered bool   `json:"registered"`
	Label      string `json:"label,omitempty"`
	// Labels are what is known about the address (an exchange's name).
	Labels []tracing.Label `json:"labels"`
	// Explorer is the address's page on the chain's block explorer.
	Explorer string `json:"explorer,omitempty"`
	// Received is the tainted value that arrived, per asset, in asset key
	// order.
	Received []Received `json:"received"`
	// Arrivals are the transfers that brought it, in chain order, each
	// with its path back to a seed.
	Arrivals []Arrival `json:"arrivals"`
}

// Received is the tainted value of one asset that arrived at a deposit
// address.
type Received struct {
	Asset string `json:"asset"`
	// Taint is the tainted part, Amount the whole value of the transfers
	// that carried it, in the asset's base unit.
	Taint     string `json:"taint"`
	Amount    string `json:"amount"`
	Transfers int    `json:"transfers"`
	// First and Last are the blocks and times of the first and last of
	// them.
	First Stamp `json:"first"`
	Last  Stamp `json:"last"`
}

// Stamp is a block and its time.
type Stamp struct {
	Block uint64 `json:"block"`
	// Time is the block's timestamp, Unix seconds, and TimeUTC the same
	// in RFC 3339.
	Time    int64  `json:"timestamp"`
	TimeUTC string `json:"time"`
}

// Step is one transfer of a path, as a block explorer shows it.
type Step struct {
	TxHash common.Hash `json:"txHash"`
	Stamp
	Kind         tracing.Kind   `json:"kind"`
	LogIndex     *uint32        `json:"logIndex,omitempty"`
	ItemIndex    *uint32        `json:"itemIndex,omitempty"` // ERC-1155: the item of its event
	TraceAddress []uint32       `json:"traceAddress,omitzero"`
	From         common.Address `json:"from"`
	To           common.Address `json:"to"`
	Asset        string         `json:"asset"`
	Amount       string         `json:"amount"`
	Taint        string         `json:"taint"`
	// Explorer is the transaction's page on the chain's block explorer.
	Explorer string `json:"explorer,omitempty"`
}

// Arrival is one tainted transfer into a deposit address and the path
// that brought its value there.
type Arrival struct {
	Step
	// Path is the transfers from a seed to the deposit address, the
	// arrival itself last. Each step's value arrived at its sender before
	// the step (or within the same transaction); at each address the step
	// taken back is the tainted transfer in from the address fewest hops
	// from a seed, preferring the same asset, then the latest.
	Path []Step `json:"path"`
	// FromSeed is false when the graph does not hold the way back to a
	// seed (the path then starts where it ends).
	FromSeed bool `json:"fromSeed"`
}

// custodial are the label categories of services that hold their
// customers' funds and can freeze them: a freeze request goes to them.
var custodial = map[string]bool{"exchange": true, "deposit_wallet": true, "hot_wallet": true, "wallet_service": true}

// Summarize builds the summary of g and its freeze requests.
func Summarize(g *tracing.Graph) *Summary {
	n := normalized(g)
	s := &Summary{Chain: g.Chain, Seeds: n.Seeds, Policy: g.Policy, Direction: g.Direction, Bounds: g.Bounds,
		Addresses: len(g.Nodes), Transfers: len(g.Edges), Alerts: len(g.Alerts), Exits: n.Exits, FreezeRequests: []FreezeRequest{}}

	registered := map[common.Address]string{}
	for _, a := range g.Alerts {
		if _, ok := registered[a.Deposit]; !ok || registered[a.Deposit] == "" {
			registered[a.Deposit] = a.Label
		}
	}
	labels := map[common.Address][]tracing.Label{}
	hops := map[common.Address]int{}
	for _, nd := range g.Nodes {
		labels[nd.Address] = nd.Labels
		hops[nd.Address] = nd.Hop
	}
	exchange := func(a common.Address) bool {
		for _, l := range labels[a] {
			if custodial[strings.ToLower(l.Category)] {
				return true
			}
		}
		return false
	}
	incoming := map[common.Address][]int{}
	for i := range g.Edges {
		if !isZero(g.Edges[i].Taint) {
			incoming[g.Edges[i].To] = append(incoming[g.Edges[i].To], i)
		}
	}
	var deposits []common.Address
	for a := range incoming {
		if g.Direction == tracing.Backward {
			break // value traced back came from these addresses, not to them
		}
		if _, ok := registered[a]; ok || exchange(a) {
			deposits = append(deposits, a)
		}
	}
	slices.SortFunc(deposits, func(a, b common.Address) int {
		_, ra := registered[a]
		_, rb := registered[b]
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return a.Cmp(b)
	})
	pf := pathFinder{g: g, incoming: incoming, hops: hops, seeds: seedAddresses(g), seedTxs: seedTxs(g)}
	for _, d := range deposits {
		label, reg := registered[d]
		fr := FreezeRequest{Deposit: d, Registered: reg, Label: label, Labels: labels[d], Explorer: ExplorerAddress(g.Chain, d.Hex())}
		if fr.Labels == nil {
			fr.Labels = []tracing.Label{}
		}
		byAsset := map[string]*Received{}
		for _, i := range incoming[d] {
			e := &g.Edges[i]
			st := step(g.Chain, e)
			r := byAsset[e.Asset]
			if r == nil {
				r = &Received{Asset: e.Asset, Taint: "0", Amount: "0", First: st.Stamp}
				byAsset[e.Asset] = r
			}
			r.Taint, r.Amount, r.Transfers, r.Last = add(r.Taint, e.Taint), add(r.Amount, e.Amount), r.Transfers+1, st.Stamp
			path, ok := pf.path(i)
			arr := Arrival{Step: st, FromSeed: ok}
			for _, j := range path {
				arr.Path = append(arr.Path, step(g.Chain, &g.Edges[j]))
			}
			fr.Arrivals = append(fr.Arrivals, arr)
		}
		for _, k := range sortedKeys(byAsset) {
			fr.Received = append(fr.Received, *byAsset[k])
		}
		s.FreezeRequests = append(s.FreezeRequests, fr)
	}
	return s
}

func step(chain uint64, e *tracing.Edge) Step {
	return Step{TxHash: e.TxHash, Stamp: Stamp{Block: e.Block, Time: e.Time, TimeUTC: utc(e.Time)}, Kind: e.Kind,
		LogIndex: e.LogIndex, ItemIndex: e.ItemIndex, TraceAddress: e.TraceAddress, From: e.From, To: e.To, Asset: e.Asset, Amount: e.Amount,
		Taint: e.Taint, Explorer: ExplorerTx(chain, e.TxHash.Hex())}
}

// pathFinder reconstructs, from a graph's edges, how tainted value came to
// an edge's sender from a seed.
type pathFinder struct {
	g        *tracing.Graph
	incoming map[common.Address][]int // tainted edges into each address, in order
	hops     map[common.Address]int
	seeds    map[common.Address]bool
	seedTxs  map[common.Hash]bool
}

func (p *pathFinder) fromSeed(e *tracing.Edge) bool { return p.seeds[e.From] || p.seedTxs[e.TxHash] }

// path returns the edges from a seed to edge i, i last, and whether the
// first one leaves a seed (or is part of a seed transaction).
func (p *pathFinder) path(i int) ([]int, bool) {
	rev := []int{i}
	seen := map[common.Address]bool{p.g.Edges[i].To: true}
	for cur := i; !p.fromSeed(&p.g.Edges[cur]); {
		from := p.g.Edges[cur].From
		seen[from] = true
		j := p.pred(from, cur, seen)
		if j < 0 {
			break
		}
		rev, cur = append(rev, j), j
	}
	slices.Reverse(rev)
	return rev, p.fromSeed(&p.g.Edges[rev[0]])
}

// pred picks the tainted edge into addr that brought value to it before
// edge next (or within next's transaction), from an address not yet on
// the path: the one whose sender is fewest hops from a seed, then of
// next's asset, then the latest; -1 if there is none.
func (p *pathFinder) pred(addr common.Address, next int, seen map[common.Address]bool) int {
	best := -1
	hop := func(a common.Address) int {
		if h, ok := p.hops[a]; ok {
			return h
		}
		return int(^uint(0) >> 1)
	}
	ne := &p.g.Edges[next]
	better := func(j int) bool {
		a, b := &p.g.Edges[j], &p.g.Edges[best]
		if c := cmp.Compare(hop(a.From), hop(b.From)); c != 0 {
			return c < 0
		}
		if sa, sb := a.Asset == ne.Asset, b.Asset == ne.Asset; sa != sb {
			return sa
		}
		return j > best
	}
	for _, j := range p.incoming[addr] {
		e := &p.g.Edges[j]
		if j == next || seen[e.From] || (j > next && e.TxHash != ne.TxHash) {
			continue
		}
		if best < 0 || better(j) {
			best = j
		}
	}
	return best
}

// WriteSummaryJSON writes s as indented JSON.
func WriteSummaryJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return writeErr(enc.Encode(s), "summary as JSON")
}

// WriteSummaryMarkdown writes s as a Markdown document: the trace's
// parameters, then per deposit address a freeze request (the tainted
// value received per asset, each arrival and its path from the seed as a
// table of transactions linked to the block explorer), then the
// cross-chain exits.
func WriteSummaryMarkdown(w io.Writer, s *Summary) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	dir := s.Direction
	if dir == "" {
		dir = tracing.Forward
	}
	p("# Trace summary\n\n")
	p("- Chain: %d\n", s.Chain)
	p("- Seeds: %s\n", md(strings.Join(s.Seeds, ", ")))
	p("- Policy: %s; direction: %s; at most %d hops", s.Policy, dir, s.Bounds.MaxHops)
	if s.Bounds.MinValue != "" {
		p("; minimum value %s base units", md(s.Bounds.MinValue))
	}
	if s.Bounds.FromBlock != 0 || s.Bounds.ToBlock != 0 {
		p("; blocks %d to %s", s.Bounds.FromBlock, blockOrLatest(s.Bounds.ToBlock))
	}
	if s.Bounds.ThroughHubs {
		p("; through hubs")
	}
	p("\n- Reached: %s over %s; %s; %s\n",
		count(s.Addresses, "address", "addresses"), count(s.Transfers, "transfer", "transfers"),
		count(len(s.Exits), "cross-chain exit", "cross-chain exits"), count(s.Alerts, "alert", "alerts"))

	p("\n## Freeze requests\n\n")
	if len(s.FreezeRequests) == 0 {
		p("No registered deposit address or address labelled as an exchange or custodial wallet received tainted value.\n\n")
	}
	for _, fr := range s.FreezeRequests {
		p("### %s", fr.Deposit.Hex())
		var names []string
		for _, l := range fr.Labels {
			names = append(names, l.Name)
		}
		if len(names) > 0 {
			p(" (%s)", md(strings.Join(names, ", ")))
		}
		p("\n\n")
		if fr.Registered {
			p("A registered deposit address")
			if fr.Label != "" {
				p(" (%s)", md(fr.Label))
			}
			p(": tainted value arriving here raised an alert.")
		} else {
			p("An address labelled as an exchange or custodial wallet.")
		}
		if fr.Explorer != "" {
			p(" [Explorer](%s)", fr.Explorer)
		}
		p("\n\nTainted value received (policy %s):\n\n", s.Policy)
		p("| asset | tainted | in transfers of | transfers | first | last |\n|---|---|---|---|---|---|\n")
		for _, r := range fr.Received {
			p("| %s | %s | %s | %d | %s | %s |\n", md(r.Asset), md(HumanAmount(r.Asset, r.Taint)), md(HumanAmount(r.Asset, r.Amount)),
				r.Transfers, stamp(r.First), stamp(r.Last))
		}
		for k, a := range fr.Arrivals {
			p("\nArrival %d: %s tainted of %s, %s, transaction %s.", k+1, md(HumanAmount(a.Asset, a.Taint)), md(HumanAmount(a.Asset, a.Amount)),
				stamp(a.Stamp), txLink(a.Step))
			if a.FromSeed {
				p(" Path from the seed:\n\n")
			} else {
				p(" The graph does not hold the whole way back to a seed; the path as far as it goes:\n\n")
			}
			p("| step | block | time (UTC) | from | to | amount | tainted | kind | transaction |\n|---|---|---|---|---|---|---|---|---|\n")
			for n, st := range a.Path {
				p("| %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", n+1, st.Block, st.TimeUTC, st.From.Hex(), st.To.Hex(),
					md(HumanAmount(st.Asset, st.Amount)), md(HumanAmount(st.Asset, st.Taint)), position(st), txLink(st))
			}
		}
		p("\n")
	}
	if len(s.Exits) > 0 {
		p("## Cross-chain exits\n\n| block | time (UTC) | from | via | amount | tainted | destination | memo | transaction |\n|---|---|---|---|---|---|---|---|---|\n")
		for _, x := range s.Exits {
			dest := strings.TrimSpace(x.DestChain + " " + x.DestAddress)
			st := Step{TxHash: x.TxHash, Explorer: ExplorerTx(s.Chain, x.TxHash.Hex())}
			p("| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", x.Block, utc(x.Time), x.From.Hex(),
				md(strings.TrimSpace(x.Via.Hex()+" "+x.Service)), md(HumanAmount(x.Asset, x.Amount)), md(HumanAmount(x.Asset, x.Taint)),
				md(dest), md(x.Memo), txLink(st))
		}
		p("\n")
	}
	p("Amounts of tokens are in the token's base units. Every transaction above can be checked on any block explorer of chain %d by its hash.\n", s.Chain)
	return writeErr(b.Flush(), "summary")
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func blockOrLatest(n uint64) string {
	if n == 0 {
		return "the latest"
	}
	return strconv.FormatUint(n, 10)
}

func stamp(s Stamp) string {
	if s.TimeUTC == "" {
		return "block " + strconv.FormatUint(s.Block, 10)
	}
	return "block " + strconv.FormatUint(s.Block, 10) + " (" + s.TimeUTC + ")"
}

// position says where in its transaction a step is: "token, log 7",
// "token, log 7 item 2" (ERC-1155), "internal-call 0,2".
func position(st Step) string {
	switch {
	case st.LogIndex != nil && st.ItemIndex != nil:
		return st.Kind.String() + ", log " + strconv.FormatUint(uint64(*st.LogIndex), 10) + " item " + strconv.FormatUint(uint64(*st.ItemIndex), 10)
	case st.LogIndex != nil:
		return st.Kind.String() + ", log " + strconv.FormatUint(uint64(*st.LogIndex), 10)
	case len(st.TraceAddress) > 0:
		return st.Kind.String() + ", call " + traceAddress(st.TraceAddress)
	}
	return st.Kind.String()
}

func txLink(st Step) string {
	if st.Explorer == "" {
		return "`" + st.TxHash.Hex() + "`"
	}
	return "[" + st.TxHash.Hex() + "](" + st.Explorer + ")"
}

// md escapes text for a Markdown table cell or line: the characters that
// would start markup, a link or a new cell.
func md(s string) string {
	s = clean(s)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|#!", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FreezeLines returns one line per freeze request of g (Summarize): the
// deposit address, what is known of it and the tainted value it received
// per asset. It is what the approver of closing a case with freeze
// requests unsent is shown (tracing.CaseService.Freeze).
func FreezeLines(g *tracing.Graph) []string {
	var out []string
	for _, fr := range Summarize(g).FreezeRequests {
		var who []string
		if fr.Registered {
			who = append(who, "registered deposit address "+fr.Label)
		}
		for _, l := range fr.Labels {
			who = append(who, l.Name+" ("+l.Category+")")
		}
		line := "deposit " + fr.Deposit.Hex()
		if len(who) > 0 {
			line += " [" + strings.Join(who, "; ") + "]"
		}
		var got []string
		for _, r := range fr.Received {
			got = append(got, fmt.Sprintf("%s tainted of %s %s in %d transfer(s)", r.Taint, r.Amount, r.Asset, r.Transfers))
		}
		out = append(out, line+": "+strings.Join(got, ", "))
	}
	return out
}
