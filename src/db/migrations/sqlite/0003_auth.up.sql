-- 0003_auth (sqlite): refresh tokens, tutor assignments, the security audit log.

-- Refresh tokens are stored only as SHA-256 hashes. Every login starts a family;
-- each use rotates the token (used_at set, a new row in the same family). A used
-- token presented again means it leaked: the whole family is revoked.
CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    revoked_at  TEXT
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- Which tutor sees which student (the authorization rule reads this).
CREATE TABLE tutor_students (
    tutor_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    student_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (tutor_id, student_id),
    CHECK (tutor_id <> student_id)
);
CREATE INDEX tutor_students_student_idx ON tutor_students (student_id);

-- Security events; kept when the user is deleted (user_id becomes NULL).
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    event       TEXT NOT NULL,
    user_id     TEXT REFERENCES users (id) ON DELETE SET NULL,
    actor_id    TEXT REFERENCES users (id) ON DELETE SET NULL,
    ip          TEXT,
    detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, created_at);
CREATE INDEX audit_log_event_idx ON audit_log (event, created_at);
