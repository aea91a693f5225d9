-- 0002_study_topics (pg): reverse order of the up.
DROP TABLE topics;
DROP TABLE study_sessions;
