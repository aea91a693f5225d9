-- 0005_materials (sqlite): reverse order of the up.
DROP TABLE question_tags;
DROP TABLE questions;
DROP TABLE material_topics;
DROP TRIGGER material_chunks_fts_update;
DROP TRIGGER material_chunks_fts_delete;
DROP TRIGGER material_chunks_fts_insert;
DROP TABLE material_chunks_fts;
DROP TABLE material_chunks;
DROP TABLE material_sections;
DROP TABLE materials;
