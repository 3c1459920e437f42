package cosign

import (
	"context"
	"math/big"
	"time"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/auth"
	"github.com/ethereum/go-ethereum/common"
)

// Signer holds the co-signer's private key.
type Signer interface {
	// Address is the Safe owner address of the key.
	Address() common.Address
	// SignHash signs hash as a Safe owner's ECDSA signature: 65 bytes
	// r‖s‖v with v 27 or 28, which a Safe checks with
	// ecrecover(safeTxHash, v, r, s).
	SignHash(hash common.Hash) ([]byte, error)
}

// SignatureRecord is one co-signature Bulwark gave.
type SignatureRecord struct {
	ChainID    *big.Int
	Safe       common.Address
	Nonce      *big.Int
	SafeTxHash common.Hash
	// Signer is the co-signer's address that signed.
	Signer common.Address
	// Signature is r‖s‖v, 65 bytes.
	Signature []byte
	// Verdict is the verification's verdict (ok, or review with approvals).
	Verdict bulwark.Verdict
	// AuditSeq is the sequence number of the signature's audit entry.
	AuditSeq int64
	// Outflows is what the transaction sends from the Safe, by asset (ETH:
	// the zero address), in base units (policy.Outflows); nil when not
	// known (a record stored before outflows were kept).
	Outflows map[common.Address]*big.Int
	// Time is when it was stored (UTC); the store stamps it.
	Time time.Time
}

// Approval is one person's approval of a transaction held for dual control.
type Approval struct {
	ChainID    *big.Int
	Safe       common.Address
	SafeTxHash common.Hash
	// Approver is the approver's identity, with its source: "token:<id>"
	// for an API token (whatever its name), "cli:<name>" for the command
	// line's --as.
	Approver string
	// Note is the approver's reason, free text (bounded by the store).
	Note string
	// Digest is what was approved: the approval digest of the
	// verification it rests on (policy.Verification.ApprovalDigest). It
	// counts only while a fresh verification has the same digest; ""
	// (stored before digests were kept) never counts.
	Digest string
	// OSUser and Host are the operating-system user and host a
	// command-line approval was given from ("" through the API): two
	// command-line approvals from the same user on the same host count
	// once, whatever names --as gave.
	OSUser, Host string
	// Expires is when the approval stops counting; zero (stored before
	// expiry was kept) never counts.
	Expires time.Time
	// Withdrawn is set once the approver withdrew the approval, or
	// replaced it by approving again; it then never counts.
	Withdrawn *Withdrawal
	// AuditSeq is the sequence number of the approval's audit entry.
	AuditSeq int64
	// Time is when it was stored (UTC); the store stamps it.
	Time time.Time
}

// The reasons an approval stops standing (Withdrawal.Reason).
const (
	// WithdrawnByApprover: the approver withdrew it.
	WithdrawnByApprover = "withdrawn"
	// WithdrawnReplaced: the approver approved the transaction again (the
	// earlier approval no longer counted: stale or expired).
	WithdrawnReplaced = "replaced"
)

// Withdrawal records when an approval stopped standing.
type Withdrawal struct {
	// Reason is WithdrawnByApprover or WithdrawnReplaced.
	Reason string
	// AuditSeq is the audit entry that withdrew it (safe.approve.withdraw)
	// or replaced it (the new approval's safe.approve).
	AuditSeq int64
	// Time is when (UTC); the store stamps it.
	Time time.Time
}

