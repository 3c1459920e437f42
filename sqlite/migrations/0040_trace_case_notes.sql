-- 0040: analysts' notes in a trace case (tracing.CaseNote), on an address
-- or on the case, oldest first: a JSON list, as the case's labels are.
ALTER TABLE trace_cases ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
