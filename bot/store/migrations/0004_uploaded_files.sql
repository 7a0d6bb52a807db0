-- Platform ids of pictures already uploaded (the exercise drawings), so each picture is
-- uploaded once per bot account and afterwards sent by its id. No personal data.
--
-- account: the bot account the id belongs to (Telegram file ids only work for the bot that
-- got them); digest: sha256 of the file's bytes, so a changed picture is uploaded afresh.
CREATE TABLE uploaded_files (
    platform   TEXT NOT NULL,
    account    TEXT NOT NULL,
    digest     TEXT NOT NULL,
    file_id    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (platform, account, digest)
) WITHOUT ROWID;
