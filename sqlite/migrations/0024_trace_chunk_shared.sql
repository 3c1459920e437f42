-- 0024: a chunk of trace_transfers holds a transaction's hash and index,
-- and the time, once per run of records that share them rather than in
-- every record: fewer bytes for ingestion to write (committing a batch's
-- pages was a third of its cost), the rows and keys unchanged.
--
-- A record (sqlite/tracerecord.go) is now: from and to addresses (20
-- bytes each), a head byte (the kind in its low 5 bits, 0x20: the
-- transaction follows, 0x40: the time follows), then the transaction's
-- hash (32 bytes) and index (uvarint) if it follows, the time (varint) if
-- it follows, then as before the log index, item index, trace address and
-- amount. A record without the transaction or the time has those of the
-- record before it in the chunk; the first of a chunk has both.
-- bulwark_chunk_0024(records) (registered by the store) is a chunk of
-- 0022 in this layout.

UPDATE trace_transfers SET records = bulwark_chunk_0024(records);
