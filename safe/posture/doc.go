// Package posture audits deployed Safes at one block: the singleton and
// its version, owners and threshold, modules, guards, fallback handler and
// pending approvals, each turned into findings with stable codes
// ([Codes]) and a verdict ([Audit], [AuditMany]). It reads through
// onchain.ChainReader, and through onchain.LogReader when the reader has it.
package posture
