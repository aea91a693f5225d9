-- 0005_materials (sqlite): uploaded study material, its sections, chunks (with
-- the FTS5 index), topics, and the question bank with curriculum tags.
-- Every owned row carries user_id, so one predicate (user_id = $n) authorizes it.

CREATE TABLE materials (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    filename        TEXT,
    kind            TEXT NOT NULL CHECK (kind IN ('pdf', 'text', 'markdown')),
    mime            TEXT NOT NULL,
    size_bytes      INTEGER NOT NULL,
    sha256          TEXT NOT NULL,
    storage_key     TEXT NOT NULL,
    is_worksheet    INTEGER NOT NULL DEFAULT 0 CHECK (is_worksheet IN (0, 1)),
    tags            TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    error           TEXT,
    page_count      INTEGER NOT NULL DEFAULT 0,
    pages_done      INTEGER NOT NULL DEFAULT 0,             -- extraction progress
    section_count   INTEGER NOT NULL DEFAULT 0,
    chunk_count     INTEGER NOT NULL DEFAULT 0,
    question_count  INTEGER NOT NULL DEFAULT 0,
    job_id          TEXT,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ready_at        TEXT
);
CREATE INDEX materials_user_id_id_idx ON materials (user_id, id);

-- Headings found in a material, in document order.
CREATE TABLE material_sections (
    material_id     TEXT NOT NULL REFERENCES materials (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    level           INTEGER NOT NULL,
    title           TEXT NOT NULL,
    page            INTEGER NOT NULL,
    PRIMARY KEY (material_id, position)
);

-- Retrieval passages: whole sentences, a few hundred words, with their pages.
-- The rowid is the FTS5 index's key (external content table).
CREATE TABLE material_chunks (
    id              INTEGER PRIMARY KEY,
    material_id     TEXT NOT NULL REFERENCES materials (id) ON DELETE CASCADE,
    user_id         TEXT NOT NULL,
    position        INTEGER NOT NULL,
    section         TEXT,
    page_start      INTEGER NOT NULL,
    page_end        INTEGER NOT NULL,
    words           INTEGER NOT NULL,
    body            TEXT NOT NULL,
    UNIQUE (material_id, position)
);
CREATE INDEX material_chunks_user_id_idx ON material_chunks (user_id);

CREATE VIRTUAL TABLE material_chunks_fts USING fts5 (
    body, section,
    content = 'material_chunks', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER material_chunks_fts_insert AFTER INSERT ON material_chunks BEGIN
    INSERT INTO material_chunks_fts (rowid, body, section) VALUES (new.id, new.body, new.section);
END;
CREATE TRIGGER material_chunks_fts_delete AFTER DELETE ON material_chunks BEGIN
    INSERT INTO material_chunks_fts (material_chunks_fts, rowid, body, section)
        VALUES ('delete', old.id, old.body, old.section);
END;
CREATE TRIGGER material_chunks_fts_update AFTER UPDATE ON material_chunks BEGIN
    INSERT INTO material_chunks_fts (material_chunks_fts, rowid, body, section)
        VALUES ('delete', old.id, old.body, old.section);
    INSERT INTO material_chunks_fts (rowid, body, section) VALUES (new.id, new.body, new.section);
END;

-- A material's topics: its headings, or key terms when it has none.
CREATE TABLE material_topics (
    material_id     TEXT NOT NULL REFERENCES materials (id) ON DELETE CASCADE,
    position        INTEGER NOT NULL,
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('heading', 'terms')),
    page            INTEGER NOT NULL,
    weight          REAL NOT NULL,
    PRIMARY KEY (material_id, position)
);

-- The question bank. Worksheet questions point at their material and page.
CREATE TABLE questions (
    id              TEXT PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    material_id     TEXT REFERENCES materials (id) ON DELETE CASCADE,
    number          INTEGER,
    page            INTEGER,
    type            TEXT NOT NULL CHECK (type IN ('multiple_choice', 'short_answer')),
    stem            TEXT NOT NULL,
    options         TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(options)),
    answer          TEXT,
    explanation     TEXT,
    source          TEXT NOT NULL DEFAULT 'worksheet',
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX questions_user_id_id_idx ON questions (user_id, id);
CREATE INDEX questions_material_id_idx ON questions (material_id);

-- Curriculum tags ("math.algebra.linear-equations"); the primary key serves
-- prefix queries as a range scan on tag.
CREATE TABLE question_tags (
    tag             TEXT NOT NULL,
    question_id     TEXT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, question_id)
);
CREATE INDEX question_tags_question_id_idx ON question_tags (question_id);
