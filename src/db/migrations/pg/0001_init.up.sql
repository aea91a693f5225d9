-- 0001_init (pg): the migrations ledger and users.
-- Timestamps are timestamptz (read back as ISO-8601 UTC text by db_pg.c); ids are UUIDv7 text.

CREATE TABLE schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL
);

-- email is stored normalized (trimmed, lowercase) by the application.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    password_hash  TEXT,
    display_name   TEXT NOT NULL DEFAULT '',
    role           TEXT NOT NULL DEFAULT 'student'
                   CHECK (role IN ('student', 'tutor', 'admin')),
    is_active      BOOLEAN NOT NULL DEFAULT true,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
