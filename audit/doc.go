// Package audit is Bulwark's tamper-evident, append-only record of every
// state-changing call and every verdict.
//
// Each Entry carries the SHA-256 hash of the one before it, so altering,
// removing or reordering any stored entry breaks the chain from that point
// on; Verify walks the chain and names the first entry that does not check
// out. The store also records the head (the last sequence number and hash),
// so truncating the tail is caught as well. An operator who copies the head
// hash elsewhere (Verify's Head) can later prove that nothing before it was
// rewritten, even by someone who can write the database.
package audit
