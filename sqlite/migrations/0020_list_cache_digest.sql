-- 0020: the list cache (bulwark.db-lists, listcache.go) is bound to the
-- store. Each list version records the digest of its binary form, the
-- form the cache keeps, as "V:HEX" (screening.ListBinaryVersion, then the
-- SHA-256 in lower-case hex): set when the version is stored, or, for a
-- version stored before (NULL), when the cache is written from its stored
-- content. A cache entry without that digest is not used, and audit
-- verify reports one that differs.
ALTER TABLE screen_lists ADD COLUMN binary_digest TEXT NULL;
