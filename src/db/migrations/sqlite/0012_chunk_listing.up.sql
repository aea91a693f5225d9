-- 0012_chunk_listing (sqlite): a chunk that lists the document rather than
-- teaches it (a table of contents, an index, a licence:
-- content/apparatus.h, apparatus_is_listing), set when the chunk is stored.
-- Searches list such chunks after the others. Chunks stored before this
-- migration count as teaching until their material is extracted again.
ALTER TABLE material_chunks ADD COLUMN listing INTEGER NOT NULL DEFAULT 0;
