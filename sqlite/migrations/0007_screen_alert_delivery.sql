-- 0007: webhook delivery of screening alerts (as safe_alerts has since
-- 0002), and the key that keeps one alert per list change when two
-- processes re-screen it (the CLI that imported the lists and the server
-- that reloads them). Alerts stored before have no key.

ALTER TABLE screen_alerts ADD COLUMN delivered_at TEXT NULL;                     -- RFC 3339 UTC, nine digits
ALTER TABLE screen_alerts ADD COLUMN delivery_attempts INTEGER NOT NULL DEFAULT 0; -- 0: not delivered yet
ALTER TABLE screen_alerts ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
ALTER TABLE screen_alerts ADD COLUMN key TEXT NOT NULL DEFAULT '';               -- screening.WatchHit.AlertKey

CREATE UNIQUE INDEX screen_alerts_key ON screen_alerts (key) WHERE key <> '';
