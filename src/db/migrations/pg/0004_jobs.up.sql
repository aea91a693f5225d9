-- 0004_jobs (pg): the durable job queue, its run history, workers and schedule slots.

CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    queue             TEXT NOT NULL,
    kind              TEXT NOT NULL,
    payload           JSONB NOT NULL DEFAULT '{}',
    priority          INTEGER NOT NULL DEFAULT 0,
    run_at            TIMESTAMPTZ NOT NULL,
    attempts          INTEGER NOT NULL DEFAULT 0,
    max_attempts      INTEGER NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    status            TEXT NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
    locked_by         TEXT,
    lease_expires_at  TIMESTAMPTZ,
    last_error        TEXT,
    unique_key        TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at       TIMESTAMPTZ
);
-- What a claim scans: runnable jobs of a queue in priority and time order.
CREATE INDEX jobs_runnable_idx ON jobs (queue, priority DESC, run_at)
    WHERE status IN ('queued', 'failed');
-- Expired leases, and a worker's own running jobs.
CREATE INDEX jobs_running_idx ON jobs (lease_expires_at) WHERE status = 'running';
CREATE INDEX jobs_locked_by_idx ON jobs (locked_by) WHERE status = 'running';
-- Idempotent enqueue: most jobs have no key, so only keyed ones are indexed.
CREATE UNIQUE INDEX jobs_unique_key_idx ON jobs (unique_key) WHERE unique_key IS NOT NULL;

CREATE TABLE job_runs (
    id           TEXT PRIMARY KEY,
    job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    worker       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    error        TEXT,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ NOT NULL,
    duration_ms  DOUBLE PRECISION NOT NULL
);
CREATE INDEX job_runs_job_idx ON job_runs (job_id);
CREATE INDEX job_runs_finished_idx ON job_runs (finished_at);

CREATE TABLE workers (
    id            TEXT PRIMARY KEY,
    queues        TEXT NOT NULL,
    concurrency   INTEGER NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    heartbeat_at  TIMESTAMPTZ NOT NULL,
    stopped_at    TIMESTAMPTZ
);

-- One row per schedule slot that fired: the primary key makes it exactly once.
CREATE TABLE schedule_runs (
    name      TEXT NOT NULL,
    slot      TIMESTAMPTZ NOT NULL,
    job_id    TEXT,
    fired_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (name, slot)
);
