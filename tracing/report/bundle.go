package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/bulwark-sec/bulwark/tracing"
)

// ManifestFormat names the layout of a bundle's manifest.
const ManifestFormat = "bulwark-trace-bundle/1"

// The files of a bundle, in the order Bundle returns them.
const (
	GraphJSONFile   = "graph.json"
	EdgesCSVFile    = "edges.csv"
	GraphGEXFFile   = "graph.gexf"
	GraphDOTFile    = "graph.dot"
	SummaryMDFile   = "summary.md"
	SummaryJSONFile = "summary.json"
	ManifestFile    = "manifest.json"
	// ChecksumsFile is every other file's SHA-256 in the format of
	// sha256sum, so that `sha256sum -c SHA256SUMS` checks the bundle.
	ChecksumsFile = "SHA256SUMS"
)

// File is one file of a bundle.
type File struct {
	Name string
	Data []byte
}

// FileHash is a file's name, SHA-256 (lower-case hex) and size.
type FileHash struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// GraphSHA256 is the SHA-256 of g's JSON as WriteJSON writes it: the
// bundle's graph.json, 'bulwark trace --json', 'bulwark trace case results
// ID'. The audit entries of trace runs and case runs record it
// (graphSha256).
func GraphSHA256(g *tracing.Graph) (string, error) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, g); err != nil {
		return "", err
	}
	return HashFile("graph.json", buf.Bytes()).SHA256, nil
}

// HashFile returns the FileHash of data named name.
func HashFile(name string, data []byte) FileHash {
	sum := sha256.Sum256(data)
	return FileHash{Name: name, SHA256: hex.EncodeToString(sum[:]), Bytes: int64(len(data))}
}

// Source is where the transfers of a trace came from.
type Source struct {
	// Kind is "etl" (an ethereum-etl export directory) or "node" (blocks
	// ingested from a node into the store).
	Kind string `json:"kind"`
	// Location is the export directory as given, or the node's URL
	// (scheme, host and port only).
	Location string `json:"location"`
	// Files are the export's files read, with their hashes (etl).
	Files []FileHash `json:"files,omitempty"`
	// FromBlock and ToBlock are the blocks read (node), inclusive.
	FromBlock uint64 `json:"fromBlock,omitempty"`
	ToBlock   uint64 `json:"toBlock,omitempty"`
	// Transfers is the number of transfers the trace ran over and
	// TransfersSHA256 their digest (TransfersDigest): equal digests, equal
	// data, whatever the source.
	Transfers       int    `json:"transfers"`
	TransfersSHA256 string `json:"transfersSha256"`
}

// Inputs are what a trace was run on and with.
type Inputs struct {
	Chain     uint64            `json:"chain"`
	Seeds     []string          `json:"seeds"`
	Policy    tracing.Policy    `json:"policy"`
	Direction tracing.Direction `json:"direction"`
	Bounds    tracing.Bounds    `json:"bounds"`
	Source    Source            `json:"source"`
	// Files are other input files (labels, TagPacks, THORChain constants)
	// with their hashes; Name is the role and the file as given
	// ("labels:FILE", "tagpack:FILE", "thorchain:FILE").
	Files []FileHash `json:"files,omitempty"`
	// Lists are the screening lists the trace labelled addresses from
	// (every active list, whether or not an entry was reached): the list
	// ID and the SHA-256 of its source files.
	Lists []ListRef `json:"lists,omitempty"`
	// Deposits are the registered deposit addresses that alert, with their
	// labels and thresholds.
	Deposits []tracing.Deposit `json:"deposits,omitempty"`
}

// ListRef names one version of a screening list.
type ListRef struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
}

// Manifest lists the files of a bundle with their hashes and the inputs
// they were made from. It holds no time and no path of the machine beyond
// what the inputs name, so the same trace gives the same manifest.
type Manifest struct {
	Format string `json:"format"`
	// Bulwark is the version of Bulwark that wrote the bundle.
	Bulwark string     `json:"bulwark"`
	Inputs  Inputs     `json:"inputs"`
	Files   []FileHash `json:"files"`
}

