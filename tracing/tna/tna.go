// Package tna converts the Bybit laundering graph published with Ding et
// al. 2025, "Understanding Ethereum Money Laundering via Transaction
// Network Analysis: A Case Study of the Bybit Incident"
// (github.com/we-stronger/bybit-incident-tna), into an ethereum-etl export
// that package tracing/etl loads, so the graph can be traced like any
// export.
//
// The dataset has no licence: it is for evaluation only and is never
// copied into this repository. Convert reads it where the user keeps it.
//
// # What the graph is, and what the conversion makes up
//
// The graph is a directed graph of 11,340 addresses and 14,416 edges
// (transaction_network.gexf, or transaction_network_edges.csv with the
// columns source,target,weight_raw converted from it). An edge aggregates
// every transfer from its source to its target into one weight, in raw
// on-chain units of mixed assets: wei for ETH, base units for each token
// (USDT, stETH, spam tokens…) added together. It carries no transaction
// hash, block, time or asset.
//
// Convert writes one transaction per edge (transactions.csv), its value
// the weight read as wei of the native coin. What that row says beyond
// "value went from source to target" is synthetic:
//
//   - hash: Keccak-256 of "bybit-incident-tna", the edge's ordinal in
//     the file (1 for the first), source and target: stable, and the same
//     from the GEXF and the CSV, but on no block explorer;
//   - block: the graph has no times, so edges are ordered by the
//     breadth-first distance of their source from the roots (by default
//     the exploiter 0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2): the
//     roots' edges are block 1, the edges out of addresses one hop away
//     block 2, and so on; edges out of addresses the roots do not reach
//     come last. Within a block, edges keep the file's order. This is the
//     one order under which value can travel every path of the graph
//     outward from the roots, so a trace's hop counts are the graph's
//     distances; it is not the order things happened in;
//   - block_timestamp: Options.Time plus 12 seconds per block;
//   - amounts: sums across assets, so a taint amount or a minimum value
//     means nothing in ETH; trace with the poison policy and no minimum
//     value, and read a trace of this graph for reachability (who is
//     reached, in how many hops), not for amounts.
//
// Edges of weight zero become zero-value transactions, which a trace
// never follows.
package tna

import (
	"bufio"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/bulwark-sec/bulwark/tracing/internal/csvfile"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"
)

// Exploiter is the Bybit exploiter's address, the graph's default root.
var Exploiter = common.HexToAddress("0x47666Fab8bd0Ac7003bce3f5C3585383F09486E2")

// IncidentTime is the time of the Bybit theft, 2025-02-21 14:13:35 UTC,
// the default Options.Time.
const IncidentTime int64 = 1740147215

// The dataset's file names.
const (
	EdgesCSV  = "transaction_network_edges.csv"
	GraphGEXF = "transaction_network.gexf"
)

// Options say how to lay the graph out in time.
type Options struct {
	// Roots are the addresses the breadth-first order starts from; none
	// means Exploiter.
	Roots []common.Address
	// Time is the timestamp of block 0; 0 means IncidentTime. Block n is
	// Time + 12n.
	Time int64
}

// Stats describe a conversion.
type Stats struct {
	// Edges and Nodes count the graph; ZeroWeight the edges of weight 0.
	Edges, Nodes, ZeroWeight int
	// Reached counts the addresses the roots reach (roots included);
	// Blocks the synthetic blocks written (the last holds the edges out
	// of unreached addresses, if any).
	Reached, Blocks int
	// Source is the file read.
	Source string
}

// Edge is one edge of the graph: value went From → To, Weight in mixed
// raw units; Line is where the file gives it.
type Edge struct {
	Line     int
	From, To common.Address
	Weight   uint256.Int
}

// Read reads the graph from dir: transaction_network_edges.csv when it is
// there, else transaction_network.gexf. A malformed file is an EINVALID
// error naming the file and line (CSV) or edge (GEXF).
func Read(dir fs.FS) ([]Edge, string, error) {
	f, err := dir.Open(EdgesCSV)
	if err == nil {
		defer f.Close()
		es, err := readCSV(EdgesCSV, f)
		return es, EdgesCSV, err
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, EdgesCSV, bulwark.Wrap(err, bulwark.EINVALID, EdgesCSV+": cannot open the file: "+err.Error())
	}
	g, err := dir.Open(GraphGEXF)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", bulwark.Errorf(bulwark.EINVALID, "neither %s nor %s is in the folder: give the folder of the bybit-incident-tna dataset", EdgesCSV, GraphGEXF)
	}
	if err != nil {
		return nil, GraphGEXF, bulwark.Wrap(err, bulwark.EINVALID, GraphGEXF+": cannot open the file: "+err.Error())
	}
	defer g.Close()
	es, err := readGEXF(GraphGEXF, g)
	return es, GraphGEXF, err
}

