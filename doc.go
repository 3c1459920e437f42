// Package bulwark holds the types every part of Bulwark shares: the single
// error type with its codes, the verdicts Bulwark hands down, and the tables
// that map both onto HTTP statuses and process exit codes.
//
// Bulwark defends crypto exchanges, custodians and employers against North
// Korean state operations. Domain packages (auth, audit, and later safe,
// screening, tracing, hiring, scan) import this package and the standard
// library; adapters (sqlite, ethrpc, httpapi) implement the interfaces the
// domain packages declare; only cmd/bulwark wires them together.
package bulwark
