package report

import (
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
)

// GEXF 1.3 (https://gexf.net/schema.html), the elements WriteGEXF uses.
type (
	gexfDoc struct {
		XMLName        xml.Name  `xml:"gexf"`
		XMLNS          string    `xml:"xmlns,attr"`
		XSI            string    `xml:"xmlns:xsi,attr"`
		SchemaLocation string    `xml:"xsi:schemaLocation,attr"`
		Version        string    `xml:"version,attr"`
		Meta           gexfMeta  `xml:"meta"`
		Graph          gexfGraph `xml:"graph"`
	}
	gexfMeta struct {
		Creator     string `xml:"creator"`
		Description string `xml:"description"`
	}
	gexfGraph struct {
		Mode            string      `xml:"mode,attr"`
		DefaultEdgeType string      `xml:"defaultedgetype,attr"`
		IDType          string      `xml:"idtype,attr"`
		Attributes      []gexfAttrs `xml:"attributes"`
		Nodes           []gexfNode  `xml:"nodes>node"`
		Edges           []gexfEdge  `xml:"edges>edge"`
	}
	gexfAttrs struct {
		Class string     `xml:"class,attr"`
		Mode  string     `xml:"mode,attr"`
		Attrs []gexfAttr `xml:"attribute"`
	}
	gexfAttr struct {
		ID    string `xml:"id,attr"`
		Title string `xml:"title,attr"`
		Type  string `xml:"type,attr"`
	}
	gexfNode struct {
		ID     string      `xml:"id,attr"`
		Label  string      `xml:"label,attr"`
		Values []gexfValue `xml:"attvalues>attvalue"`
	}
	gexfEdge struct {
		ID     string      `xml:"id,attr"`
		Source string      `xml:"source,attr"`
		Target string      `xml:"target,attr"`
		Label  string      `xml:"label,attr"`
		Values []gexfValue `xml:"attvalues>attvalue"`
	}
	gexfValue struct {
		For   string `xml:"for,attr"`
		Value string `xml:"value,attr"`
	}
)

var (
	gexfNodeAttrs = []gexfAttr{
		{"hop", "hop", "integer"}, {"seed", "seed", "boolean"}, {"labels", "labels", "string"},
		{"hub", "hub", "boolean"}, {"taint", "taint", "string"}, {"received", "received", "string"},
		{"stop", "stop", "string"}, {"alert", "alert", "boolean"},
	}
	gexfEdgeAttrs = []gexfAttr{
		{"chain", "chain", "long"}, {"txHash", "tx hash", "string"}, {"block", "block", "long"},
		{"timestamp", "timestamp", "long"}, {"kind", "kind", "string"}, {"logIndex", "log index", "string"},
		{"itemIndex", "item index", "string"}, {"traceAddress", "trace address", "string"}, {"asset", "asset", "string"}, {"amount", "amount", "string"},
		{"taint", "taint", "string"}, {"policy", "policy", "string"}, {"hop", "hop", "integer"},
	}
)

