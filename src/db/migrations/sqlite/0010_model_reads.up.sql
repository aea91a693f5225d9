-- 0010_model_reads (sqlite): what a quiz submission reads to find misconceptions,
-- by index instead of by scanning the student's history.
--
-- Each answer keeps its key's stems (as it keeps its own), so the answers of
-- a topic read back without a join to the quiz's items; and the answers of
-- one topic are found by index, newest first.
ALTER TABLE attempts ADD COLUMN expected_norm TEXT NOT NULL DEFAULT '';
UPDATE attempts SET expected_norm = coalesce((SELECT i.answer_norm FROM quiz_items i
    WHERE i.quiz_id = attempts.quiz_id AND i.position = attempts.position), '');
CREATE INDEX attempts_user_topic_idx ON attempts (user_id, topic, answered_at);

-- Each question served names its student (the quiz's, never changed), so
-- "is this wrong answer another question's key?" is one index lookup of the
-- answer's stems among that student's keys.
ALTER TABLE quiz_items ADD COLUMN user_id TEXT;
UPDATE quiz_items SET user_id = (SELECT q.user_id FROM quizzes q WHERE q.id = quiz_items.quiz_id);
CREATE INDEX quiz_items_user_key_idx ON quiz_items (user_id, answer_norm);
