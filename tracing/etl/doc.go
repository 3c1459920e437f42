// Package etl reads exports of ethereum-etl (and of the public BigQuery
// crypto_ethereum tables, which share its schema) into tracing transfers,
// for investigations offline.
//
// An export is a directory of CSV files: transactions.csv (required),
// traces.csv, token_transfers.csv, receipts.csv and blocks.csv. Each
// reader (ReadTransactions, ReadTraces, ...) streams one file by header
// name: the columns it needs must be there, any others are ignored, so a
// BigQuery export with more columns reads as well as ethereum-etl's own.
// An empty file is no rows (ethereum-etl writes the header with the first
// row).
// Load joins the files of a directory into [tracing.Transfer]s: native
// transfers from traces.csv (or, without it, the transactions' own
// values), token transfers as ERC-20 transfers, and gas fees (base fee
// burned, tip to the miner) when receipts and blocks are there; what the
// export cannot tell (fees without receipts, the outcome of a transaction
// without receipt or trace) is counted and reported, never guessed.
//
// Bad input is an error, never a skipped row: a transfer left out of a
// trace would be a hole in the evidence. A *bulwark.Error with code
// invalid names the file (its Field) and says which line, which column
// and what to do.
package etl
