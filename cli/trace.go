package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/holiman/uint256"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/ethrpc"
	"github.com/bulwark-sec/bulwark/safe"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/etl"
	"github.com/bulwark-sec/bulwark/tracing/labels"
	"github.com/bulwark-sec/bulwark/tracing/report"
	"github.com/bulwark-sec/bulwark/tracing/thorchain"
)

// traceFlags are the flags of 'bulwark trace'.
type traceFlags struct {
	seeds               string
	rpc, from, to       string
	etl                 string
	chainID             uint64
	policy, direction   string
	maxHops             int
	minValue            string
	fromTime, toTime    string
	throughHubs         bool
	hubDegree           int
	knownTokens         string
	format, out         string
	ingestBatch, ingest int
	labels, tagpacks    string
	thorchain           string
	noScreening         bool
}

func (m *Main) traceCmd() *command {
	var f traceFlags
	return &command{
		name:    "trace",
		summary: "follow stolen funds from seed addresses or transactions, with exact taint, and write the evidence",
		usage: "bulwark trace --seed ADDR|TX[,…] (--etl DIR [--chain-id N] | --rpc URL --from-block N [--to-block M]) [--policy P] [--direction forward|backward]\n" +
			"       [--max-hops N] [--min-value V] [--from-time T] [--to-time T] [--through-hubs] [--hub-degree N] [--known-token ADDR[,…]]\n" +
			"       [--labels FILE] [--tagpacks DIR] [--no-screening-labels] [--thorchain FILE] [--format json|csv|gexf|dot] [--out FILE|DIR] [--json]",
		long: "Reads the transfers of an ethereum-etl export (--etl DIR: transactions.csv and, where present, traces.csv,\n" +
			"token_transfers.csv, logs.csv, receipts.csv, blocks.csv) or of blocks N to M of a node (--rpc: ingested\n" +
			"into the data directory's store first, resumably, with progress on stderr; blocks already stored are not\n" +
			"fetched again), follows the value out of the seeds (--direction backward: into them) under the taint\n" +
			"policy, and writes the graph: a summary by default, the graph's JSON with --json, one format with\n" +
			"--format (on stdout, or to --out FILE), or with --out DIR every format, a freeze-request summary per\n" +
			"deposit address and a SHA-256 manifest (the evidence bundle). The same inputs give byte-identical files.\n" +
			"Exit codes: 0 done, no alert; 3 tainted value reached a registered deposit address (an alert); 1 error.",
		setup: func(fs *flag.FlagSet) {
			fs.StringVar(&f.seeds, "seed", "", "the seeds `ADDR|TX`, comma-separated: addresses (0x + 40 hex digits) or transaction hashes (0x + 64)")
			fs.StringVar(&f.etl, "etl", "", "read the transfers from the ethereum-etl export in `DIR`")
			fs.Uint64Var(&f.chainID, "chain-id", 1, "the chain `ID` of an --etl export (with --rpc it is read from the node)")
			fs.StringVar(&f.rpc, "rpc", "", "read the transfers from the node at JSON-RPC `URL`")
			fs.StringVar(&f.from, "from-block", "", "first block `N` to read (required with --rpc; with --etl it narrows the export)")
			fs.StringVar(&f.to, "to-block", "", "last block `M` to read (default: the node's head, or the export's last)")
			fs.StringVar(&f.policy, "policy", "haircut", "taint `POLICY`: poison, haircut, fifo, lifo, dirty-first or clean-first")
			fs.StringVar(&f.direction, "direction", "forward", "`forward|backward`: where did the value go, or where did it come from")
			fs.IntVar(&f.maxHops, "max-hops", 0, "follow at most `N` transfers from a seed (default 5)")
			fs.StringVar(&f.minValue, "min-value", "", "follow only transfers carrying at least `V` tainted base units (wei, token units)")
			fs.StringVar(&f.fromTime, "from-time", "", "ignore transfers before `TIME` (RFC 3339, e.g. 2025-02-21T14:00:00Z, or Unix seconds)")
			fs.StringVar(&f.toTime, "to-time", "", "ignore transfers after `TIME` (RFC 3339 or Unix seconds)")
			fs.BoolVar(&f.throughHubs, "through-hubs", false, "follow value through exchanges, routers, bridges and mixers, which are otherwise end points")
			hubFlags(fs, &f)
			fs.StringVar(&f.format, "format", "", "write the graph as `FORMAT`: json, csv, gexf or dot (default: a summary; with --out FILE, from its extension)")
			fs.StringVar(&f.out, "out", "", "write to `FILE|DIR`: one format to a file, or to a directory every format with summary.md, summary.json, manifest.json and SHA256SUMS")
			fs.StringVar(&f.labels, "labels", "", "label addresses from your CSV `FILE` (address,name[,category][,hub]; docs/tracing-reference.md)")
			fs.StringVar(&f.tagpacks, "tagpacks", "", "label addresses from the GraphSense TagPacks (*.yaml) in `DIR`")
			fs.StringVar(&f.thorchain, "thorchain", "", "THORChain routers and vaults from the constants `FILE` (kind,chain,value,label), beside the public routers")
			fs.BoolVar(&f.noScreening, "no-screening-labels", false, "do not label addresses from the active screening lists (which opens the data directory's store)")
			fs.IntVar(&f.ingestBatch, "ingest-batch", 0, "with --rpc, `N` blocks stored per transaction (default 32)")
			fs.IntVar(&f.ingest, "ingest-concurrency", 0, "with --rpc, `N` blocks fetched at once (default 4)")
		},
		run: func(ctx context.Context, args []string) (int, error) {
			if err := noArgs("trace", args); err != nil {
				return bulwark.ExitError, err
			}
			return m.runTrace(ctx, f)
		},
	}
}

