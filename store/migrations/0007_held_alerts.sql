-- 0007: which changes held for a digest were held back from an alert (the
-- hourly limit, or no mail server), so that a weekly subscriber gets those
-- at the next daily digest time, alone, instead of up to a week later
-- among the changes that never called for an alert.
ALTER TABLE notify_digest_items ADD COLUMN alert INTEGER NOT NULL DEFAULT 0;