// Store keeps co-signatures and approvals.
//
// A store adapter that also holds the audit log joins the write
// transaction that audit.Log.Do hands its change, so a record and its
// audit entry commit together or not at all.
type Store interface {
	// SaveSignature stores r unless a co-signature for the same chain id,
	// Safe and nonce is already stored. When one is, it stores nothing and
	// returns that earlier record (whatever its safeTxHash), nil error; the
	// caller refuses a different safeTxHash. A record missing any field
	// but Time is EINVALID.
	SaveSignature(ctx context.Context, r SignatureRecord) (prior *SignatureRecord, err error)
	// Signature returns the co-signature stored for chainID, safe and
	// nonce, or ENOTFOUND.
	Signature(ctx context.Context, chainID *big.Int, safe common.Address, nonce *big.Int) (*SignatureRecord, error)
	// SignaturesSince returns the co-signatures of chainID and safe stored
	// at or after since, oldest first; an empty slice when there are none.
	SignaturesSince(ctx context.Context, chainID *big.Int, safe common.Address, since time.Time) ([]SignatureRecord, error)
	// AddApproval stores a, standing (a.Withdrawn is ignored). While the
	// same approver has a standing approval of the same chain id, Safe
	// and safeTxHash it is ECONFLICT and stores nothing. A record that
	// fails Approval.Check is EINVALID.
	AddApproval(ctx context.Context, a Approval) error
	// WithdrawApproval marks approver's standing approval of chainID,
	// safe and safeTxHash as withdrawn with w (Time stamped by the store)
	// and returns it; ENOTFOUND when approver has none standing.
	WithdrawApproval(ctx context.Context, chainID *big.Int, safe common.Address, safeTxHash common.Hash, approver string, w Withdrawal) (*Approval, error)
	// Approvals returns every approval of chainID, safe and safeTxHash,
	// withdrawn ones included, oldest first; an empty slice when there
	// are none.
	Approvals(ctx context.Context, chainID *big.Int, safe common.Address, safeTxHash common.Hash) ([]Approval, error)
}

// The sources of an approver's identity (Approval.Approver).
const (
	// SourceToken prefixes the id of the API token an approval came
	// through; it counts while the token is neither revoked nor expired.
	SourceToken = "token:"
	// SourceCLI prefixes the name given to 'bulwark safe approve --as'.
	// Anyone who can write the data directory can give any name, so
	// command-line approvals are for a single-operator set-up.
	SourceCLI = "cli:"
)

// Tokens tells the co-signer whether the API token an approval came
// through still counts.
type Tokens interface {
	// TokenActive reports whether the token with id exists and is neither
	// revoked nor expired now.
	TokenActive(ctx context.Context, id string) (bool, error)
}

// TokensFunc is a function as a Tokens.
type TokensFunc func(ctx context.Context, id string) (bool, error)

// TokenActive calls f.
func (f TokensFunc) TokenActive(ctx context.Context, id string) (bool, error) { return f(ctx, id) }

// TokenPersons is implemented by a Tokens that knows the person each
// token belongs to (auth.Token.Person): approvals through two tokens of
// one person count once.
type TokenPersons interface {
	// TokenPerson returns the person of the token with id, "" when it
	// names none; ENOTFOUND for an unknown token.
	TokenPerson(ctx context.Context, id string) (string, error)
}

// AuthTokens is the Tokens of an auth token store: a token counts while
// it is active (auth.Token.Active) at now's time (time.Now when nil). It
// is a TokenPersons too.
func AuthTokens(store interface {
	TokenByID(ctx context.Context, id string) (*auth.Token, error)
}, now func() time.Time) Tokens {
	return authTokens{store: store, now: now}
}

type authTokens struct {
	store interface {
		TokenByID(ctx context.Context, id string) (*auth.Token, error)
	}
	now func() time.Time
}

func (a authTokens) TokenActive(ctx context.Context, id string) (bool, error) {
	t, err := a.store.TokenByID(ctx, id)
	if err != nil {
		return false, err
	}
	at := time.Now()
	if a.now != nil {
		at = a.now()
	}
	return t.Active(at), nil
}

func (a authTokens) TokenPerson(ctx context.Context, id string) (string, error) {
	t, err := a.store.TokenByID(ctx, id)
	if err != nil {
		return "", err
	}
	return t.Person, nil
}
