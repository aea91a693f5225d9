-- 0009_quizzes (pg): quizzes and their answers, generated questions and
-- their tutor review, review cards scheduled by FSRS-6 with their logs, and
-- detected misconceptions.
-- Every owned row carries user_id, so one predicate (user_id = $n) authorizes it.

-- Generated questions join the bank. format: how a quiz presents a question
-- ('cloze', 'true_false', 'definition'; NULL: as its type says). A generated
-- question cites its source (section, page, the quoted sentence) and names the
-- topic and key term it tests; fingerprint (its normalised stem) keeps one
-- copy per material. review_status: 'pending' until a tutor approves it when
-- its material asks for review; students see approved questions only.
ALTER TABLE questions ADD COLUMN format TEXT
    CHECK (format IS NULL OR format IN ('cloze', 'true_false', 'definition'));
ALTER TABLE questions ADD COLUMN review_status TEXT NOT NULL DEFAULT 'approved'
    CHECK (review_status IN ('pending', 'approved', 'rejected'));
ALTER TABLE questions ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE questions ADD COLUMN topic TEXT;
ALTER TABLE questions ADD COLUMN term TEXT;
ALTER TABLE questions ADD COLUMN section TEXT;
ALTER TABLE questions ADD COLUMN quote TEXT;
ALTER TABLE questions ADD COLUMN difficulty DOUBLE PRECISION;
ALTER TABLE questions ADD COLUMN fingerprint TEXT;
CREATE UNIQUE INDEX questions_fingerprint_idx ON questions (material_id, fingerprint)
    WHERE fingerprint IS NOT NULL;

-- Mastery is read and written by topic name (quizzes, reviews, plans).
CREATE INDEX topics_user_id_name_idx ON topics (user_id, name);

-- Earlier versions of a question, kept when it is edited (the current one is
-- the questions row, whose version counts edits from 1).
CREATE TABLE question_versions (
    question_id     TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    stem            TEXT NOT NULL,
    options         JSONB NOT NULL,
    answer          TEXT,
    explanation     TEXT,
    edited_by       TEXT,                                   -- who replaced it
    edited_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (question_id, version)
);

-- A material whose generated questions wait for a tutor's review.
ALTER TABLE materials ADD COLUMN review_generated BOOLEAN NOT NULL DEFAULT FALSE;

-- Spaced repetition settings: the recall probability reviews aim for, and the
-- local hour at which the review day rolls over.
ALTER TABLE users ADD COLUMN desired_retention DOUBLE PRECISION NOT NULL DEFAULT 0.9
    CHECK (desired_retention >= 0.7 AND desired_retention <= 0.99);
ALTER TABLE users ADD COLUMN day_rollover_hour INTEGER NOT NULL DEFAULT 4
    CHECK (day_rollover_hour BETWEEN 0 AND 23);

-- A quiz, and each of its questions as it was served (a later edit of the
-- bank does not change a quiz already taken). The session link goes when the
-- session does; the quiz and its answers stay with their student.
CREATE TABLE quizzes (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id      TEXT REFERENCES study_sessions (id) ON DELETE SET NULL,
    request         JSONB NOT NULL DEFAULT '{}',
    question_count  INTEGER NOT NULL,
    score           DOUBLE PRECISION,                                   -- 0..1 once submitted
    created_at      TIMESTAMPTZ NOT NULL,
    submitted_at    TIMESTAMPTZ
);
CREATE INDEX quizzes_user_id_idx ON quizzes (user_id, created_at);
CREATE INDEX quizzes_session_id_idx ON quizzes (session_id);

