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
package tracing