// traceOutput is where a trace's result goes.
type traceOutput struct {
	format report.Format // "" for the summary (or --json)
	file   string        // one file
	dir    string        // a bundle
}

// parseTraceOutput reads --format and --out: a directory (an existing one,
// one ending in '/', or a name without extension and no --format) takes
// the bundle; a file takes the format --format or its extension names.
func parseTraceOutput(format, out string) (traceOutput, error) {
	var o traceOutput
	if format != "" {
		f, err := report.ParseFormat(strings.ToLower(format))
		if err != nil {
			return o, bulwark.Invalid("--format", "unknown format %q: use json, csv, gexf or dot", format)
		}
		o.format = f
	}
	if out == "" {
		return o, nil
	}
	fi, err := os.Stat(out)
	isDir := err == nil && fi.IsDir()
	ext, hasExt := report.FormatOf(out)
	switch {
	case isDir || strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(os.PathSeparator)) || (filepath.Ext(out) == "" && format == ""):
		if format != "" {
			return o, bulwark.Invalid("--format", "--out %s is a directory, which gets every format: leave --format out, or give --out a file name", out)
		}
		if err := checkOutDir(out); err != nil {
			return o, err
		}
		o.dir = out
	case o.format == "" && !hasExt:
		return o, bulwark.Invalid("--out", "cannot tell the format of %s: give --format json, csv, gexf or dot, or a name ending in .json, .csv, .gexf or .dot (a directory gets them all)", out)
	case o.format == "":
		o.format, o.file = ext, out
	case hasExt && ext != o.format:
		return o, bulwark.Invalid("--out", "%s ends in %s but --format is %s: make them agree", out, ext.Ext(), o.format)
	default:
		o.file = out
	}
	if o.file != "" {
		if err := checkOutFile(o.file); err != nil {
			return o, err
		}
	}
	return o, nil
}

// checkOutDir refuses, before anything is traced, a bundle directory that
// cannot be created: an existing file, or a path under one.
func checkOutDir(out string) error {
	p := filepath.Clean(out)
	if fi, err := os.Stat(p); err == nil {
		if !fi.IsDir() {
			return bulwark.Invalid("--out", "%s is a file, not a directory: give a directory for the evidence bundle, or a file name ending in .json, .csv, .gexf or .dot for one format", out)
		}
		return nil
	}
	for dir := filepath.Dir(p); ; dir = filepath.Dir(dir) {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return bulwark.Invalid("--out", "cannot create directory %s: %s is a file", out, dir)
			}
			return nil
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

// checkOutFile refuses, before anything is traced, a file whose directory
// does not exist.
func checkOutFile(out string) error {
	dir := filepath.Dir(out)
	fi, err := os.Stat(dir)
	switch {
	case err != nil:
		return bulwark.Invalid("--out", "cannot write %s: the directory %s does not exist (create it, or give --out a directory without extension for the whole bundle)", out, dir)
	case !fi.IsDir():
		return bulwark.Invalid("--out", "cannot write %s: %s is not a directory", out, dir)
	}
	return nil
}

// parseSeeds reads --seed: addresses and transaction hashes,
// comma-separated, each once.
func parseSeeds(s string) ([]common.Address, []common.Hash, error) {
	if err := required("--seed", "the addresses the stolen value left from, or the theft's transaction hashes (comma-separated)", s); err != nil {
		return nil, nil, err
	}
	var addrs []common.Address
	var txs []common.Hash
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, nil, bulwark.Invalid("--seed", "empty item in %s: give addresses or transaction hashes separated by single commas", safe.Quote(s))
		}
		key := strings.ToLower(part)
		if seen[key] {
			return nil, nil, bulwark.Invalid("--seed", "%s is given twice: give each seed once", part)
		}
		seen[key] = true
		if digits, ok := strings.CutPrefix(key, "0x"); ok && len(digits) == 2*common.HashLength {
			b, err := seedHex(digits)
			if err != nil {
				return nil, nil, bulwark.Invalid("--seed", "%s is not a transaction hash: %v", safe.Quote(part), err)
			}
			if h := common.BytesToHash(b); h != (common.Hash{}) {
				txs = append(txs, h)
				continue
			}
			return nil, nil, bulwark.Invalid("--seed", "the zero hash is not a transaction: give the 32-byte hash of the theft's transaction")
		}
		a, err := safe.ParseAddress("--seed", part)
		if err != nil {
			return nil, nil, bulwark.Invalid("--seed", "%s (a seed is an address, 0x + 40 hex digits, or a transaction hash, 0x + 64)", strings.TrimPrefix(bulwark.ErrorMessage(err), "--seed: "))
		}
		if err := nonZeroSeed(a); err != nil {
			return nil, nil, err
		}
		addrs = append(addrs, a)
	}
	return addrs, txs, nil
}

// nonZeroSeed refuses the zero address as a seed, as 'trace case open'
// does: it is no one's, it stands for mints and burns.
func nonZeroSeed(a common.Address) error {
	if a == (common.Address{}) {
		return bulwark.Invalid("--seed", "the zero address is not a seed (it stands for mints and burns)")
	}
	return nil
}

