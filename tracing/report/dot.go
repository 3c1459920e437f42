package report

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/ethereum/go-ethereum/common"
)

// WriteDOT writes g as a Graphviz digraph, left to right: one box per
// address (its address, hop and labels; seeds red, addresses that raised
// an alert orange, hubs grey, cross-chain exits' senders blue) and one
// arrow per transfer, labelled with its amount, its taint, block and
// transaction (and, for an ERC-1155 transfer, its log and item index: one
// batch event moves several). Every string is quoted and escaped, so labels from any
// source cannot break the file.
func WriteDOT(w io.Writer, g *tracing.Graph) error {
	bw := bufio.NewWriter(w)
	nodes, extra := graphNodes(g)
	seeds, alerted := seedAddresses(g), alertedAddresses(g)
	exited := map[common.Address]bool{}
	for _, x := range g.Exits {
		exited[x.From] = true
	}
	bw.WriteString("digraph trace {\n")
	bw.WriteString("  graph [rankdir=LR, label=" + dotQuote(describe(g)) + ", labelloc=t];\n")
	bw.WriteString("  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\", fontsize=10];\n")
	bw.WriteString("  edge [fontname=\"Helvetica\", fontsize=9];\n")
	for i := range nodes {
		n := &nodes[i]
		lines := []string{n.Address.Hex()}
		if !extra[n.Address] {
			hop := "hop " + strconv.Itoa(n.Hop)
			if n.Stop != "" {
				hop += ", stopped: " + n.Stop
			}
			lines = append(lines, hop)
		}
		for _, l := range n.Labels {
			lines = append(lines, labelList([]tracing.Label{l}))
		}
		if len(n.Taint) > 0 {
			lines = append(lines, "holds tainted: "+humanAmounts(n.Taint))
		}
		attrs := "label=" + dotLines(lines)
		switch {
		case seeds[n.Address]:
			attrs += ", fillcolor=\"#f4cccc\", color=\"#cc0000\""
		case alerted[n.Address]:
			attrs += ", fillcolor=\"#fce5cd\", color=\"#e69138\", penwidth=2"
		case exited[n.Address]:
			attrs += ", fillcolor=\"#cfe2f3\", color=\"#3d85c6\""
		case isHub(n.Labels):
			attrs += ", fillcolor=\"#eeeeee\""
		}
		bw.WriteString("  " + dotQuote(lower(n.Address.Hex())) + " [" + attrs + "];\n")
	}
	for i := range g.Edges {
		e := &g.Edges[i]
		lines := []string{HumanAmount(e.Asset, e.Amount)}
		if e.Taint != e.Amount {
			lines = append(lines, "tainted "+HumanAmount(e.Asset, e.Taint))
		}
		where, tooltip := "block "+strconv.FormatUint(e.Block, 10)+", tx "+shortHash(e.TxHash.Hex()), e.TxHash.Hex()
		if e.LogIndex != nil && e.ItemIndex != nil {
			at := " log " + strconv.FormatUint(uint64(*e.LogIndex), 10) + " item " + strconv.FormatUint(uint64(*e.ItemIndex), 10)
			where, tooltip = where+","+at, tooltip+at
		}
		lines = append(lines, where)
		bw.WriteString("  " + dotQuote(lower(e.From.Hex())) + " -> " + dotQuote(lower(e.To.Hex())) +
			" [label=" + dotLines(lines) + ", tooltip=" + dotQuote(tooltip) + "];\n")
	}
	bw.WriteString("}\n")
	return writeErr(bw.Flush(), "DOT")
}

// dotQuote returns s as a DOT quoted string: backslashes and quotes
// escaped, control characters made spaces.
func dotQuote(s string) string {
	s = clean(s)
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	return `"` + s + `"`
}

// dotLines returns lines as one DOT quoted label, centred lines.
func dotLines(lines []string) string {
	q := make([]string, len(lines))
	for i, l := range lines {
		q[i] = strings.TrimSuffix(strings.TrimPrefix(dotQuote(l), `"`), `"`)
	}
	return `"` + strings.Join(q, `\n`) + `"`
}

func humanAmounts(m map[string]string) string {
	keys := sortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = HumanAmount(k, m[k])
	}
	return strings.Join(parts, ", ")
}

// shortHash abbreviates a 0x hash for a label: 0x1234…cdef.
func shortHash(h string) string {
	if len(h) < 14 {
		return h
	}
	return h[:6] + "…" + h[len(h)-4:]
}
