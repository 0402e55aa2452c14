-- SQLite only: PostgreSQL's trigram indexes are kept by PostgreSQL itself.
SELECT 1;
