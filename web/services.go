package web

import (
	"context"

	"github.com/ethereum/go-ethereum/common"

	"github.com/bulwark-sec/bulwark/approval"
	"github.com/bulwark-sec/bulwark/audit"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/bulwark-sec/bulwark/inbox"
	"github.com/bulwark-sec/bulwark/safe/policy"
	"github.com/bulwark-sec/bulwark/safe/posture"
	"github.com/bulwark-sec/bulwark/safe/queue"
	"github.com/bulwark-sec/bulwark/safe/watch"
	"github.com/bulwark-sec/bulwark/screening"
	"github.com/bulwark-sec/bulwark/tracing"
)

// Services are the domain services the console's pages show: the same
// ones, wired the same way, as the JSON API's (httpapi.Config). Each is
// optional: a page whose service is nil says what serve lacks (503).
type Services struct {
	// Audit is the audit log: verifications are recorded in it, and its
	// store is read by the audit page.
	Audit *audit.Log

	// SafeVerify verifies one Safe transaction (serve: offline, or against
	// the node of --rpc with simulation; SafeOnChain says which).
	SafeVerify  func(ctx context.Context, req policy.VerifyRequest) (*policy.Verification, error)
	SafeOnChain bool
	// SafePolicy carries the address book (or the live book) and the
	// screener that verifications apply, as the API's.
	SafePolicy policy.Policy
	// SafeVerifications records each verdict with its audit entry.
	SafeVerifications policy.VerificationStore
	// SafeWatches is the watch list of serve's monitor; SafeAlerts the
	// alerts it and the queue watch stored (held transactions among
	// them).
	SafeWatches watch.ListStore
	SafeAlerts  watch.AlertStore
	// SafePosture audits Safes' posture at the node's latest block
	// (serve --rpc: posture.AuditMany); nil without a node.
	SafePosture func(ctx context.Context, safes []common.Address) ([]*posture.Report, error)
	// SafePending lists a Safe's pending transactions at the Safe
	// Transaction Service of serve --safe-queue; nil without one.
	SafePending func(ctx context.Context, safe common.Address) (queue.Listing, error)

	// Screening screens and replays; ScreenStore is read for decisions,
	// dispositions and list history.
	Screening   *screening.Service
	ScreenStore screening.Stores

	// Users signs people in (the sign-in, enrolment, "My account" and
	// users pages); UserSessions over it is the console's Sessions.
	Users *auth.Users

	// TraceCases answers the tracing pages.
	TraceCases *tracing.CaseService

	// Inbox is the alerts inbox of the /alerts page.
	Inbox *inbox.Service

	// Approvals is dual control: the approval requests' pages.
	Approvals *approval.Service
}
