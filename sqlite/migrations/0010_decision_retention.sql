-- 0010: decisions stored compactly, and pruned by retention.
--
-- packed holds a decision body screening.EncodeDecision compressed (body is
-- then ''); small bodies stay in body as JSON. The audit_seq index serves
-- audit verify's cross-check of decisions against their audit entries and
-- the retention prune, which deletes the decisions below an audit sequence
-- number.
ALTER TABLE screen_decisions ADD COLUMN packed BLOB NULL;

CREATE INDEX screen_decisions_audit_seq ON screen_decisions (audit_seq);
