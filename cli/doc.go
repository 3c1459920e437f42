// Package cli is Bulwark's command-line adapter: the command tree, the
// flags of each command, and the human and JSON output, written against the
// domain packages as httpapi is for HTTP. cmd/bulwark runs it.
//
// Configuration comes from flags first, then BULWARK_* environment variables
// (BULWARK_ADDR, …: the flag name upper-cased with '-' as '_'; the data
// directory's is BULWARK_DATA),
// then an optional TOML config file (--config, $BULWARK_CONFIG, or
// bulwark.toml in the data directory) whose top-level keys are the global
// flags and whose [serve] table holds the serve flags.
//
// Exit codes: 0 ok/clear, 1 error, 2 review, 3 block/reject/critical.
package cli
