-- 0011_review_logs_index (pg): reverse order of the up.
CREATE INDEX review_logs_user_id_idx ON review_logs (user_id, reviewed_at);
