-- Trigram indexes for case-insensitive substring search on model names and
-- descriptions; they serve `lower(col) LIKE lower($1)`.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX models_name_trgm ON models USING gin (lower(name) gin_trgm_ops);
CREATE INDEX models_description_trgm ON models USING gin (lower(description) gin_trgm_ops);
