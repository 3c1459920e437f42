// Package tracee2e holds the end-to-end test of tracing on a real node: a
// heist and its laundering scripted on Anvil (theft, fan-out into equal
// tranches, a peel chain, a WETH wrap and unwrap, a swap into an ERC-20
// token on a constant-product pool, ether relayed through forwarding
// contracts, deposits into exchange deposit addresses, and address-
// poisoning noise), ingested through the JSON-RPC adapter into a SQLite
// store, then checked: balances derived from the ingested transfers equal
// the node's, and every taint policy follows the money to the deposits,
// raising each alert in the block where the deposit landed. A second
// scripted theft moves ERC-1155 tokens (safeTransferFrom and
// safeBatchTransferFrom): balances recomputed from the transfers equal the
// node's balanceOf(address, id), and the taint follows the single and
// batch legs to the deposits.
//
// The package has no code of its own outside its tests.
package tracee2e
