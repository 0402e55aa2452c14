DROP TABLE api_tokens;
ALTER TABLE users DROP COLUMN role;
