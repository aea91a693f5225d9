-- 0001_init (sqlite): reverse order of the up.
DROP TABLE users;
DROP TABLE schema_migrations;
