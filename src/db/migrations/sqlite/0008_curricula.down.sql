-- 0008_curricula (sqlite): reverse order of the up.
ALTER TABLE question_tags DROP COLUMN confirmed;
ALTER TABLE question_tags DROP COLUMN score;
ALTER TABLE question_tags DROP COLUMN source;
DROP TABLE material_curricula;
DROP TABLE curriculum_codes;
DROP TABLE curricula;
