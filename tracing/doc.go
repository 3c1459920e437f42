// Package tracing follows value through Ethereum-like chains: the value
// model (assets, transfers and the rules that turn transfers into
// balances) and the taint engine that applies a taint policy to an ordered
// stream of transfers with exact integer arithmetic.
//
// The package is a domain package: it imports the root package, the
// standard library and go-ethereum's value types, never an adapter. The
// wire formats of nodes and files, and storage, live elsewhere and hand it
// [Transfer] values; [Ingester] copies a node's blocks into an
// [IngestStore] through a [BlockSource], resumable from its cursor and
// rolling back reorgs.
//
// # Value model
//
// An [Asset] is the native coin of a chain, an ERC-20 token (by contract),
// or one ERC-721 or ERC-1155 token (by contract and token id). A
// [Transfer] is one movement of one asset: a top-level or internal call
// with value, a create, a selfdestruct, a token transfer, a wrap or unwrap
// of the wrapped native token (WETH), the gas tip paid to the block
// producer or the base fee burned. Amounts are exact 256-bit unsigned
// integers in the asset's base unit (wei, token base units).
// [Transfer.Effects] says which side is debited and which credited; a
// [Ledger] applies those rules to derive the balance of each (address,
// asset).
//
// # Taint
//
// An [Engine] holds, per (address, asset), the balance and how much of it
// is tainted (and, for FIFO and LIFO, the ordered lots), and moves taint
// with each transfer by its [Policy]: poison, haircut, FIFO, LIFO,
// dirty-first or clean-first. Taint enters at seed addresses and seed
// transactions, whose outgoing transfers are wholly tainted, and as
// tainted opening balances ([Engine.Open]), and leaves
// the system only when burned (base fee, token burns). Every policy but
// poison conserves taint exactly: taint sourced = taint held + taint
// burned, to the base unit; poison also counts the clean value it turns
// tainted. [Engine.Check] verifies it.
//
// # Traversal
//
// [Trace] runs a [Request] over a stream of transfers with an Engine and
// returns a [Graph]: the addresses reached (nodes, with their hop, taint
// and labels), the transfers that carried taint to them (edges), the
// cross-chain exits and the deposit alerts. A [Tracer] runs a forward
// request over a stream fed in pieces (whole blocks, as a follower at the
// chain head sees them) and reaches the same graph (a hub by degree
// from the block where it reaches the degree); the live Follower traces
// each followed request with one. Its rules:
//
//   - Forward follows value out of the seeds in chain order; Backward
//     runs the same engine over the mirror of the stream (latest
//     transaction first, every transfer's from and to swapped, a wrap read
//     as an unwrap and back, fees left out), so the taint of an address is
//     the part of what it sent towards the seeds that the policy
//     attributes to it. Edges are always written as they happened.
//   - An edge is a transfer that carries taint: at least MinValue of it
//     when set. Taint below MinValue, and taint spent on gas, stops at
//     the receiver without an edge. A node's hop is the fewest edges from
//     a seed (seed addresses and the senders of seed transactions are at
//     hop 0).
//   - Stop points keep the taint that arrives there (it never leaves, and
//     taint conservation still holds: Totals.Stopped): addresses at
//     MaxHops, addresses labelled Hub (unless Bounds.ThroughHubs), the
//     bridges and routers of exits the request's ExitDetector recognises,
//     and the counterparties of a swap. A seed is never a stop.
//   - Swaps and wraps: within one transaction, when an address sends
//     tainted asset A to others and receives a different asset B from
//     others (or, when it is not the transaction's sender, the sender
//     receives B from others: the swap's beneficiary), the taint of A
//     stops at A's receivers and goes on in B: each transfer of B to the
//     address (or beneficiary) gets floor(b × taintA ÷ amountA) more
//     taint (the largest over the assets A it sent; at most its amount),
//     turned tainted in its holding as continued taint (Totals.Continued).
//     A wrap (ETH to the WETH contract, WETH minted back) and an unwrap
//     (WETH burned, ETH paid back) are swaps by that rule.
//     Transfers between a contract and the transaction's sender are
//     neither side of the contract's swap (funding, payouts).
//   - Noise: zero-value transfers are never edges; with KnownTokens set,
//     a token transfer out of an address that neither sent its
//     transaction nor made a call with value in it, of a token not known,
//     is taken as spoofed and left out. Addresses are compared in full.
//   - Alerts (forward): a followed edge arriving at a registered deposit
//     address with taint at or above the threshold of its asset.
package tracing
