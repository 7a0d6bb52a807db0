-- A person's exercise choices (/swap, /avoid) and the journal /undo reads.

-- Do chosen_id instead of exercise_id (the planner's pick) for the block that starts on
-- block_start (a Monday, ISO text).
CREATE TABLE exercise_swaps (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    block_start TEXT    NOT NULL,
    exercise_id TEXT    NOT NULL CHECK (exercise_id <> ''),
    chosen_id   TEXT    NOT NULL CHECK (chosen_id <> ''),
    PRIMARY KEY (user_id, block_start, exercise_id)
) WITHOUT ROWID;

-- Moves never to schedule for this person (injuries, dislikes).
CREATE TABLE exercise_avoids (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    exercise_id TEXT    NOT NULL CHECK (exercise_id <> ''),
    created_at  TEXT    NOT NULL,
    PRIMARY KEY (user_id, exercise_id)
) WITHOUT ROWID;

-- Every change, newest last. after_batch: the person's newest set batch id when the change was
-- made (0: none), so undo can tell whether something was logged after it.
CREATE TABLE choice_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('swap', 'avoid')),
    exercise_id TEXT    NOT NULL CHECK (exercise_id <> ''),
    block_start TEXT,
    before      TEXT,
    after       TEXT,
    after_batch INTEGER NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX choice_changes_user ON choice_changes (user_id, id);
