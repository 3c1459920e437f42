-- 0034: the use of the screening a ruling is about (screening.Disposition.Use):
-- "hiring" for a ruling on a hiring screening, which is keyed without the
-- person's name, deleted when the person is forgotten and readable by
-- analysts only. Rulings stored before keep '' (every reader sees them).

ALTER TABLE screen_dispositions ADD COLUMN use TEXT NOT NULL DEFAULT '';

-- A forget of a person deletes the rulings with their fingerprint as subject.
CREATE INDEX screen_dispositions_subject ON screen_dispositions (subject) WHERE subject <> '';
