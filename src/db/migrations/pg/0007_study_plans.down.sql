-- 0007_study_plans (pg): reverse order of the up.
DROP TABLE chat_messages;
DROP TABLE plan_cache;
DROP TABLE plans;
DROP TABLE session_materials;
ALTER TABLE users DROP COLUMN time_zone;
ALTER TABLE study_sessions DROP COLUMN free_dates;
ALTER TABLE study_sessions DROP COLUMN study_days;
ALTER TABLE study_sessions DROP COLUMN daily_minutes;
ALTER TABLE study_sessions DROP COLUMN title;