func seedHex(digits string) ([]byte, error) {
	b := make([]byte, len(digits)/2)
	for i := range b {
		v, err := strconv.ParseUint(digits[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("%q at position %d is not a hex digit", digits[2*i:2*i+2], 2*i+2)
		}
		b[i] = byte(v)
	}
	return b, nil
}

// hubFlags defines --hub-degree and --known-token, shared by 'bulwark
// trace' and 'trace watch'.
func hubFlags(fs *flag.FlagSet, f *traceFlags) {
	fs.IntVar(&f.hubDegree, "hub-degree", 0, "treat an address with at least `N` distinct counterparties as a hub, an end point (0: none)")
	fs.StringVar(&f.knownTokens, "known-token", "", "the genuine token contracts `ADDR[,ADDR…]`: a transfer of another token out of an address that did not act in its transaction is ignored as spoofed (address poisoning)")
}

// parseHubFlags checks --hub-degree and reads --known-token.
func parseHubFlags(f traceFlags) ([]common.Address, error) {
	if f.hubDegree < 0 {
		return nil, bulwark.Invalid("--hub-degree", "%d is negative: give the number of distinct counterparties that makes an address a hub (e.g. 1000), or 0 for none", f.hubDegree)
	}
	if strings.TrimSpace(f.knownTokens) == "" {
		return nil, nil
	}
	return safe.ParseAddressList("--known-token", f.knownTokens)
}

// parseTraceTime reads --from-time or --to-time: RFC 3339 or Unix seconds.
func parseTraceTime(field, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return n, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Unix() < 0 {
		return 0, bulwark.Invalid(field, "%s is not a time: give RFC 3339 (2025-02-21T14:00:00Z) or Unix seconds", safe.Quote(s))
	}
	return t.Unix(), nil
}

// traceInput is what a trace runs over: the transfers and where they came
// from.
type traceInput struct {
	transfers []tracing.Transfer
	source    report.Source
	chain     uint64
	// exits are the cross-chain exits among the transfers, with their
	// memos (thorchain.Finder).
	exits tracing.ExitDetector
}

func (m *Main) runTrace(ctx context.Context, f traceFlags) (int, error) {
	addrs, txs, err := parseSeeds(f.seeds)
	if err != nil {
		return bulwark.ExitError, err
	}
	switch {
	case f.etl == "" && f.rpc == "":
		return bulwark.ExitError, bulwark.Invalid("--etl", "required: where the transfers come from, an ethereum-etl export (--etl DIR) or a node (--rpc URL --from-block N)")
	case f.etl != "" && f.rpc != "":
		return bulwark.ExitError, bulwark.Invalid("--rpc", "give --etl DIR or --rpc URL, not both")
	}
	policy, err := tracing.ParsePolicy(f.policy)
	if err != nil {
		return bulwark.ExitError, bulwark.Invalid("--policy", "%s", strings.TrimPrefix(bulwark.ErrorMessage(err), "policy: "))
	}
	dir := tracing.Direction(f.direction)
	if dir != tracing.Forward && dir != tracing.Backward {
		return bulwark.ExitError, bulwark.Invalid("--direction", "unknown direction %q: use forward (where did the value go) or backward (where did it come from)", f.direction)
	}
	if f.maxHops < 0 || f.maxHops > tracing.MaxMaxHops {
		return bulwark.ExitError, bulwark.Invalid("--max-hops", "%d is out of range: give 1 to %d (0 for the default, %d)", f.maxHops, tracing.MaxMaxHops, tracing.DefaultMaxHops)
	}
	knownTokens, err := parseHubFlags(f)
	if err != nil {
		return bulwark.ExitError, err
	}
	var minValue *uint256.Int
	if s := strings.TrimSpace(f.minValue); s != "" {
		minValue = new(uint256.Int)
		if err := minValue.SetFromDecimal(s); err != nil || strings.HasPrefix(s, "+") {
			return bulwark.ExitError, bulwark.Invalid("--min-value", "%s is not a whole number of base units (wei, token units): e.g. 1000000000000000000 for 1 ETH", safe.Quote(s))
		}
	}
	from, hasFrom, err := parseWatchBlock("--from-block", f.from)
	if err != nil {
		return bulwark.ExitError, err
	}
	to, hasTo, err := parseWatchBlock("--to-block", f.to)
	if err != nil {
		return bulwark.ExitError, err
	}
	if hasFrom && hasTo && to < from {
		return bulwark.ExitError, bulwark.Invalid("--to-block", "%d is before --from-block %d", to, from)
	}
	if f.rpc != "" && !hasFrom {
		return bulwark.ExitError, bulwark.Invalid("--from-block", "required with --rpc: the first block to read (the block of the theft, or just before it)")
	}
	fromTime, err := parseTraceTime("--from-time", f.fromTime)
	if err != nil {
		return bulwark.ExitError, err
	}
	toTime, err := parseTraceTime("--to-time", f.toTime)
	if err != nil {
		return bulwark.ExitError, err
	}
	if toTime != 0 && fromTime > toTime {
		return bulwark.ExitError, bulwark.Invalid("--to-time", "comes before --from-time")
	}
	out, err := parseTraceOutput(f.format, f.out)
	if err != nil {
		return bulwark.ExitError, err
	}
	if f.chainID == 0 {
		return bulwark.ExitError, bulwark.Invalid("--chain-id", "chain id 0 is not a chain: give the chain's EIP-155 id (1 for Ethereum mainnet)")
	}

	consts, inputFiles, err := exitConstants("--thorchain", f.thorchain)
	if err != nil {
		return bulwark.ExitError, err
	}
	// The label files are read before the export, so that a mistake in one
	// is the only line on stderr, not one after the export's notes.
	own, files, err := m.labelFiles(f)
	if err != nil {
		return bulwark.ExitError, err
	}
	inputFiles = append(inputFiles, files...)
	var in *traceInput
	if f.etl != "" {
		in, err = m.loadETL(ctx, f.etl, f.chainID, from, to, hasFrom, hasTo, consts)
	} else {
		in, err = m.ingestNode(ctx, f, from, to, hasTo, consts)
	}
	if err != nil {
		return bulwark.ExitError, err
	}
	labeler, lists, err := m.screeningLabels(ctx, f, own)
	defer m.closeTraceScreening()
	if err != nil {
		return bulwark.ExitError, err
	}
	deposits, err := m.registeredDeposits(ctx)
	if err != nil {
		return bulwark.ExitError, err
	}

	req := tracing.Request{
		Chain: in.chain, SeedAddresses: addrs, SeedTxs: txs, Policy: policy, Direction: dir, MinValue: minValue,
		Labeler: labeler, Exits: in.exits, Deposits: deposits, KnownTokens: knownTokens,
		Bounds: tracing.Bounds{MaxHops: f.maxHops, FromBlock: from, ToBlock: to, FromTime: fromTime, ToTime: toTime, ThroughHubs: f.throughHubs,
			HubDegree: f.hubDegree},
	}
	if !hasFrom {
		req.Bounds.FromBlock = in.source.FromBlock
	}
	if !hasTo {
		req.Bounds.ToBlock = in.source.ToBlock
	}
	m.warnAbsentSeeds(in.transfers, addrs, txs)
	g, err := traceGraph(ctx, in.transfers, req)
	if err != nil {
		return bulwark.ExitError, err
	}
	code := bulwark.ExitOK
	if len(g.Alerts) > 0 {
		code = bulwark.ExitBlock
	}
	inputs := report.Inputs{Source: in.source, Files: inputFiles, Lists: lists, Deposits: deposits}
	if err := m.auditTrace(ctx, g, inputs); err != nil {
		return bulwark.ExitError, err
	}
	return code, m.writeTrace(g, in, inputs, out)
}

// auditTrace records the trace in the audit log (action trace.run) when
// the command opened the data directory's store: what was traced, over
// which data (the transfers' digest), what it found, and graphSha256, the
// SHA-256 of the graph's JSON (graph.json of a bundle, the output of
// --json), which ties any file written from it to the entry.
func (m *Main) auditTrace(ctx context.Context, g *tracing.Graph, in report.Inputs) error {
	if m.db == nil {
		return nil
	}
	digest, err := report.GraphSHA256(g)
	if err != nil {
		return err
	}
	target := "trace"
	if len(g.Seeds) > 0 {
		target = "trace:" + g.Seeds[0]
	}
	src := in.Source
	src.Files = nil
	details := map[string]any{
		"chain": g.Chain, "seeds": g.Seeds, "policy": g.Policy, "direction": g.Direction, "bounds": g.Bounds, "source": src,
		"nodes": len(g.Nodes), "edges": len(g.Edges), "exits": len(g.Exits), "alerts": len(g.Alerts),
		"graphSha256": digest,
	}
	e, err := (&audit.Log{Store: m.db}).Record(ctx, audit.Event{Actor: m.cliActor(), Action: "trace.run", Target: target, Details: details})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stderr, "bulwark: recorded as audit entry %d (trace.run, graph SHA-256 %s)\n", e.Seq, details["graphSha256"])
	return nil
}

