DROP TABLE checkpoint_files;
DROP INDEX checkpoints_state_updated_at;
ALTER TABLE checkpoints DROP COLUMN updated_at;
ALTER TABLE checkpoints DROP COLUMN external_uri;
ALTER TABLE checkpoints DROP COLUMN storage;
