CREATE INDEX model_versions_model_creation ON model_versions(model_id, creation_time);
