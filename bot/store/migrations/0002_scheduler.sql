-- The scheduler's durable outbox: one row per push, keyed so a push can never be queued twice.
--
-- target is 'user:<users.id>' or 'channel:<chat id>'; day is the LOCAL date the push is for;
-- kind is daily | nudge | weekly | group. States:
--   pending  waiting for next_attempt_at
--   sending  a send may be in flight (after a crash such rows are sent again: at-least-once)
--   sent     every message delivered (parts_sent of them)
--   failed   gave up: unreachable, or out of attempts
--   missed   not sent: due longer ago than the grace window (e.g. the bot was down)
--   skipped  nothing to send after all (paused, inactive, a nudge after logging)
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    platform        TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    day             TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    channel_id      INTEGER REFERENCES channels (id) ON DELETE CASCADE,
    chat_id         TEXT    NOT NULL,
    due_at          TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'missed', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    parts_sent      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    updated_at      TEXT    NOT NULL,
    UNIQUE (platform, target, day, kind)
);
-- What the delivery loop reads: only unfinished rows, in due order.
CREATE INDEX outbox_open ON outbox (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX outbox_user ON outbox (user_id);
CREATE INDEX outbox_day ON outbox (day);

-- Small key/value facts of the scheduler, e.g. 'last_tick' (UTC ISO): everything due up to
-- that moment has been queued or recorded missed.
CREATE TABLE scheduler_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Find the people whose reminder falls in a minute without reading every settings blob.
-- Expression index: it stays current on every settings change, so a new time, zone, pause
-- or resume counts at the next tick.
CREATE INDEX users_reminder ON users (
    json_extract(settings, '$.timezone'),
    json_extract(settings, '$.reminder_time')
) WHERE active = 1;
