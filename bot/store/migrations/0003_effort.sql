-- How hard a set felt, as typed after it ("3x8 @ 60kg rpe 8", "rir 2"): rate of perceived
-- exertion (1-10 in half steps) and reps in reserve. NULL when not given, as for every row
-- written before this migration.
ALTER TABLE set_logs ADD COLUMN rpe REAL CHECK (rpe IS NULL OR (rpe >= 1 AND rpe <= 10));
ALTER TABLE set_logs ADD COLUMN rir INTEGER CHECK (rir IS NULL OR (rir >= 0 AND rir <= 10));
