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
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/tracing"
	"github.com/bulwark-sec/bulwark/tracing/tna"
	"github.com/ethereum/go-ethereum/common"
)

func main() {
	roots := flag.String("root", tna.Exploiter.Hex(), "comma-separated addresses the breadth-first block order starts from")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: convert-tna [-root ADDR[,ADDR…]] DATASET_DIR OUT_DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	var opt tna.Options
	for _, r := range strings.Split(*roots, ",") {
		r = strings.TrimSpace(r)
		if !tracing.IsHexAddress(r) {
			fmt.Fprintf(os.Stderr, "convert-tna: -root: %q is not an Ethereum address (0x and 40 hex digits)\n", r)
			os.Exit(2)
		}
		opt.Roots = append(opt.Roots, common.HexToAddress(r))
	}
	st, err := tna.ConvertDir(flag.Arg(0), flag.Arg(1), opt)
	if err != nil {
		fmt.Fprintln(os.Stderr, "convert-tna:", bulwark.ErrorMessage(err))
		os.Exit(1)
	}
	fmt.Printf("read %s: %d edges over %d addresses (%d of weight 0); %d addresses reached from the roots; wrote %d synthetic blocks to %s\n",
		st.Source, st.Edges, st.Nodes, st.ZeroWeight, st.Reached, st.Blocks, flag.Arg(1))
}
