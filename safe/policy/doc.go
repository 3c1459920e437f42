// Package policy verifies one Safe transaction before it is signed: it
// reads what the signer is asked to sign ([ReadServiceTx], Safe
// Transaction Service JSON), recomputes its hashes, decodes it with
// decode.Decoder, and turns what it does into findings with stable codes
// ([FindingCodes]) and a verdict (ok, review, reject) under a [Policy]
// ([Verify]). [VerifyOnChain] adds what a node says: the Safe's state and
// version, the singleton's code, and a simulation through [Simulator]. The
// finding codes and the verdict table ([VerdictOf]) are shared with
// safe/posture and safe/watch.
package policy