// readInputFile reads a file a flag names.
func readInputFile(field, name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, bulwark.Invalid(field, "cannot read %s: %s", name, pathErr(err))
	}
	return data, nil
}

// flagFileError puts the flag in front of a reader's error ("FILE: line
// 3: …").
func flagFileError(field string, err error) error {
	e := bulwark.Wrap(err, bulwark.ErrorCode(err), field+": "+bulwark.ErrorMessage(err))
	e.Field = field // so that flagged can name serve's --trace-labels instead
	return e
}

// traceLabels builds the labeler of a trace: the active screening lists
// (unless --no-screening-labels), the user's label file, then the
// TagPacks; it returns the input files read, with their hashes, and the
// lists' versions. The files are read first, so that a bad one is refused
// before the store is opened.
func (m *Main) traceLabels(ctx context.Context, f traceFlags) (tracing.Labeler, []report.FileHash, []report.ListRef, error) {
	own, files, err := m.labelFiles(f)
	if err != nil {
		return nil, nil, nil, err
	}
	labeler, lists, err := m.screeningLabels(ctx, f, own)
	return labeler, files, lists, err
}

// labelFiles reads the label sources a trace's flags name: the user's
// label file (--labels), then the TagPacks (--tagpacks), with the files'
// hashes.
func (m *Main) labelFiles(f traceFlags) ([]tracing.Labeler, []report.FileHash, error) {
	var (
		sources []tracing.Labeler
		files   []report.FileHash
	)
	if f.labels != "" {
		data, err := readInputFile("--labels", f.labels)
		if err != nil {
			return nil, nil, err
		}
		set, err := labels.ReadUser(f.labels, bytes.NewReader(data))
		if err != nil {
			return nil, nil, flagFileError("--labels", err)
		}
		sources = append(sources, set)
		files = append(files, report.HashFile("labels:"+f.labels, data))
	}
	if f.tagpacks != "" {
		fi, err := os.Stat(f.tagpacks)
		if err != nil || !fi.IsDir() {
			return nil, nil, bulwark.Invalid("--tagpacks", "%s is not a directory of TagPacks (*.yaml)", f.tagpacks)
		}
		set, st, err := labels.ReadTagPacks(os.DirFS(f.tagpacks), ".")
		if err != nil {
			return nil, nil, flagFileError("--tagpacks", err)
		}
		entries, err := os.ReadDir(f.tagpacks)
		if err != nil {
			return nil, nil, bulwark.Invalid("--tagpacks", "cannot read %s: %s", f.tagpacks, pathErr(err))
		}
		for _, e := range entries {
			if n := e.Name(); !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
				data, err := readInputFile("--tagpacks", filepath.Join(f.tagpacks, n))
				if err != nil {
					return nil, nil, err
				}
				files = append(files, report.HashFile("tagpack:"+filepath.Join(f.tagpacks, n), data))
			}
		}
		fmt.Fprintf(m.Stderr, "bulwark: read %s from %s (%s of Ethereum addresses)\n", plural(st.Files, "TagPack", "TagPacks"), f.tagpacks, plural(st.Labels, "label", "labels"))
		sources = append(sources, set)
	}
	return sources, files, nil
}

