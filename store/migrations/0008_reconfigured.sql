-- 0008: set when a watch's URL or the parts of its page kept (select,
-- remove) change while it has a version, cleared by the next plausible
-- capture: that capture's text is read differently, so it is a new first
-- capture of the watch, not a change of the policy to tell subscribers of.

ALTER TABLE watches ADD COLUMN reconfigured INTEGER NOT NULL DEFAULT 0;
