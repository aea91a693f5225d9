-- 0011_review_logs_index (pg): review logs are written once per answer and
-- read by card (its history; the cascade when a card goes); no query reads
-- them by student, so the index by student only cost every answer a write at
-- a random place in it.
DROP INDEX review_logs_user_id_idx;
