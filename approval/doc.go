// Package approval is Bulwark's dual control: the actions that clear money
// or silence an alarm (approving a held Safe transaction for the
// co-signer, ruling a screening match a false positive, acknowledging a
// critical Safe alert, lowering a policy threshold, closing a trace case
// with a freeze request unsent) are not done when one person asks. The
// domain service that does the action asks a [Gate] first; the gate keeps
// a pending [Request] with the exact summary the requester saw (and its
// digest), and the action runs only when a second, different person whose
// role allows it approves the request with a fresh WebAuthn assertion
// whose challenge binds the action, the subject, the summary's digest, the
// request id and a single-use nonce. The approved request runs the action
// once, through the [Executor] registered for it, with a context that
// carries the grant ([Granted]).
//
// A command line or an API token can ask (create a request) but never
// approve: approving needs an assertion, which only a signed-in person's
// authenticator gives. The package imports no adapter: the store, the
// audit log and the assertion verifier come in through interfaces.
package approval
