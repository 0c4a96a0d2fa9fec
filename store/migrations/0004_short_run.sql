-- 0004: the run of consecutive too-short captures within a watch's open
-- episode (monitor.Episode.ShortSince, ShortChecks): a policy that stays
-- much shorter for a day is recorded, and only captures that were too
-- short, one after the other, count towards that day.

ALTER TABLE watches ADD COLUMN episode_short_since  INTEGER NOT NULL DEFAULT 0;
ALTER TABLE watches ADD COLUMN episode_short_checks INTEGER NOT NULL DEFAULT 0;
