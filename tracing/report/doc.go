// Package report writes the result of a trace ([tracing.Graph]) as
// evidence: JSON (the graph as the command line and the API give it), CSV
// (one row per transfer followed), GEXF 1.3 (for Gephi) and Graphviz DOT;
// a freeze-request summary per deposit address that received tainted value,
// with the path back to a seed, each step a transaction anyone can look up
// on a block explorer; and a bundle of all of them with a SHA-256 manifest
// of the files and the inputs they came from.
//
// Every writer is deterministic: the same graph gives the same bytes, so
// two runs of the same trace over the same data can be compared by their
// hashes. Nothing written depends on the clock, the machine or map order.
//
// The package is a domain package: it imports the tracing package, the
// standard library and go-ethereum's value types, never an adapter; the
// command line writes the files it returns.
package report
