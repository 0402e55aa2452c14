-- Roles: admin (everything), editor (create and change), viewer (read).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'editor';
UPDATE users SET role = 'admin' WHERE admin;

-- Long-lived API tokens for automation; only their SHA-256 is stored.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    -- 0: never expires.
    expires_at BIGINT NOT NULL DEFAULT 0,
    revoked BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX api_tokens_user_id ON api_tokens(user_id);
