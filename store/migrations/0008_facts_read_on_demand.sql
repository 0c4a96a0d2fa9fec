-- 0008: fact sheets are no longer stored. Read from a version's text and
-- links when needed (monitor.Facts), they follow the taxonomy in use,
-- where a stored one kept the reading of the taxonomy it was made with.
-- The column stays, NULL from now on, for a daemon of the previous
-- version still running beside the new binary during an upgrade (it
-- writes the column and reads a NULL as "no fact sheet"). The space the
-- sheets held is reused by later writes; 'policywatch vacuum' gives it
-- back to the file system at once.
UPDATE versions SET facts = NULL WHERE facts IS NOT NULL;
