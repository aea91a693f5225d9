-- 0002_study_topics (pg): study sessions and their topics.
-- Every owned row carries user_id, so one predicate (user_id = $n) authorizes it.

CREATE TABLE study_sessions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    exam_type        TEXT NOT NULL DEFAULT '',
    exam_date        DATE,
    current_state    TEXT NOT NULL DEFAULT 'created',
    metadata         JSONB NOT NULL DEFAULT '{}',
    current_context  JSONB NOT NULL DEFAULT '{}',
    agent_history    JSONB NOT NULL DEFAULT '[]',
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
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
    mastery_score   DOUBLE PRECISION NOT NULL DEFAULT 0
                    CHECK (mastery_score >= 0 AND mastery_score <= 1),
    next_review_at  TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (session_id, user_id) REFERENCES study_sessions (id, user_id) ON DELETE CASCADE
);
CREATE INDEX topics_user_id_id_idx ON topics (user_id, id);
CREATE INDEX topics_session_id_idx ON topics (session_id);