// Bundle writes g in every format, its summary (Markdown and JSON), the
// manifest of those files and the inputs (inputs.Seeds, Policy, Direction
// and Bounds are taken from g when left empty), and SHA256SUMS, and
// returns them in the order of the file name constants.
func Bundle(g *tracing.Graph, inputs Inputs, version string) ([]File, *Manifest, error) {
	if inputs.Chain == 0 {
		inputs.Chain = g.Chain
	}
	if inputs.Seeds == nil {
		inputs.Seeds = normalized(g).Seeds
	}
	if inputs.Policy == 0 {
		inputs.Policy = g.Policy
	}
	if inputs.Direction == "" {
		inputs.Direction = g.Direction
	}
	if inputs.Bounds == (tracing.Bounds{}) {
		inputs.Bounds = g.Bounds
	}
	var files []File
	add := func(name string, write func(io.Writer) error) error {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		files = append(files, File{Name: name, Data: buf.Bytes()})
		return nil
	}
	sum := Summarize(g)
	for _, f := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{GraphJSONFile, func(w io.Writer) error { return WriteJSON(w, g) }},
		{EdgesCSVFile, func(w io.Writer) error { return WriteCSV(w, g) }},
		{GraphGEXFFile, func(w io.Writer) error { return WriteGEXF(w, g) }},
		{GraphDOTFile, func(w io.Writer) error { return WriteDOT(w, g) }},
		{SummaryMDFile, func(w io.Writer) error { return WriteSummaryMarkdown(w, sum) }},
		{SummaryJSONFile, func(w io.Writer) error { return WriteSummaryJSON(w, sum) }},
	} {
		if err := add(f.name, f.write); err != nil {
			return nil, nil, err
		}
	}
	m := &Manifest{Format: ManifestFormat, Bulwark: version, Inputs: inputs}
	for _, f := range files {
		m.Files = append(m.Files, HashFile(f.Name, f.Data))
	}
	if err := add(ManifestFile, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return writeErr(enc.Encode(m), "manifest")
	}); err != nil {
		return nil, nil, err
	}
	var sums bytes.Buffer
	for _, f := range files {
		h := HashFile(f.Name, f.Data)
		sums.WriteString(h.SHA256 + "  " + f.Name + "\n")
	}
	files = append(files, File{Name: ChecksumsFile, Data: sums.Bytes()})
	return files, m, nil
}

// TransfersDigest returns the SHA-256 (lower-case hex) of transfers in a
// canonical form: one line per transfer, in the order given, of its chain,
// block, transaction index, transaction hash, block time, kind, log index
// (for an ERC-1155 transfer followed by '.' and its item index), trace
// address, from, to, asset key and amount, comma-separated (addresses and
// hashes in lower-case hex, numbers in decimal, the trace address's parts
// joined by '.'). Two sources that give the same transfers
// give the same digest.
func TransfersDigest(transfers []tracing.Transfer) string {
	h := sha256.New()
	var b []byte
	for i := range transfers {
		t := &transfers[i]
		b = b[:0]
		b = strconv.AppendUint(b, t.Chain, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, t.Block, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(t.TxIndex), 10)
		b = append(b, ',')
		b = append(b, strings.ToLower(t.TxHash.Hex())...)
		b = append(b, ',')
		b = strconv.AppendInt(b, t.Time, 10)
		b = append(b, ',')
		b = append(b, t.Kind.String()...)
		b = append(b, ',')
		b = strconv.AppendUint(b, uint64(t.LogIndex), 10)
		if t.Asset.Standard == tracing.ERC1155 {
			b = append(b, '.')
			b = strconv.AppendUint(b, uint64(t.ItemIndex), 10)
		}
		b = append(b, ',')
		for k, n := range t.TraceAddress {
			if k > 0 {
				b = append(b, '.')
			}
			b = strconv.AppendUint(b, uint64(n), 10)
		}
		b = append(b, ',')
		b = append(b, strings.ToLower(t.From.Hex())...)
		b = append(b, ',')
		b = append(b, strings.ToLower(t.To.Hex())...)
		b = append(b, ',')
		b = append(b, t.Asset.String()...)
		b = append(b, ',')
		b = append(b, t.Amount.Dec()...)
		b = append(b, '\n')
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
