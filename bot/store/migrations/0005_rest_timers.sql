-- Rest timers between sets (bot.core.features.rest). Each is delivered by one outbox row of
-- kind 'rest' whose target is 'rest:<rest_timers.id>', so the outbox's states, retries and
-- rate limits apply to it like to any push.
CREATE TABLE rest_timers (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    day         TEXT    NOT NULL,  -- the plan's local date
    exercise_id TEXT    NOT NULL,
    set_number  INTEGER NOT NULL,  -- the set the rest leads to
    chat_id     TEXT    NOT NULL,  -- where the ping goes (where the timer was started)
    due_at      TEXT    NOT NULL,  -- UTC ISO
    created_at  TEXT    NOT NULL
);
CREATE INDEX rest_timers_user ON rest_timers (user_id, day);
