// Package storetest is the conformance suite every Bulwark store adapter
// runs: the same table of behaviours for SQLite today and PostgreSQL later,
// so that the adapters cannot drift apart.
//
// An adapter's tests call TokenStore and AuditStore with a function that
// opens a fresh, empty store for each subtest (in t.TempDir(), a fresh
// schema, …) and closes it with t.Cleanup:
//
//	func TestConformance(t *testing.T) {
//		open := func(t *testing.T) *sqlite.DB { … }
//		storetest.TokenStore(t, func(t *testing.T) auth.TokenStore { return open(t) })
//		storetest.AuditStore(t, func(t *testing.T) audit.Store { return open(t) })
//		storetest.Atomic(t, func(t *testing.T) storetest.Store { return open(t) })
//	}
//
// The suite checks the documented contracts of auth.TokenStore and
// audit.Store, plus what the rest of Bulwark relies on without saying so:
//
//   - times come back in UTC; audit times to the nanosecond (the audit hash
//     covers them), token times at least to the microsecond;
//   - audit details come back byte for byte;
//   - AppendAudit refuses an entry that does not extend the chain at the
//     head it was given (wrong seq, wrong link or wrong hash) and stores
//     nothing, and appends from many goroutines form one intact chain;
//   - a change made with the context AppendAudit gives build joins the
//     audit transaction (Atomic): it commits or rolls back with its entry;
//   - AuditEntries refuses a limit below 1 with EINVALID;
//   - ListTokens returns an empty slice, not an error, for an empty store,
//     and returned tokens are copies the caller may change;
//   - every stored alert has its outbox message, written in the alert's
//     transaction, and the alert shows that message's delivery state
//     (AlertStore, ScreeningStore, Outbox);
//   - a Safe co-signature is stored at most once per chain id, Safe and
//     nonce, also when several goroutines race to store one: exactly one
//     wins and the others get its record back (CosignStore).
//
// Tampering with stored rows needs the adapter's own query language, so
// adapters test that themselves.
package storetest
