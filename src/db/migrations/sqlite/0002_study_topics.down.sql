-- 0002_study_topics (sqlite): reverse order of the up.
DROP TABLE topics;
DROP TABLE study_sessions;
