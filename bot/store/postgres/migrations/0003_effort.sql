-- How hard a set felt (the twin of bot/store/migrations/0003_effort.sql): RPE 1-10 in half
-- steps and reps in reserve; NULL when not given.
ALTER TABLE set_logs ADD COLUMN rpe double precision CHECK (rpe IS NULL OR (rpe >= 1 AND rpe <= 10));
ALTER TABLE set_logs ADD COLUMN rir integer CHECK (rir IS NULL OR (rir >= 0 AND rir <= 10));