func readCSV(name string, r io.Reader) ([]Edge, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, bulwark.Invalid(name, "the file is empty: it starts with the header source,target,weight_raw")
	}
	if err != nil {
		return nil, csvfile.Error(name, err, "the file is damaged; convert it again")
	}
	col, _ := csvfile.Columns(header)
	wcol := "weight_raw"
	if _, ok := col[wcol]; !ok {
		wcol = "weight"
	}
	for _, c := range []string{"source", "target", wcol} {
		if _, ok := col[c]; !ok {
			return nil, bulwark.Invalid(name, "line 1: no %s column: the edges file has the header source,target,weight_raw", c)
		}
	}
	var out []Edge
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, csvfile.Error(name, err, "the file is damaged; convert it again")
		}
		line, _ := cr.FieldPos(0)
		e, err := newEdge(line, rec[col["source"]], rec[col["target"]], rec[col[wcol]])
		if err != nil {
			return nil, bulwark.Invalid(name, "line %d: %v", line, err)
		}
		out = append(out, e)
	}
}

func newEdge(line int, src, dst, weight string) (Edge, error) {
	e := Edge{Line: line}
	src, dst, weight = strings.TrimSpace(src), strings.TrimSpace(dst), strings.TrimSpace(weight)
	if !tracing.IsHexAddress(src) {
		return e, fmt.Errorf("source %q is not an Ethereum address (0x and 40 hex digits)", bulwark.Echo(src))
	}
	if !tracing.IsHexAddress(dst) {
		return e, fmt.Errorf("target %q is not an Ethereum address (0x and 40 hex digits)", bulwark.Echo(dst))
	}
	e.From, e.To = common.HexToAddress(src), common.HexToAddress(dst)
	if err := parseWeight(&e.Weight, weight); err != nil {
		return e, err
	}
	return e, nil
}

// parseWeight reads a weight: a whole number, also written with a zero
// fraction ("12.0") or in exponent form ("1e+22") when that is exact.
func parseWeight(dst *uint256.Int, s string) error {
	if err := dst.SetFromDecimal(s); err == nil && !strings.HasPrefix(s, "+") {
		return nil
	}
	// Weights past 2^256 (78 digits) are refused before big.Float would
	// expand a huge exponent.
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		if exp, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+")); err != nil || exp > 80 || exp < -80 {
			return fmt.Errorf("weight %q is not a whole number of base units from 0 to 2^256-1", bulwark.Echo(s))
		}
	}
	if len(s) > 200 {
		return fmt.Errorf("weight %q is not a whole number of base units from 0 to 2^256-1", bulwark.Echo(s))
	}
	f, ok := new(big.Float).SetPrec(1024).SetString(s)
	if ok && f.Sign() >= 0 && f.IsInt() {
		i, _ := f.Int(nil)
		if i.BitLen() <= 256 {
			dst.SetFromBig(i)
			return nil
		}
	}
	return fmt.Errorf("weight %q is not a whole number of base units from 0 to 2^256-1", bulwark.Echo(s))
}

// readGEXF reads the edges of a GEXF file (<edge source target weight>),
// node ids being the addresses.
func readGEXF(name string, r io.Reader) ([]Edge, error) {
	d := xml.NewDecoder(bufio.NewReader(r))
	var out []Edge
	n := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line, _ := d.InputPos()
			return nil, bulwark.Invalid(name, "line %d: malformed XML (%v): the file is damaged; download it again", line, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "edge" {
			continue
		}
		n++
		line, _ := d.InputPos()
		var src, dst, w string
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "source":
				src = a.Value
			case "target":
				dst = a.Value
			case "weight":
				w = a.Value
			}
		}
		if w == "" {
			w = "1"
		}
		e, err := newEdge(line, src, dst, w)
		if err != nil {
			return nil, bulwark.Invalid(name, "line %d (edge %d): %v", line, n, err)
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, bulwark.Invalid(name, "no <edge> element: not the dataset's transaction network")
	}
	return out, nil
}

