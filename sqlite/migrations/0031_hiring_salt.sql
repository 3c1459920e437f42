-- 0031: a random salt per person, part of their keyed fingerprint
-- (hiring.PersonFingerprint) and deleted with their record, so that the
-- fingerprints the audit log and the screening decisions hold cannot be
-- computed again from the id once the person is forgotten. People stored
-- before get a salt of their own now.

ALTER TABLE hire_people ADD COLUMN salt BLOB;

UPDATE hire_people SET salt = randomblob(16);
