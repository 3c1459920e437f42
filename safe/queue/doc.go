// Package queue watches the queues of Safes: the transactions proposed to
// a Safe Transaction Service and not executed yet. A [Watcher] reads each
// watched Safe's pending transactions every interval (through a [Source]
// the adapter implements), hands every entry it has not decided before to
// a [Cosigner] (the policy co-signer, or [VerifyOnly] without one), pushes
// the co-signatures back when asked to (a [Pusher]) and raises an alert,
// through the Safe watcher's alert store and outbox, for every entry held
// for review or refused: before anyone executes it.
//
// A queue entry is untrusted input: anyone the service accepts a proposal
// from can put one there. An entry that cannot be read is an alert
// (QUEUE_TX_MALFORMED), never a crash, and never keeps the other entries
// from being checked. What was decided is kept in a [Store], by Safe and
// by a key over the entry's content, so a restart does not alert again.
//
// The package imports no adapter.
package queue
