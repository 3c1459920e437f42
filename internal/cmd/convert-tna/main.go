// Command convert-tna converts the Bybit laundering graph of Ding et al.
// 2025 (github.com/we-stronger/bybit-incident-tna: transaction_network.gexf
// or transaction_network_edges.csv) into an ethereum-etl export folder
// (transactions.csv) that a trace reads (etl.Load, or bulwark trace --etl):
//
//	go run ./internal/cmd/convert-tna [-root ADDR[,ADDR…]] DATASET_DIR OUT_DIR
//
// The dataset has no licence: keep it and the converted folder outside the
// repository. What the conversion makes up (hashes, blocks, times) and why
// amounts mean nothing: docs/tracing.md, "Loading the Bybit graph".
// Exit codes, as bulwark's: 0 converted, 1 an error (bad arguments
// included).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/tna"
	"github.com/ethereum/go-ethereum/common"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run converts as the arguments say and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("convert-tna", flag.ContinueOnError)
	fs.SetOutput(stderr)
	roots := fs.String("root", tna.Exploiter.Hex(), "comma-separated addresses the breadth-first block order starts from")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: convert-tna [-root ADDR[,ADDR…]] DATASET_DIR OUT_DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err == flag.ErrHelp {
		return 0
	} else if err != nil {
		return 1 // the flag package said what is wrong, with the usage
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return 1
	}
	var opt tna.Options
	for _, r := range strings.Split(*roots, ",") {
		r = strings.TrimSpace(r)
		if !tracing.IsHexAddress(r) {
			fmt.Fprintf(stderr, "convert-tna: -root: %q is not an Ethereum address (0x and 40 hex digits)\n", r)
			return 1
		}
		opt.Roots = append(opt.Roots, common.HexToAddress(r))
	}
	st, err := tna.ConvertDir(fs.Arg(0), fs.Arg(1), opt)
	if err != nil {
		fmt.Fprintln(stderr, "convert-tna:", bulwark.ErrorMessage(err))
		return 1
	}
	fmt.Fprintf(stdout, "read %s: %d edges over %d addresses (%d of weight 0); %d addresses reached from the roots; wrote %d synthetic blocks to %s\n",
		st.Source, st.Edges, st.Nodes, st.ZeroWeight, st.Reached, st.Blocks, fs.Arg(1))
	return 0
}
