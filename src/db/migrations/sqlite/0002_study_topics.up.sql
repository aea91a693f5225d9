-- 0002_study_topics (sqlite): study sessions and their topics.
-- Every owned row carries user_id, so one predicate (user_id = $n) authorizes it.

CREATE TABLE study_sessions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    exam_type        TEXT NOT NULL DEFAULT '',
    exam_date        TEXT,                                  -- YYYY-MM-DD
    current_state    TEXT NOT NULL DEFAULT 'created',
    metadata         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
    current_context  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(current_context)),
    agent_history    TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(agent_history)),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (id, user_id)                                    -- target of topics' owner check
);
CREATE INDEX study_sessions_user_id_idx ON study_sessions (user_id);

-- A topic belongs to its user, and when it names a session, to a session of that
-- same user (the composite foreign key).
CREATE TABLE topics (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id      TEXT,
    name            TEXT NOT NULL,
    mastery_score   REAL NOT NULL DEFAULT 0
                    CHECK (mastery_score >= 0 AND mastery_score <= 1),
    next_review_at  TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    FOREIGN KEY (session_id, user_id) REFERENCES study_sessions (id, user_id) ON DELETE CASCADE
);
CREATE INDEX topics_user_id_id_idx ON topics (user_id, id);
CREATE INDEX topics_session_id_idx ON topics (session_id);
