-- How a checkpoint's files are kept: 'record' (metadata only), 'managed'
-- (uploaded to the artifact store) or 'external' (left at external_uri).
ALTER TABLE checkpoints ADD COLUMN storage TEXT NOT NULL DEFAULT 'record';
ALTER TABLE checkpoints ADD COLUMN external_uri TEXT NOT NULL DEFAULT '';
-- Last change of an upload; abandoned uploads are found by it.
ALTER TABLE checkpoints ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE INDEX checkpoints_state_updated_at ON checkpoints(state, updated_at);

-- The uploaded files of managed checkpoints. blob_key names the object in the
-- artifact store; each upload gets a fresh key, so a completed checkpoint's
-- objects never change.
CREATE TABLE checkpoint_files (
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    PRIMARY KEY (checkpoint_id, path)
);
