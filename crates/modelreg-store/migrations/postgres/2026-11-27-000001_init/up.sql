-- Times are microseconds since the Unix epoch (BIGINT) so that both backends
-- store, compare and index them the same way. JSON values are TEXT.
CREATE TABLE users (
    id SERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    admin BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    modified_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id SERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions(user_id);

CREATE TABLE models (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    labels TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    workspace_id INTEGER NOT NULL DEFAULT 1,
    user_id INTEGER NOT NULL REFERENCES users(id),
    creation_time BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL,
    num_versions INTEGER NOT NULL DEFAULT 0,
    -- The highest version number ever handed out; never decreases, so a
    -- deleted version's number is not reused.
    last_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX models_description ON models(description);
CREATE INDEX models_creation_time ON models(creation_time);
CREATE INDEX models_last_updated_time ON models(last_updated_time);
CREATE INDEX models_num_versions ON models(num_versions);
CREATE INDEX models_workspace_id ON models(workspace_id);
CREATE INDEX models_user_id ON models(user_id);

CREATE TABLE model_labels (
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    PRIMARY KEY (model_id, label)
);
CREATE INDEX model_labels_label ON model_labels(label);

CREATE TABLE checkpoints (
    id SERIAL PRIMARY KEY,
    uuid TEXT NOT NULL UNIQUE,
    task_id TEXT NOT NULL DEFAULT '',
    report_time BIGINT NOT NULL,
    resources TEXT NOT NULL DEFAULT '{}',
    metadata TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    training TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE model_versions (
    id SERIAL PRIMARY KEY,
    model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
    name TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    labels TEXT NOT NULL DEFAULT '[]',
    creation_time BIGINT NOT NULL,
    last_updated_time BIGINT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id),
    UNIQUE (model_id, version)
);
CREATE INDEX model_versions_checkpoint_id ON model_versions(checkpoint_id);
CREATE INDEX model_versions_model_creation ON model_versions(model_id, creation_time);
