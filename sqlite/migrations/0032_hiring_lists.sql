-- 0032: listing the stored people a page at a time, in one query, oldest
-- first, everyone or by the verdict of their latest assessment: an index
-- on the people's creation order, and each assessment carries its
-- person's creation time (which never changes) so that the people of one
-- verdict are a range of an index too. A page costs its own size, however
-- many people are stored.

CREATE INDEX hire_people_created ON hire_people (created_at, id);

ALTER TABLE hire_assessments ADD COLUMN person_created TEXT NOT NULL DEFAULT '';

UPDATE hire_assessments SET person_created = (SELECT p.created_at FROM hire_people p WHERE p.id = hire_assessments.person_id);

CREATE INDEX hire_assessments_verdict ON hire_assessments (verdict, person_created, person_id);