CREATE TABLE quiz_items (
    quiz_id         TEXT NOT NULL REFERENCES quizzes (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    question_id     TEXT REFERENCES questions (id) ON DELETE SET NULL,
    type            TEXT NOT NULL,                          -- as served: multiple_choice, short_answer, cloze, ...
    stem            TEXT NOT NULL,
    options         JSONB NOT NULL DEFAULT '[]',
    answer          TEXT NOT NULL,
    answer_norm     TEXT NOT NULL DEFAULT '',               -- the key's stems (learn/grade.h), compared with answers
    topic           TEXT NOT NULL,
    term            TEXT,
    material_id     TEXT,
    section         TEXT,
    page            INTEGER,
    quote           TEXT,
    difficulty      DOUBLE PRECISION,
    PRIMARY KEY (quiz_id, position)
);
CREATE INDEX quiz_items_question_id_idx ON quiz_items (question_id);

-- Every answer given, with how it was judged.
CREATE TABLE attempts (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    quiz_id         TEXT REFERENCES quizzes (id) ON DELETE CASCADE,
    position        INTEGER,
    question_id     TEXT,
    topic           TEXT NOT NULL,
    term            TEXT,
    kind            TEXT NOT NULL CHECK (kind IN ('quiz', 'review')),
    given           TEXT NOT NULL,
    given_norm      TEXT NOT NULL DEFAULT '',               -- its stems, as the misconception rules compare them
    given_option    INTEGER,                                -- the option chosen, -1 none
    chosen          TEXT,                                   -- that option's text
    choice          BOOLEAN NOT NULL DEFAULT FALSE,
    expected        TEXT NOT NULL,
    correct         BOOLEAN NOT NULL,
    seconds         DOUBLE PRECISION,
    answered_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX attempts_user_id_idx ON attempts (user_id, answered_at);
CREATE INDEX attempts_quiz_id_idx ON attempts (quiz_id);

-- One review card per answered question of a student, with its FSRS-6 state.
CREATE TABLE review_cards (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    question_id     TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    state           INTEGER NOT NULL DEFAULT 0 CHECK (state BETWEEN 0 AND 3),
    stability       DOUBLE PRECISION NOT NULL DEFAULT 0,
    difficulty      DOUBLE PRECISION NOT NULL DEFAULT 0,
    reps            INTEGER NOT NULL DEFAULT 0,
    lapses          INTEGER NOT NULL DEFAULT 0,
    scheduled_days  INTEGER NOT NULL DEFAULT 0,
    elapsed_days    INTEGER NOT NULL DEFAULT 0,
    due_at          TIMESTAMPTZ NOT NULL,
    last_review_at  TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (user_id, question_id)
);
CREATE INDEX review_cards_due_idx ON review_cards (user_id, due_at);

CREATE TABLE review_logs (
    id              TEXT PRIMARY KEY,
    card_id         TEXT NOT NULL REFERENCES review_cards (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    grade           INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
    source          TEXT NOT NULL CHECK (source IN ('quiz', 'review')),
    retrievability  DOUBLE PRECISION,                                   -- predicted recall at the review
    stability       DOUBLE PRECISION NOT NULL,
    difficulty      DOUBLE PRECISION NOT NULL,
    scheduled_days  INTEGER NOT NULL,
    state           INTEGER NOT NULL,
    reviewed_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX review_logs_card_id_idx ON review_logs (card_id, reviewed_at);
CREATE INDEX review_logs_user_id_idx ON review_logs (user_id, reviewed_at);

-- Misconceptions (the seeds' table: user, topic, description, detected_at),
-- with what kind each is, what to do about it, its identity (one open copy
-- each) and when later answers resolved it.
CREATE TABLE misconceptions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic_id        TEXT REFERENCES topics (id) ON DELETE SET NULL,
    topic           TEXT NOT NULL,
    kind            TEXT NOT NULL,
    description     TEXT NOT NULL,
    advice          TEXT NOT NULL DEFAULT '',
    key             TEXT NOT NULL,
    mastery_at_detection DOUBLE PRECISION NOT NULL DEFAULT 0,
    detected_at     TIMESTAMPTZ NOT NULL,
    resolved_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX misconceptions_open_key_idx ON misconceptions (user_id, key) WHERE resolved_at IS NULL;
CREATE INDEX misconceptions_user_id_idx ON misconceptions (user_id, detected_at);
-- the open ones of a topic, read after every quiz on it
CREATE INDEX misconceptions_open_topic_idx ON misconceptions (user_id, topic) WHERE resolved_at IS NULL;
