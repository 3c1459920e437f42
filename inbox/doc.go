// Package inbox is the alerts inbox: every alert Bulwark raises — a Safe
// watch or monitor alert, a screening watch's re-screening hit, a trace
// deposit alert, a hiring flag — in one list, with one severity scale,
// an assignee, an acknowledgement that needs a reason, and an escalation
// when a critical alert stays unacknowledged.
//
// # Severity
//
// Every kind is put on one scale, the words the Safe findings use:
// info < low < medium < high < critical (Severity, Rank).
//
//   - safe.alert: the alert's own severity.
//   - screening.alert: a watched subject that now screens BLOCK is
//     critical (dealing with it must stop now), REVIEW is medium, anything
//     else info.
//   - trace.alert: the alert's own severity (a deposit of tainted value is
//     critical, a retraction medium).
//   - hiring.flag: a person whose verdict became BLOCK is high, REVIEW
//     medium.
//
// An unknown severity word is taken as high: an alert is never quietly
// demoted.
//
// # Items, state and the store
//
// An Item is written by the store in the transaction that stores its
// alert (the one that also writes the alert's outbox message and audit
// entry), so no alert is missing from the inbox, whatever crashes. The
// alert's own table stays its record; the item holds what the list shows
// and filters on (copied once: alerts are never edited) and the inbox's
// own state: assignee, acknowledgement, escalation.
//
// # Acknowledgement and dual control
//
// Acknowledging closes an item and needs a reason (CheckReason). A
// critical Safe alert is an alarm about the money: acknowledging it needs
// a second person's approval (package approval, action
// approval.AlertAck) when the Service has its Dual gate: the first
// request is answered EPENDING, and the approved request acknowledges it.
//
// # Escalation
//
// Escalator is the long-running service that escalates each critical item
// still unacknowledged Threshold after it was raised: it writes one
// message of kind EscalationKind to the one transactional outbox, in the
// transaction that marks the item escalated (and its audit entry). An
// item is escalated once: the mark is in the store, so a restart does not
// repeat it, and a crash either keeps both the mark and the message or
// neither.
package inbox
