DROP TABLE model_versions;
DROP TABLE checkpoints;
DROP TABLE model_labels;
DROP TABLE models;
DROP TABLE sessions;
DROP TABLE users;
