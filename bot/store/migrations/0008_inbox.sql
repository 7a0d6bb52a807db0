-- The durable inbox: every update a platform delivered, stored before it is processed, so a
-- crash at any moment leaves it either applied (its effects and the 'applied' mark commit in
-- one transaction) or waiting here to be processed after the restart.
--
-- (platform, event_id) names one delivery (Telegram update_id, Discord message id): a
-- redelivery is taken once. chat_key orders a chat's updates. payload is the adapter's own
-- JSON (a Telegram Update, a Discord event). States:
--   new       stored, not applied yet (processed again after a crash)
--   applied   its effects are stored; `answer` holds the reply, `sent` of its messages are
--             delivered (the rest go out after a crash)
--   answered  finished; payload and answer are emptied (the key stays to drop redeliveries
--             until it is pruned)
-- No user_id column: the row is about a delivery, and it holds no personal data once done.
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL,
    event_id    TEXT    NOT NULL CHECK (event_id <> ''),
    chat_key    TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    state       TEXT    NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'applied', 'answered')),
    answer      TEXT,
    sent        INTEGER NOT NULL DEFAULT 0 CHECK (sent >= 0),
    received_at TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL,
    UNIQUE (platform, event_id)
);
-- What a start-up reads: only unfinished rows, in arrival order.
CREATE INDEX inbox_open ON inbox (platform, id) WHERE state <> 'answered';
CREATE INDEX inbox_updated ON inbox (updated_at) WHERE state = 'answered';
