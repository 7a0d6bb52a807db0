-- The twin of bot/store/migrations/0010_inbox_claims.sql (what the columns mean is there).
ALTER TABLE inbox ADD COLUMN claimed_by text, ADD COLUMN lease_until timestamptz;
