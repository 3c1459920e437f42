// Package cosign is Bulwark's policy co-signer: it holds one owner key of
// a Safe and signs a transaction's safeTxHash only when a full on-chain
// verification (with simulation) says ok, or says review and two different
// people have approved it (dual control); never on reject.
//
// The key is behind [Signer]; the co-signatures it gave and the approvals
// people gave are kept by a [Store], so that one (chain, Safe, nonce) is
// co-signed at most once, whatever is asked later. The package imports no
// adapter: the keystore file, the node and the store come in through
// interfaces.
package cosign
