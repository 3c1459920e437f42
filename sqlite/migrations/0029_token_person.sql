-- 0029: the person an API token belongs to ('' for none): the co-signer
-- counts one approval per person, whatever tokens they hold.
ALTER TABLE tokens ADD COLUMN person TEXT NOT NULL DEFAULT '';
