-- 0015: a case's genuine token contracts (tracing.Case.KnownTokens), the
-- spoofed-token noise filter of its runs and of the follower.

ALTER TABLE trace_cases ADD COLUMN known_tokens TEXT NOT NULL DEFAULT '[]';  -- JSON array of EIP-55 addresses
