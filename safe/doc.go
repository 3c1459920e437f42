// Package safe holds Bulwark's Safe (formerly Gnosis Safe) logic: parsing
// what a signer is asked to sign and computing, exactly as the Safe
// contracts do, the hashes a hardware wallet shows.
//
// Hashing follows the contracts' own definitions for every released version
// from 0.1.0 to 1.5.0 (see [SupportedVersions]):
//
//   - Domain separator: keccak256(abi.encode(EIP712Domain(address
//     verifyingContract), safe)) up to 1.2.0 — the legacy domain has no chain
//     id, so a signature is valid on every chain where the Safe address
//     exists — and keccak256(abi.encode(EIP712Domain(uint256
//     chainId,address verifyingContract), chainId, safe)) from 1.3.0.
//   - SafeTx struct hash: keccak256(abi.encode(SAFE_TX_TYPEHASH, to, value,
//     keccak256(data), operation, safeTxGas, baseGas, gasPrice, gasToken,
//     refundReceiver, nonce)); the type names the gas field dataGas before
//     1.0.0 and baseGas from 1.0.0, which changes the type hash.
//   - safeTxHash: keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash).
//   - SafeMessage: keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)))
//     under the same domain; for an EIP-191 text the message is its
//     personal_sign hash, for EIP-712 typed data its EIP-712 hash.
//
// The package also builds execTransaction calldata, the parent Safe's
// approveHash transaction for nested Safes, the EIP-191 hash an eth_sign
// (v > 30) signature covers, and the Ledger rendering of hashes. It parses
// and hashes EIP-712 typed data itself ([ParseTypedData]) so that no large
// dependency sits between a signer and the hash.
//
// Input parsers ([ParseVersion], [ParseAddress], [ParseUint256], [ParseHex],
// [ParseOperation], [ParseChainID]) take the name of the field they parse
// and return a *bulwark.Error with code invalid naming it; nothing here
// panics on bad input.
//
// Packages build on this one: safe/decode (what a transaction does,
// offline, and the known-deployment registry), safe/onchain (a Safe's
// state read from storage through the small interface an adapter, ethrpc,
// implements, so that a hijacked Safe still reads, and the diff of two
// states), safe/policy (findings with stable codes and a verdict for one
// transaction, read from Safe Transaction Service JSON, checked against a
// node and simulated), safe/posture (the posture audit of deployed Safes)
// and safe/watch (the block-by-block watcher).
//
// The package imports only the standard library, the root bulwark package
// and go-ethereum's common and crypto packages.
package safe
