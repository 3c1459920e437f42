package cosign

import (
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
	"github.com/ethereum/go-ethereum/common"
)

// Bounds of an approval's free text, in bytes of UTF-8.
const (
	MaxApproverLen = 200
	MaxNoteLen     = 1000
	// MaxDigestLen bounds an approval's digest.
	MaxDigestLen = 512
)

// SignatureLen is the length of a co-signature: r‖s‖v.
const SignatureLen = 65

// Check returns an EINVALID error naming the first field of r a store
// refuses: every field but Time is required, the nonce may be 0, the
// signature is 65 bytes with v 27 or 28 and the verdict ok or review
// (the co-signer never signs a reject).
func (r SignatureRecord) Check() error {
	switch {
	case r.ChainID == nil || r.ChainID.Sign() <= 0:
		return bulwark.Invalid("chainId", "a co-signature record needs a positive chain id")
	case r.Safe == (common.Address{}):
		return bulwark.Invalid("safe", "a co-signature record needs the Safe's address")
	case r.Nonce == nil || r.Nonce.Sign() < 0:
		return bulwark.Invalid("nonce", "a co-signature record needs the Safe transaction's nonce (0 or more)")
	case r.SafeTxHash == (common.Hash{}):
		return bulwark.Invalid("safeTxHash", "a co-signature record needs the safeTxHash")
	case r.Signer == (common.Address{}):
		return bulwark.Invalid("signer", "a co-signature record needs the co-signer's address")
	case len(r.Signature) != SignatureLen:
		return bulwark.Invalid("signature", "a co-signature is %d bytes (r‖s‖v), got %d", SignatureLen, len(r.Signature))
	case r.Signature[64] != 27 && r.Signature[64] != 28:
		return bulwark.Invalid("signature", "a co-signature's v is 27 or 28, got %d", r.Signature[64])
	case r.Verdict != bulwark.VerdictOK && r.Verdict != bulwark.VerdictReview:
		return bulwark.Invalid("verdict", "a co-signature is given on ok or review, got %q", r.Verdict)
	case r.AuditSeq < 1:
		return bulwark.Invalid("auditSeq", "a co-signature record needs its audit entry's sequence number, got %d", r.AuditSeq)
	}
	return nil
}

// Check returns an EINVALID error naming the first field of a a store
// refuses: chain id, Safe, safeTxHash, approver, digest, expiry and audit
// entry are required; the approver and the OS user and host (at most
// MaxApproverLen bytes each, the last two may be empty), the digest (at
// most MaxDigestLen) and the note (at most MaxNoteLen bytes, may be empty)
// are UTF-8 text without control characters other than a note's line
// breaks and tabs.
func (a Approval) Check() error {
	switch {
	case a.ChainID == nil || a.ChainID.Sign() <= 0:
		return bulwark.Invalid("chainId", "an approval needs a positive chain id")
	case a.Safe == (common.Address{}):
		return bulwark.Invalid("safe", "an approval needs the Safe's address")
	case a.SafeTxHash == (common.Hash{}):
		return bulwark.Invalid("safeTxHash", "an approval needs the safeTxHash")
	case strings.TrimSpace(a.Approver) == "":
		return bulwark.Invalid("approver", "an approval needs the approver's name")
	case len(a.Approver) > MaxApproverLen:
		return bulwark.Invalid("approver", "at most %d bytes, got %d", MaxApproverLen, len(a.Approver))
	case !plainText(a.Approver, false):
		return bulwark.Invalid("approver", "must be UTF-8 text without control characters")
	case len(a.Note) > MaxNoteLen:
		return bulwark.Invalid("note", "at most %d bytes, got %d", MaxNoteLen, len(a.Note))
	case !plainText(a.Note, true):
		return bulwark.Invalid("note", "must be UTF-8 text without control characters other than line breaks and tabs")
	case strings.TrimSpace(a.Digest) == "":
		return bulwark.Invalid("digest", "an approval needs the digest of what was approved")
	case len(a.Digest) > MaxDigestLen || !plainText(a.Digest, false):
		return bulwark.Invalid("digest", "at most %d bytes of text, got %d", MaxDigestLen, len(a.Digest))
	case len(a.OSUser) > MaxApproverLen || !plainText(a.OSUser, false):
		return bulwark.Invalid("osUser", "at most %d bytes of UTF-8 text without control characters", MaxApproverLen)
	case len(a.Host) > MaxApproverLen || !plainText(a.Host, false):
		return bulwark.Invalid("host", "at most %d bytes of UTF-8 text without control characters", MaxApproverLen)
	case a.Expires.IsZero():
		return bulwark.Invalid("expires", "an approval needs its expiry")
	case a.AuditSeq < 1:
		return bulwark.Invalid("auditSeq", "an approval needs its audit entry's sequence number, got %d", a.AuditSeq)
	}
	return nil
}

// Check returns an EINVALID error naming the first field of w a store
// refuses: the reason is WithdrawnByApprover or WithdrawnReplaced and the
// audit entry is given.
func (w Withdrawal) Check() error {
	switch {
	case w.Reason != WithdrawnByApprover && w.Reason != WithdrawnReplaced:
		return bulwark.Invalid("reason", "a withdrawal is %q or %q, got %q", WithdrawnByApprover, WithdrawnReplaced, w.Reason)
	case w.AuditSeq < 1:
		return bulwark.Invalid("auditSeq", "a withdrawal needs its audit entry's sequence number, got %d", w.AuditSeq)
	}
	return nil
}

// plainText reports whether s is valid UTF-8 without control characters
// (with multiline, '\n', '\r' and '\t' are allowed).
func plainText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
