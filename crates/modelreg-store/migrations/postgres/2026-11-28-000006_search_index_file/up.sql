-- SQLite only: its search index moved to a file of its own. PostgreSQL's
-- trigram indexes are kept by PostgreSQL itself.
SELECT 1;
