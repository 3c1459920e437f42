-- 0008: a disposition may be scoped to one screened subject (your customer
-- or applicant reference); '' applies to every screening of the key.

ALTER TABLE screen_dispositions ADD COLUMN subject TEXT NOT NULL DEFAULT '';
