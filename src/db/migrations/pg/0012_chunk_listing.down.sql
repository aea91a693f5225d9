-- 0012_chunk_listing (pg): reverse order of the up.
ALTER TABLE material_chunks DROP COLUMN listing;
