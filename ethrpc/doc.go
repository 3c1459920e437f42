// Package ethrpc is Bulwark's adapter for Ethereum nodes: a JSON-RPC client
// over HTTP(S) with the limits a production deployment needs.
//
// A Client sends each call or batch as one HTTP POST and
//
//   - bounds every attempt by a timeout (Options.Timeout);
//   - keeps at most Options.MaxInFlight requests in flight (a semaphore);
//   - splits batches larger than Options.MaxBatchSize into chunks, sent
//     concurrently within the in-flight limit;
//   - retries transient failures (connection refused or reset, timeouts,
//     HTTP 429/502/503/504, node rate-limit errors such as -32005 "limit
//     exceeded") with exponential backoff and jitter, honouring Retry-After;
//   - never retries an execution error such as a revert: it comes back as an
//     *RPCError carrying the node's code, message and revert data;
//   - turns every failure into a *bulwark.Error whose message names the node
//     by scheme, host and port only (user info, path and query, where hosted
//     nodes keep their API key, are never shown; "/…" marks a path) and says
//     what to do, e.g.
//     "node at http://127.0.0.1:8545 is unreachable: connection refused (is
//     it running? check --rpc)".
//
// Call and BatchCall are the low-level API; ChainID, BlockNumber, BalanceAt,
// CodeAt, StorageAt, CallContract, HeaderByNumber, BlockByNumber,
// TransactionReceipt and TraceCall wrap the methods Bulwark uses, with
// go-ethereum's common.Address, common.Hash and hexutil types. TraceBlock
// (trace_block) and TraceBlockCallTracer (debug_traceBlockByNumber with
// geth's callTracer) fetch a block's internal transfers and normalise
// either format into the same tracing.Frame rows (ParseTraceBlock,
// ParseGethCallTraces).
//
// The client is written on net/http and encoding/json rather than on
// go-ethereum's rpc.Client: that client does not expose response headers
// (Retry-After) on HTTP errors, keeps its response decoding internal (so it
// cannot be fuzzed here), and leaves retries, in-flight limits and batch
// splitting to the caller anyway.
//
// Error codes: EUNAVAILABLE for an unreachable, failing or rate-limiting
// node; ETIMEOUT when an attempt or the caller's context ran out of time;
// EINVALID for a malformed node response, a rejected request or a reverted
// call; ENOTFOUND for a block, receipt or state the node does not have;
// ETOOLARGE for a response over Options.MaxResponseBytes.
package ethrpc
