-- 0003_auth (pg): reverse order of the up.
DROP TABLE audit_log;
DROP TABLE tutor_students;
DROP TABLE refresh_tokens;
