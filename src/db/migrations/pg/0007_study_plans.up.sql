-- 0007_study_plans (pg): what a study session asks of a plan (title, daily
-- budget, study weekdays, free dates), the materials it covers, its verified
-- plans and their cache, its chat history, and each user's time zone (the
-- student's local date is the plan's "today").
-- Every owned row carries user_id, so one predicate (user_id = $n) authorizes it.

-- study_days: bit d set (d: 0 Sunday .. 6 Saturday) for a study weekday, the
-- encoding of learn/plan.h; 127 is every day. free_dates: a JSON array of
-- "YYYY-MM-DD" dates without study.
ALTER TABLE study_sessions ADD COLUMN title TEXT NOT NULL DEFAULT '';
ALTER TABLE study_sessions ADD COLUMN daily_minutes INTEGER NOT NULL DEFAULT 60
    CHECK (daily_minutes BETWEEN 1 AND 1440);
ALTER TABLE study_sessions ADD COLUMN study_days INTEGER NOT NULL DEFAULT 127
    CHECK (study_days BETWEEN 1 AND 127);
ALTER TABLE study_sessions ADD COLUMN free_dates JSONB NOT NULL DEFAULT '[]';

-- An IANA zone name ("Pacific/Auckland"), checked by the application.
ALTER TABLE users ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';

-- The materials a session covers, in the order the student gave them. A row
-- goes with its session or its material.
CREATE TABLE session_materials (
    session_id      TEXT NOT NULL,
    material_id     TEXT NOT NULL REFERENCES materials (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    position        INTEGER NOT NULL,
    PRIMARY KEY (session_id, material_id),
    FOREIGN KEY (session_id, user_id) REFERENCES study_sessions (id, user_id) ON DELETE CASCADE
);
CREATE INDEX session_materials_material_id_idx ON session_materials (material_id);

-- Verified plans: the plan and the verifier's report as JSON, and the key of
-- the inputs they were made from (study/plans.c).
CREATE TABLE plans (
    id              TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    cache_key       TEXT NOT NULL,
    plan            JSONB NOT NULL,
    report          JSONB NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (session_id, user_id) REFERENCES study_sessions (id, user_id) ON DELETE CASCADE
);
CREATE INDEX plans_session_id_idx ON plans (session_id, created_at);

-- Which plan answers a cache key until when; goes with its plan.
CREATE TABLE plan_cache (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cache_key       TEXT NOT NULL,
    plan_id         TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    expires_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, cache_key)
);
CREATE INDEX plan_cache_plan_id_idx ON plan_cache (plan_id);

-- A session's questions and answers, in order (ids are UUIDv7, increasing).
CREATE TABLE chat_messages (
    id              TEXT PRIMARY KEY,
    session_id      TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content         TEXT NOT NULL,
    citations       JSONB NOT NULL DEFAULT '[]',
    answerable      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    FOREIGN KEY (session_id, user_id) REFERENCES study_sessions (id, user_id) ON DELETE CASCADE
);
CREATE INDEX chat_messages_session_id_idx ON chat_messages (session_id, id);