// WriteGEXF writes g as a GEXF 1.3 directed graph: one node per address
// (id the lower-case address, label the address and its first label;
// attributes hop, seed, labels, hub, taint and received as
// "ASSET=AMOUNT; …", stop, alert) and one edge per transfer (id its
// position in the graph; attributes chain, txHash, block, timestamp, kind,
// logIndex, itemIndex (ERC-1155), traceAddress, asset, amount, taint,
// policy, hop). An edge's end
// that is not among the graph's nodes is added as a node without a hop.
// Amounts are strings: they do not fit GEXF's numbers.
func WriteGEXF(w io.Writer, g *tracing.Graph) error {
	nodes, extra := graphNodes(g)
	alerted := alertedAddresses(g)
	seeds := seedAddresses(g)
	doc := gexfDoc{
		XMLNS: "http://gexf.net/1.3", XSI: "http://www.w3.org/2001/XMLSchema-instance",
		SchemaLocation: "http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd", Version: "1.3",
		Meta: gexfMeta{Creator: "Bulwark", Description: describe(g)},
		Graph: gexfGraph{Mode: "static", DefaultEdgeType: "directed", IDType: "string",
			Attributes: []gexfAttrs{{"node", "static", gexfNodeAttrs}, {"edge", "static", gexfEdgeAttrs}}},
	}
	for i := range nodes {
		n := &nodes[i]
		id := lower(n.Address.Hex())
		label := n.Address.Hex()
		if len(n.Labels) > 0 {
			label += " " + n.Labels[0].Name
		}
		var vals []gexfValue
		if !extra[n.Address] {
			vals = append(vals, gexfValue{"hop", strconv.Itoa(n.Hop)})
		}
		vals = append(vals,
			gexfValue{"seed", strconv.FormatBool(seeds[n.Address])},
			gexfValue{"labels", labelList(n.Labels)},
			gexfValue{"hub", strconv.FormatBool(isHub(n.Labels))},
			gexfValue{"taint", amounts(n.Taint)},
			gexfValue{"received", amounts(n.Received)},
			gexfValue{"stop", n.Stop},
			gexfValue{"alert", strconv.FormatBool(alerted[n.Address])})
		doc.Graph.Nodes = append(doc.Graph.Nodes, gexfNode{ID: id, Label: clean(label), Values: vals})
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		logIndex := ""
		if e.LogIndex != nil {
			logIndex = strconv.FormatUint(uint64(*e.LogIndex), 10)
		}
		doc.Graph.Edges = append(doc.Graph.Edges, gexfEdge{
			ID: strconv.Itoa(i), Source: lower(e.From.Hex()), Target: lower(e.To.Hex()),
			Label: HumanAmount(e.Asset, e.Amount),
			Values: []gexfValue{
				{"chain", strconv.FormatUint(e.Chain, 10)}, {"txHash", e.TxHash.Hex()}, {"block", strconv.FormatUint(e.Block, 10)},
				{"timestamp", strconv.FormatInt(e.Time, 10)}, {"kind", e.Kind.String()}, {"logIndex", logIndex},
				{"itemIndex", itemIndex(e.ItemIndex)}, {"traceAddress", traceAddress(e.TraceAddress)}, {"asset", e.Asset}, {"amount", e.Amount},
				{"taint", e.Taint}, {"policy", e.Policy.String()}, {"hop", strconv.Itoa(e.Hop)},
			},
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return writeErr(err, "GEXF")
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return writeErr(err, "GEXF")
	}
	_, err := io.WriteString(w, "\n")
	return writeErr(err, "GEXF")
}

// graphNodes returns g's nodes followed by a node for each edge end that
// is not one of them (in the order the edges name them), and the set of
// those added.
func graphNodes(g *tracing.Graph) ([]tracing.Node, map[common.Address]bool) {
	nodes := append([]tracing.Node(nil), g.Nodes...)
	have := make(map[common.Address]bool, len(nodes))
	for _, n := range nodes {
		have[n.Address] = true
	}
	extra := map[common.Address]bool{}
	for _, e := range g.Edges {
		for _, a := range []common.Address{e.From, e.To} {
			if !have[a] {
				have[a], extra[a] = true, true
				nodes = append(nodes, tracing.Node{Address: a})
			}
		}
	}
	return nodes, extra
}

// seedAddresses returns the seed addresses of g: those among its seeds and
// its nodes at hop 0.
func seedAddresses(g *tracing.Graph) map[common.Address]bool {
	out := map[common.Address]bool{}
	for _, s := range g.Seeds {
		if common.IsHexAddress(s) {
			out[common.HexToAddress(s)] = true
		}
	}
	for _, n := range g.Nodes {
		if n.Hop == 0 {
			out[n.Address] = true
		}
	}
	return out
}

// seedTxs returns the seed transactions of g.
func seedTxs(g *tracing.Graph) map[common.Hash]bool {
	out := map[common.Hash]bool{}
	for _, s := range g.Seeds {
		if strings.HasPrefix(s, "0x") && len(s) == 66 {
			out[common.HexToHash(s)] = true
		}
	}
	return out
}

func alertedAddresses(g *tracing.Graph) map[common.Address]bool {
	out := map[common.Address]bool{}
	for _, a := range g.Alerts {
		out[a.Deposit] = true
	}
	return out
}

// labelList writes labels as "NAME (CATEGORY, SOURCE); …".
func labelList(ls []tracing.Label) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.Name + " (" + strings.Join(nonEmpty(l.Category, l.Source), ", ") + ")"
	}
	return clean(strings.Join(parts, "; "))
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func isHub(ls []tracing.Label) bool {
	for _, l := range ls {
		if l.Hub {
			return true
		}
	}
	return false
}

// amounts writes a map of asset key to amount as "ASSET=AMOUNT; …" in
// key order.
func amounts(m map[string]string) string {
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return strings.Join(parts, "; ")
}

// describe says what g is, in one line.
func describe(g *tracing.Graph) string {
	dir := string(g.Direction)
	if dir == "" {
		dir = string(tracing.Forward)
	}
	return clean("Bulwark trace, chain " + strconv.FormatUint(g.Chain, 10) + ", " + dir + " from " + strings.Join(g.Seeds, ", ") +
		", policy " + g.Policy.String() + ", at most " + strconv.Itoa(g.Bounds.MaxHops) + " hops")
}

// clean makes s valid UTF-8 without control characters (XML 1.0 allows
// none but tab, newline and carriage return; DOT labels and Markdown lines
// are better without them too).
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xFFFE || r == 0xFFFF {
			return ' '
		}
		return r
	}, s)
}