// screeningLabels puts the active screening lists (unless
// --no-screening-labels) ahead of own, the label files' sources, and
// returns the lists' versions; nil when there is no source at all.
func (m *Main) screeningLabels(ctx context.Context, f traceFlags, own []tracing.Labeler) (tracing.Labeler, []report.ListRef, error) {
	var (
		sources []tracing.Labeler
		lists   []report.ListRef
	)
	if !f.noScreening {
		svc, err := m.screeningService(ctx, screeningSettings{}, false, true)
		if err != nil {
			return nil, nil, err
		}
		m.traceScreening = svc
		for _, l := range svc.Screener().Index().Lists() {
			lists = append(lists, report.ListRef{ID: l.ID, SHA256: l.SHA256})
		}
		sources = append(sources, labels.NewScreening(svc.Screener().Index))
	}
	sources = append(sources, own...)
	if len(sources) == 0 {
		return nil, nil, nil
	}
	return labels.Combine(sources...), lists, nil
}

// closeTraceScreening closes the screening service traceLabels opened.
func (m *Main) closeTraceScreening() {
	if m.traceScreening != nil {
		closeService(m.traceScreening)
		m.traceScreening = nil
	}
}

// registeredDeposits returns the deposit addresses registered in the
// data directory's store ('bulwark trace deposit add'), which alert when
// tainted value arrives; none when the store was not opened (with
// --no-screening-labels and --etl, when there is no store yet).
func (m *Main) registeredDeposits(ctx context.Context) ([]tracing.Deposit, error) {
	if m.db == nil {
		dir, err := m.dataDir()
		if err != nil || !exists(filepath.Join(dir, "bulwark.db")) {
			return nil, nil
		}
	}
	db, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	regs, err := db.Deposits(ctx)
	if err != nil {
		return nil, err
	}
	var out []tracing.Deposit
	for _, r := range regs {
		out = append(out, r.Deposit)
	}
	return out, nil
}

// warnAbsentSeeds says on stderr which seeds no transfer of the data
// involves: a typo, or data that does not cover the theft.
func (m *Main) warnAbsentSeeds(transfers []tracing.Transfer, addrs []common.Address, txs []common.Hash) {
	seen := map[common.Address]bool{}
	seenTx := map[common.Hash]bool{}
	for i := range transfers {
		seen[transfers[i].From], seen[transfers[i].To], seenTx[transfers[i].TxHash] = true, true, true
	}
	for _, a := range addrs {
		if !seen[a] {
			fmt.Fprintf(m.Stderr, "bulwark: warning: no transfer of the data sends to or from the seed %s: check the address and the blocks read\n", a.Hex())
		}
	}
	for _, h := range txs {
		if !seenTx[h] {
			fmt.Fprintf(m.Stderr, "bulwark: warning: no transfer of the data belongs to the seed transaction %s: check the hash and the blocks read\n", h.Hex())
		}
	}
}

