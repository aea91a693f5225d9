-- 0003_auth (sqlite): reverse order of the up.
DROP TABLE audit_log;
DROP TABLE tutor_students;
DROP TABLE refresh_tokens;
