-- 0008_curricula (pg): curriculum standards as data (an imported list of
-- codes with titles, descriptions and a parent), the standards a material is
-- taught against, and where each question tag comes from.
-- A code is a curriculum tag (materials/tags.h), so the question bank's
-- ?tag= prefix query finds the questions tagged with a code and its children.

CREATE TABLE curricula (
    id              TEXT PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,                   -- a re-import with the same slug updates it
    title           TEXT NOT NULL,
    version         TEXT,                                   -- the source's own version, free text
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The codes of a standard, in the order of the imported file.
CREATE TABLE curriculum_codes (
    curriculum_id   TEXT NOT NULL REFERENCES curricula (id) ON DELETE CASCADE,
    code            TEXT COLLATE "C" NOT NULL,
    title           TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    parent_code     TEXT COLLATE "C",                       -- a code of the same standard, or NULL
    position        INTEGER NOT NULL,
    PRIMARY KEY (curriculum_id, code)
);

-- The standards a material is taught against; its questions get suggestions from them.
CREATE TABLE material_curricula (
    material_id     TEXT NOT NULL REFERENCES materials (id) ON DELETE CASCADE,
    curriculum_id   TEXT NOT NULL REFERENCES curricula (id) ON DELETE CASCADE,
    PRIMARY KEY (material_id, curriculum_id)
);
CREATE INDEX material_curricula_curriculum_id_idx ON material_curricula (curriculum_id);

-- Where a question's tag comes from: typed by the uploader, a heading of the
-- worksheet, suggested from a linked standard (with its score), or set by a
-- tutor. Suggestions are replaced on every new suggestion run unless confirmed.
ALTER TABLE question_tags ADD COLUMN source TEXT NOT NULL DEFAULT 'uploader'
    CHECK (source IN ('uploader', 'heading', 'suggested', 'tutor'));
ALTER TABLE question_tags ADD COLUMN score DOUBLE PRECISION;
ALTER TABLE question_tags ADD COLUMN confirmed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE question_tags SET source = 'heading' WHERE tag LIKE 'topic.%';