// loadETL reads an ethereum-etl export, hashes the files read and keeps
// the transfers in the block range.
func (m *Main) loadETL(ctx context.Context, dir string, chain, from, to uint64, hasFrom, hasTo bool, consts thorchain.Constants) (*traceInput, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, bulwark.Invalid("--etl", "cannot read %s: %s", dir, pathErr(err))
	}
	if !fi.IsDir() {
		return nil, bulwark.Invalid("--etl", "%s is not a directory: give the directory holding the export's transactions.csv and the other files", dir)
	}
	fsys := os.DirFS(dir)
	ex, err := etl.Load(fsys, etl.Options{Chain: chain})
	if err != nil {
		return nil, etlError(dir, err)
	}
	in := &traceInput{chain: chain, source: report.Source{Kind: "etl", Location: dir}}
	finder := &thorchain.Finder{Constants: consts}
	if probe := thorchain.New(consts, nil); len(probe.Wanted(ex.Transfers)) > 0 {
		inputs, err := thorchain.ReadETL(fsys, probe)
		if err != nil {
			return nil, etlError(dir, err)
		}
		finder.Inputs = inputs
	}
	for _, name := range ex.Files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, bulwark.Invalid("--etl", "cannot read %s: %s", filepath.Join(dir, name), pathErr(err))
		}
		in.source.Files = append(in.source.Files, report.HashFile(name, data))
	}
	if n := len(ex.Transfers); n > 0 {
		// A block range outside the export's blocks leaves nothing to
		// trace: a typo, or the wrong export.
		first, last := ex.Transfers[0].Block, ex.Transfers[n-1].Block
		if hasFrom && from > last {
			return nil, bulwark.Invalid("--from-block", "block %d is after the export's last block, %d (its transfers are in blocks %d to %d)", from, last, first, last)
		}
		if hasTo && to < first {
			return nil, bulwark.Invalid("--to-block", "block %d is before the export's first block, %d (its transfers are in blocks %d to %d)", to, first, first, last)
		}
	}
	for _, t := range ex.Transfers {
		if (hasFrom && t.Block < from) || (hasTo && t.Block > to) {
			continue
		}
		in.transfers = append(in.transfers, t)
	}
	if n := len(in.transfers); n > 0 {
		in.source.FromBlock, in.source.ToBlock = in.transfers[0].Block, in.transfers[n-1].Block
	}
	in.source.Transfers, in.source.TransfersSHA256 = len(in.transfers), report.TransfersDigest(in.transfers)
	if in.exits, err = finder.ExitsFor(ctx, in.transfers); err != nil {
		return nil, err
	}
	fmt.Fprintf(m.Stderr, "bulwark: read %s of %s from %s (%s)\n", plural(len(in.transfers), "transfer", "transfers"),
		plural(ex.Transactions, "transaction", "transactions"), dir, strings.Join(ex.Files, ", "))
	if ex.FeesUnknown > 0 {
		fmt.Fprintf(m.Stderr, "bulwark: note: the gas fees of %s are unknown (%s): fees are left out of the trace\n", plural(ex.FeesUnknown, "transaction", "transactions"), ex.FeesWhy)
	}
	if ex.StatusUnknown > 0 {
		fmt.Fprintf(m.Stderr, "bulwark: note: %s counted as moved without a receipt or trace to say they succeeded; give receipts.csv or traces.csv to know\n", plural(ex.StatusUnknown, "transaction's value was", "transactions' values were"))
	}
	if ex.CreatesUnknown > 0 {
		fmt.Fprintf(m.Stderr, "bulwark: note: the value of %s is left out: no file gives the created contract's address\n", plural(ex.CreatesUnknown, "contract creation", "contract creations"))
	}
	if ex.TokensUnverified > 0 {
		fmt.Fprintf(m.Stderr, "bulwark: note: %s read as ERC-20 without logs.csv to confirm it (ERC-721 transfers look the same), and ERC-1155 transfers, which only logs.csv gives, are missing\n", plural(ex.TokensUnverified, "token transfer", "token transfers"))
	}
	if ex.MultiTokenSkipped > 0 {
		fmt.Fprintf(m.Stderr, "bulwark: note: %s left out, not being well-formed (the first: %s)\n", plural(ex.MultiTokenSkipped, "ERC-1155 event of logs.csv", "ERC-1155 events of logs.csv"), ex.MultiTokenWhy)
	}
	return in, nil
}

// etlError names the export's file in an error of the etl reader:
// "--etl: DIR/transactions.csv: line 2: …".
func etlError(dir string, err error) error {
	if be, ok := err.(*bulwark.Error); ok && be.Field != "" && !strings.HasPrefix(be.Message, "--etl") {
		return bulwark.Wrap(err, be.Code, "--etl: "+filepath.Join(dir, be.Field)+": "+strings.TrimPrefix(be.Message, be.Field+": "))
	}
	return err
}

