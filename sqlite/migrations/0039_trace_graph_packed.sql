-- 0039: a case's results graph stored packed (sqlite/graphcodec.go), which
-- decodes several times faster than its JSON: results stored from now on
-- fill packed and leave graph ''; rows stored before keep their JSON in
-- graph (packed NULL) and are read as before.
ALTER TABLE trace_case_results ADD COLUMN packed BLOB;
