-- 0001_init (pg): reverse order of the up.
DROP TABLE users;
DROP TABLE schema_migrations;