// ingestNode copies blocks from..to of the node at f.rpc into the store
// (resuming what an earlier run stored) and reads their transfers back.
func (m *Main) ingestNode(ctx context.Context, f traceFlags, from, to uint64, hasTo bool, consts thorchain.Constants) (*traceInput, error) {
	client, err := ethrpc.Dial(f.rpc, ethrpc.Options{Logger: m.logger})
	if err != nil {
		return nil, rpcFlagError(err)
	}
	defer client.Close()
	chain, err := client.ChainID(ctx)
	if err != nil {
		return nil, rpcFlagError(err)
	}
	head, err := client.BlockNumber(ctx)
	if err != nil {
		return nil, rpcFlagError(err)
	}
	if from > head {
		return nil, bulwark.Invalid("--from-block", "block %d is beyond the node's head %d", from, head)
	}
	if !hasTo || to > head {
		if hasTo {
			fmt.Fprintf(m.Stderr, "bulwark: --to-block %d is beyond the node's head; reading to the head, block %d\n", to, head)
		}
		to = head
	}
	db, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	// One source per first block: a later run from the same block resumes
	// and reuses what is stored; one from another block never finds a gap.
	source := "trace:" + strconv.FormatUint(from, 10)
	in := &tracing.Ingester{Store: db, Source: &ethrpc.TraceSource{Client: client, Chain: chain}, Chain: chain, Name: source,
		Start: from, Batch: f.ingestBatch, Concurrency: f.ingest}
	cur, ok, err := db.IngestCursor(ctx, chain, source)
	if err != nil {
		return nil, err
	}
	next := from
	if ok {
		next = cur.Block + 1
	}
	total := to - from + 1
	start, last := time.Now(), time.Now()
	const step = 256
	for next <= to {
		end := min(next+step-1, to)
		res, err := in.Run(ctx, end)
		if err != nil {
			return nil, rpcFlagError(err)
		}
		next = res.Cursor + 1
		if time.Since(last) >= time.Second || next > to {
			last = time.Now()
			fmt.Fprintf(m.Stderr, "bulwark: ingested block %d of %d-%d (%d%%, %s)\n", res.Cursor, from, to, 100*(res.Cursor-from+1)/total, time.Since(start).Round(time.Millisecond))
		}
		if res.Cursor < end {
			break // the node's head went back (a reorg): what is stored is what there is
		}
	}
	transfers, err := db.Transfers(ctx, tracing.TransferQuery{Chain: chain, Source: source, FromBlock: from, ToBlock: to})
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(m.Stderr, "bulwark: read %s of blocks %d to %d from the store\n", plural(len(transfers), "transfer", "transfers"), from, to)
	exits, err := (&thorchain.Finder{Constants: consts, Inputs: client}).ExitsFor(ctx, transfers)
	if err != nil {
		return nil, rpcFlagError(err)
	}
	return &traceInput{transfers: transfers, chain: chain, exits: exits, source: report.Source{Kind: "node", Location: client.URL(), FromBlock: from, ToBlock: to,
		Transfers: len(transfers), TransfersSHA256: report.TransfersDigest(transfers)}}, nil
}

// writeTrace writes the graph where out says, and the summary (or with
// --json the graph or a note of the files written) on stdout.
func (m *Main) writeTrace(g *tracing.Graph, in *traceInput, inputs report.Inputs, out traceOutput) error {
	switch {
	case out.dir != "":
		files, man, err := report.Bundle(g, inputs, m.buildVersion().String())
		if err != nil {
			return err
		}
		if err := os.MkdirAll(out.dir, 0o755); err != nil {
			return bulwark.Invalid("--out", "cannot create directory %s: %s", out.dir, pathErr(err))
		}
		for _, f := range files {
			if err := writeFileAtomic(filepath.Join(out.dir, f.Name), f.Data); err != nil {
				return err
			}
		}
		fmt.Fprintf(m.Stderr, "bulwark: wrote %s to %s (check it with: cd %s && sha256sum -c %s)\n", plural(len(files), "file", "files"), out.dir, out.dir, report.ChecksumsFile)
		if m.g.json {
			return m.printJSON(traceFilesJSON(g, out.dir, man))
		}
		return m.printTraceSummary(g, in, out.dir)
	case out.file != "":
		var buf bytes.Buffer
		if err := report.Write(&buf, out.format, g); err != nil {
			return err
		}
		if err := writeFileAtomic(out.file, buf.Bytes()); err != nil {
			return err
		}
		h := report.HashFile(filepath.Base(out.file), buf.Bytes())
		fmt.Fprintf(m.Stderr, "bulwark: wrote %s (%s bytes, SHA-256 %s)\n", out.file, strconv.FormatInt(h.Bytes, 10), h.SHA256)
		if m.g.json {
			return m.printJSON(traceFilesJSON(g, out.file, &report.Manifest{Files: []report.FileHash{h}}))
		}
		return m.printTraceSummary(g, in, "")
	case out.format != "":
		return report.Write(m.Stdout, out.format, g)
	case m.g.json:
		return report.WriteJSON(m.Stdout, g)
	}
	return m.printTraceSummary(g, in, "")
}

// traceFilesJSON is --json's answer when the graph went to files: where,
// their hashes, the counts and the alerts.
func traceFilesJSON(g *tracing.Graph, out string, man *report.Manifest) any {
	alerts := g.Alerts
	if alerts == nil {
		alerts = []tracing.Alert{}
	}
	return struct {
		Out      string            `json:"out"`
		Files    []report.FileHash `json:"files"`
		Nodes    int               `json:"nodes"`
		Edges    int               `json:"edges"`
		Exits    int               `json:"exits"`
		Alerts   []tracing.Alert   `json:"alerts"`
		Manifest *report.Manifest  `json:"manifest,omitempty"`
	}{out, man.Files, len(g.Nodes), len(g.Edges), len(g.Exits), alerts, bundleManifest(man)}
}

func bundleManifest(man *report.Manifest) *report.Manifest {
	if man.Format == "" {
		return nil
	}
	return man
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return bulwark.Invalid("--out", "cannot write in %s: %s", filepath.Dir(path), pathErr(err))
	}
	_, werr := tmp.Write(data)
	if err := tmp.Chmod(0o644); werr == nil {
		werr = err
	}
	if err := tmp.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return bulwark.Invalid("--out", "cannot write %s: %s", path, pathErr(werr))
	}
	return nil
}

