-- 0025: a co-signature records what its transaction sends from the Safe,
-- by asset, so that the co-signer can add up what it let a Safe send in a
-- value limit's period. outflows is a JSON object of asset ("ETH" or a
-- token's EIP-55 address) to a decimal amount in base units; '' for a
-- co-signature stored before this migration, whose outflows are not
-- known (a limit whose period covers one is not checked).

ALTER TABLE safe_cosignatures ADD COLUMN outflows TEXT NOT NULL DEFAULT '';

CREATE INDEX safe_cosignatures_time ON safe_cosignatures (chain_id, safe, time);
