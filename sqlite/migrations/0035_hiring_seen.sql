-- 0035: when a person's record was last imported (hiring.StoredPerson.SeenAt),
-- changed or not: retention (PurgePeople) forgets the people not seen for
-- the retention period, so that a current employee present in every export
-- is kept although their record never changes. People stored before count
-- as seen when they were last updated.

ALTER TABLE hire_people ADD COLUMN seen_at TEXT NOT NULL DEFAULT '';

UPDATE hire_people SET seen_at = updated_at;
