-- 0010_model_reads (sqlite): reverse order of the up.
DROP INDEX quiz_items_user_key_idx;
ALTER TABLE quiz_items DROP COLUMN user_id;
DROP INDEX attempts_user_topic_idx;
ALTER TABLE attempts DROP COLUMN expected_norm;
