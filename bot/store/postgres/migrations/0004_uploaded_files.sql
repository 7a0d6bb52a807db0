-- Platform ids of pictures already uploaded: the twin of
-- bot/store/migrations/0004_uploaded_files.sql (one upload per picture per bot account).
CREATE TABLE uploaded_files (
    platform   text        NOT NULL,
    account    text        NOT NULL,
    digest     text        NOT NULL,
    file_id    text        NOT NULL,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (platform, account, digest)
);
