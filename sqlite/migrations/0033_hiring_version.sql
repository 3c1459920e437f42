-- 0033: a change counter for the hiring people and evidence
-- (hiring.Store.Version): every import that stores or changes a record or
-- evidence, every forget and purge increases it, so that a process keeping
-- the stored people indexed in memory knows when its index is current.

ALTER TABLE hire_state ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
