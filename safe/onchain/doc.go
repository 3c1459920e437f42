// Package onchain reads a Safe's state from a node: the singleton and its
// version, owners, threshold, nonce, modules, guards and fallback handler,
// read from storage as the proxy lays them out ([ReadState],
// [ReadStatesWith], [DetectVersion]) so that a hijacked Safe still reads,
// and the changes between two states ([DiffStates]). It reads through
// [ChainReader] (and event logs through [LogReader]), which the ethrpc
// adapter implements.
package onchain