// Write writes edges as an ethereum-etl transactions.csv to w, laid out
// as the package documentation says.
func Write(w io.Writer, edges []Edge, opt Options) (Stats, error) {
	st := Stats{Edges: len(edges)}
	roots := opt.Roots
	if len(roots) == 0 {
		roots = []common.Address{Exploiter}
	}
	base := opt.Time
	if base == 0 {
		base = IncidentTime
	}
	// Breadth-first distances from the roots over the graph's edges.
	adj := map[common.Address][]common.Address{}
	nodes := map[common.Address]struct{}{}
	for i := range edges {
		e := &edges[i]
		adj[e.From] = append(adj[e.From], e.To)
		nodes[e.From], nodes[e.To] = struct{}{}, struct{}{}
		if e.Weight.IsZero() {
			st.ZeroWeight++
		}
	}
	st.Nodes = len(nodes)
	dist := map[common.Address]int{}
	frontier := []common.Address{}
	for _, r := range roots {
		if _, ok := dist[r]; !ok {
			dist[r] = 0
			frontier = append(frontier, r)
		}
	}
	maxd := 0
	for d := 1; len(frontier) > 0; d++ {
		var next []common.Address
		for _, a := range frontier {
			for _, b := range adj[a] {
				if _, ok := dist[b]; !ok {
					dist[b] = d
					next = append(next, b)
				}
			}
		}
		if len(next) > 0 {
			maxd = d
		}
		frontier = next
	}
	st.Reached = len(dist)
	// Block of an edge: its source's distance + 1; unreached sources
	// after the farthest reached ones.
	last := maxd + 2
	byBlock := make([][]int, last+1)
	for i := range edges {
		b := last
		if d, ok := dist[edges[i].From]; ok {
			b = d + 1
		}
		byBlock[b] = append(byBlock[b], i)
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("hash,block_number,transaction_index,from_address,to_address,value,input,block_timestamp\n")
	buf := make([]byte, 0, 256)
	for b, idx := range byBlock {
		if len(idx) == 0 {
			continue
		}
		st.Blocks++
		ts := base + 12*int64(b)
		for n, i := range idx {
			e := &edges[i]
			h := crypto.Keccak256Hash([]byte("bybit-incident-tna"), []byte(fmt.Sprint(i+1)), e.From[:], e.To[:])
			buf = buf[:0]
			buf = append(buf, h.Hex()...)
			buf = fmt.Appendf(buf, ",%d,%d,%s,%s,%s,0x,%d\n", b, n, lower(e.From), lower(e.To), e.Weight.Dec(), ts)
			bw.Write(buf)
		}
	}
	return st, bw.Flush()
}

// Convert reads the dataset from dir and writes its transactions.csv to
// w.
func Convert(dir fs.FS, w io.Writer, opt Options) (Stats, error) {
	edges, name, err := Read(dir)
	if err != nil {
		return Stats{Source: name}, err
	}
	st, err := Write(w, edges, opt)
	st.Source = name
	return st, err
}

// ConvertDir reads the dataset from the folder src and writes
// transactions.csv into the folder dst (created if needed): an export
// etl.Load reads. It refuses to write into src.
func ConvertDir(src, dst string, opt Options) (Stats, error) {
	as, _ := filepath.Abs(src)
	ad, _ := filepath.Abs(dst)
	if as == ad {
		return Stats{}, bulwark.Invalid("out", "the output folder is the dataset's folder: give another one")
	}
	if fi, err := os.Stat(src); err != nil {
		return Stats{}, bulwark.Wrap(err, bulwark.EINVALID, "cannot read the dataset's folder "+src+": "+pathError(err))
	} else if !fi.IsDir() {
		return Stats{}, bulwark.Errorf(bulwark.EINVALID, "%s is not a folder: give the folder of the bybit-incident-tna dataset", src)
	}
	edges, name, err := Read(os.DirFS(src))
	if err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return Stats{}, bulwark.Wrap(err, bulwark.EINVALID, "cannot create the output folder: "+err.Error())
	}
	out := filepath.Join(dst, etl.TransactionsFile)
	f, err := os.Create(out)
	if err != nil {
		return Stats{}, bulwark.Wrap(err, bulwark.EINVALID, "cannot write "+out+": "+err.Error())
	}
	st, err := Write(f, edges, opt)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	st.Source = name
	if err != nil {
		return st, bulwark.Wrap(err, bulwark.EINVALID, "cannot write "+out+": "+err.Error())
	}
	return st, nil
}

// pathError is err's reason without the path and operation an
// *fs.PathError repeats.
func pathError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func lower(a common.Address) string {
	const hexd = "0123456789abcdef"
	var b [42]byte
	b[0], b[1] = '0', 'x'
	for i, c := range a {
		b[2+2*i], b[3+2*i] = hexd[c>>4], hexd[c&15]
	}
	return string(b[:])
}