// printTraceSummary prints what the trace found, for people; bundle is the
// directory the evidence bundle was written to ("" when none was).
func (m *Main) printTraceSummary(g *tracing.Graph, in *traceInput, bundle string) error {
	w := m.Stdout
	s := report.Summarize(g)
	dir := g.Direction
	if dir == "" {
		dir = tracing.Forward
	}
	src := in.source.Location
	if in.source.Kind == "node" {
		src = fmt.Sprintf("%s, blocks %d to %d", src, in.source.FromBlock, in.source.ToBlock)
	}
	fmt.Fprintf(w, "Trace %s from %s, policy %s, at most %d hops\n", dir, strings.Join(s.Seeds, ", "), g.Policy, g.Bounds.MaxHops)
	fmt.Fprintf(w, "Data: %s over %s (chain %d)\n", plural(in.source.Transfers, "transfer", "transfers"), src, g.Chain)
	fmt.Fprintf(w, "Reached: %s through %s; %s; %s\n", plural(len(g.Nodes), "address", "addresses"), plural(len(g.Edges), "transfer", "transfers"),
		plural(len(g.Exits), "cross-chain exit", "cross-chain exits"), plural(len(g.Alerts), "alert", "alerts"))
	// The tainted value each address holds at the end, most hops first.
	held := 0
	for _, n := range g.Nodes {
		if len(n.Taint) > 0 && n.Hop > 0 {
			held++
		}
	}
	if held > 0 {
		fmt.Fprintf(w, "\nTainted value held at the end (%s):\n", plural(held, "address", "addresses"))
		shown := 0
		for i := len(g.Nodes) - 1; i >= 0 && shown < 10; i-- {
			n := g.Nodes[i]
			if len(n.Taint) == 0 || n.Hop == 0 {
				continue
			}
			shown++
			fmt.Fprintf(w, "  %s  hop %d  %s%s\n", n.Address.Hex(), n.Hop, traceAmounts(n.Taint), traceLabels(n.Labels, n.Stop))
		}
		if held > shown {
			fmt.Fprintf(w, "  … and %d more (--json or --out for all)\n", held-shown)
		}
	}
	for _, x := range g.Exits {
		dest := strings.TrimSpace(x.DestChain + " " + x.DestAddress)
		if dest == "" {
			dest = "destination unknown"
		}
		fmt.Fprintf(w, "EXIT   block %d  %s via %s %s: %s tainted -> %s\n", x.Block, x.From.Hex(), x.Service, x.Via.Hex(), report.HumanAmount(x.Asset, x.Taint), dest)
	}
	if len(g.Alerts) > 0 {
		fmt.Fprintln(w)
	}
	for _, a := range g.Alerts {
		label := ""
		if a.Label != "" {
			label = " (" + a.Label + ")"
		}
		fmt.Fprintf(w, "ALERT  block %d  %s%s received %s tainted of %s in %s\n", a.Block, a.Deposit.Hex(), label,
			report.HumanAmount(a.Asset, a.Taint), report.HumanAmount(a.Asset, a.Amount), a.TxHash.Hex())
	}
	if n := len(s.FreezeRequests); n > 0 {
		where := "write the evidence bundle with --out DIR (summary.md has each with its path from the seed)"
		if bundle != "" {
			where = "each with its path from the seed in " + filepath.Join(bundle, report.SummaryMDFile)
		}
		fmt.Fprintf(w, "\n%s: %s\n", plural(n, "freeze request", "freeze requests"), where)
		for _, fr := range s.FreezeRequests {
			var parts []string
			for _, r := range fr.Received {
				parts = append(parts, report.HumanAmount(r.Asset, r.Taint))
			}
			fmt.Fprintf(w, "  %s%s: %s tainted, %s\n", fr.Deposit.Hex(), traceLabels(fr.Labels, ""), strings.Join(parts, ", "), plural(len(fr.Arrivals), "arrival", "arrivals"))
		}
	}
	return nil
}

func traceAmounts(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = report.HumanAmount(k, m[k])
	}
	return strings.Join(parts, ", ")
}

func traceLabels(ls []tracing.Label, stop string) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, l.Name)
	}
	if stop != "" {
		parts = append(parts, "stopped: "+stop)
	}
	if len(parts) == 0 {
		return ""
	}
	return "  (" + strings.Join(parts, "; ") + ")"
}

// withTraceDeposits puts 'bulwark trace deposit', the registry of the
// deposit addresses the follower alerts on, under the trace command t.
func (m *Main) withTraceDeposits(t *command) *command {
	t.subs = append(t.subs, m.traceDepositCmd())
	return t
}

// exitConstants returns THORChain's public routers with the routers and
// vaults of the constants file given to flag (none when file is ""), and
// the file's hash for an evidence manifest: the constants of every exit
// finder the commands build (trace, trace case run, trace watch, serve).
func exitConstants(flag, file string) (thorchain.Constants, []report.FileHash, error) {
	consts := thorchain.DefaultConstants()
	if file == "" {
		return consts, nil, nil
	}
	data, err := readInputFile(flag, file)
	if err != nil {
		return thorchain.Constants{}, nil, err
	}
	own, err := thorchain.ReadConstants(file, bytes.NewReader(data))
	if err != nil {
		return thorchain.Constants{}, nil, flagFileError(flag, err)
	}
	for a, l := range own.Routers {
		consts.Routers[a] = l
	}
	for a, l := range own.Vaults {
		consts.Vaults[a] = l
	}
	return consts, []report.FileHash{report.HashFile("thorchain:"+file, data)}, nil
}
