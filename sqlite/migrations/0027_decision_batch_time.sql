-- 0027: a batched screening decision is found by its time, which its ID
-- holds (screening.NewDecisionID: the Unix time in milliseconds), among
-- the batches whose time span covers it, instead of by a row of its own
-- in screen_decision_ids. Batches stored from now on add a row there only
-- for a decision whose ID does not tell its time, or when the batch spans
-- more than ten minutes; the rows of batches stored before stay.

CREATE INDEX screen_decision_batches_span ON screen_decision_batches (first_time, last_time);
