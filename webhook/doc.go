// Package webhook delivers Bulwark's watch alerts to an HTTP(S) receiver,
// signed with HMAC-SHA256 so the receiver can tell them from forgeries.
//
// Each alert is one POST of a JSON body whose "type" says what it is: a
// Safe monitor alert (Payload)
//
//	{"type": "safe.alert", "id": 7, "time": "2025-02-21T14:13:35.123456789Z", "alert": {"block": …, "code": "MASTERCOPY_CHANGE", …}}
//
// or a screening watch alert (ScreeningPayload), whose "result" is the
// decision that raised it
//
//	{"type": "screening.alert", "id": 3, "time": "…", "alert": {"id": 3, "watchId": 12, "subject": "customer-42", "verdict": "block", "decisionId": "dec_…", "result": {…}, …}}
//
// Alerts reach the receiver through the transactional outbox (package
// outbox): Sender is its outbox.Sender, rendering each message's body from
// the stored alert (SafeAlertBodies, ScreeningAlertBodies) and making one
// POST per attempt; the outbox retries. Delivery is at least once: the
// type and id of a body are its stable identity, the same on every attempt
// and after a restart, for receivers to deduplicate on.
//
// Send posts any other JSON body the same way. Each POST (Content-Type
// application/json) has two headers:
//
//	X-Bulwark-Timestamp: 1740147215
//	X-Bulwark-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
//
// The timestamp is the sender's Unix time in seconds when the attempt was
// made (each retry is signed afresh). A receiver verifies a request by:
//
//  1. reading the raw body bytes (before any JSON decoding: the signature
//     covers the bytes exactly as sent);
//  2. recomputing HMAC-SHA256 with the shared secret over the timestamp
//     header, a ".", and the body, and comparing it with the signature
//     header in constant time (hmac.Equal, never ==);
//  3. rejecting a timestamp further than a few minutes from its own clock
//     (Verify's maxAge; 5 minutes is a good default), so a captured request
//     cannot be replayed later; then deduplicate on the type and id (an
//     alert may be delivered more than once; Safe and screening alerts are
//     numbered apart).
//
// Verify does all three for receivers written in Go.
//
// A failed POST — a network error, a timeout, HTTP 429 or any 5xx — is
// transient; any other non-2xx answer (4xx, a redirect) is permanent
// (outbox.SendError), which the outbox retries at its slowest pace. Send,
// for bodies outside the outbox, retries transient failures itself a
// bounded number of times. Each attempt has its own timeout. Neither the
// secret nor the URL's user-info, path or query ever appears in an error,
// a log line or the recorded delivery state (the URL is shown as
// scheme://host[:port], with "/…" when it had a path).
package webhook
