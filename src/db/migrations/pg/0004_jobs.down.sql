-- 0004_jobs (pg): reverse order of the up.
DROP TABLE schedule_runs;
DROP TABLE workers;
DROP TABLE job_runs;
DROP TABLE jobs;
