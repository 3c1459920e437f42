// Package decode says what a Safe transaction does, offline: Safe
// self-calls per version, MultiSend batches recursively, Multicall3,
// tokens, SignMessageLib, SafeMigration ([Decoder], [DecodedCall]), with a
// strict, bounded ABI reader; unknown selectors stay unknown, never
// guessed. It also holds the known-deployment registry ([KnownDeployments],
// [Registry]): the canonical Safe deployments by address and runtime code
// hash, and the pinned DELEGATECALL allowlist.
package decode
