-- 0005_materials (pg): reverse order of the up.
DROP TABLE question_tags;
DROP TABLE questions;
DROP TABLE material_topics;
DROP TABLE material_chunks;
DROP TABLE material_sections;
DROP TABLE materials;
