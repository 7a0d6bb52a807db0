-- Backline's first schema. Dates are ISO text (YYYY-MM-DD), datetimes UTC ISO text,
-- settings/plans/state JSON text, loads kilograms. Every table holding data about a person
-- has a `user_id` column: SqliteStore.forget_user deletes by that column name in every table.

-- AUTOINCREMENT so a forgotten person's id is never handed to someone new.
CREATE TABLE users (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    platform         TEXT    NOT NULL,
    platform_user_id TEXT    NOT NULL,
    chat_id          TEXT    NOT NULL DEFAULT '',
    display_name     TEXT    NOT NULL DEFAULT '',
    settings         TEXT    NOT NULL,
    active           INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at       TEXT    NOT NULL,
    UNIQUE (platform, platform_user_id)
);

CREATE TABLE plans (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    plan_date  TEXT    NOT NULL,
    plan_key   TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, plan_date)
) WITHOUT ROWID;

-- One row per add_sets call (one reply). AUTOINCREMENT: a batch id is never reused after
-- an undo, so a stale "undo" reference can't hit a newer batch.
CREATE TABLE set_batches (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT    NOT NULL
);
CREATE INDEX set_batches_user ON set_batches (user_id, id);

CREATE TABLE set_logs (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    batch_id    INTEGER NOT NULL REFERENCES set_batches (id) ON DELETE CASCADE,
    plan_date   TEXT    NOT NULL,
    exercise_id TEXT    NOT NULL CHECK (exercise_id <> ''),
    set_no      INTEGER NOT NULL CHECK (set_no >= 1),
    reps        INTEGER CHECK (reps IS NULL OR reps >= 0),
    seconds     INTEGER CHECK (seconds IS NULL OR seconds >= 0),
    load_kg     REAL,
    skipped     INTEGER NOT NULL DEFAULT 0 CHECK (skipped IN (0, 1)),
    source      TEXT,
    logged_at   TEXT    NOT NULL
);
CREATE INDEX set_logs_user_date ON set_logs (user_id, plan_date);
CREATE INDEX set_logs_user_exercise ON set_logs (user_id, exercise_id, plan_date);
CREATE INDEX set_logs_user_source ON set_logs (user_id, source);
CREATE INDEX set_logs_batch ON set_logs (batch_id);

-- Sent bot messages -> what they were about. user_id is NULL for group-session messages.
CREATE TABLE message_links (
    platform       TEXT NOT NULL,
    chat_id        TEXT NOT NULL,
    message_id     TEXT NOT NULL,
    user_id        INTEGER REFERENCES users (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    plan_date      TEXT,
    exercise_id    TEXT,
    owner_platform TEXT,
    owner_user_id  TEXT,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id, message_id)
) WITHOUT ROWID;
CREATE INDEX message_links_user ON message_links (user_id);
CREATE INDEX message_links_owner ON message_links (owner_platform, owner_user_id);

CREATE TABLE conversation_state (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Delivery ids already handled; pruned after a few days by claim_event.
CREATE TABLE processed_events (
    platform TEXT NOT NULL,
    event_id TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    PRIMARY KEY (platform, event_id)
) WITHOUT ROWID;
CREATE INDEX processed_events_seen ON processed_events (seen_at);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE channels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    platform   TEXT    NOT NULL,
    chat_id    TEXT    NOT NULL,
    settings   TEXT    NOT NULL,
    enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_at TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    UNIQUE (platform, chat_id)
);
