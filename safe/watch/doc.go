// Package watch follows Safes block by block: a [Watcher] reads the
// watched Safes at every new block (by hash, so a reorg cannot swap the
// block under it), diffs each state against the block before, and turns
// what changed into [Alert]s with stable codes ([Codes]): a new
// singleton, owners, threshold, modules, guard or handler, a list that no
// longer reads, an execution Bulwark never verified or rejected, a reorg,
// a node that stops or comes back. It reads through onchain.ChainReader and
// the optional onchain.LogReader; the stores it needs ([AlertStore],
// [ListStore], [MonitorCursorStore]) are implemented by the adapters.
//
// A [Monitor] is the server's background service: it follows the Safes on
// the watch list, restarting its Watcher when the list changes and, after
// a restart of the server, from its stored cursor. A [Recorder] stores
// each alert with its audit entry and outbox message in one transaction.
package watch
