-- A trigram index for case-insensitive substring search on model names and
-- descriptions (FTS5, external content: it reads the text from models).
CREATE VIRTUAL TABLE models_search USING fts5(
    name, description, content='models', content_rowid='id', tokenize='trigram case_sensitive 0'
);
INSERT INTO models_search(models_search) VALUES ('rebuild');

CREATE TRIGGER models_search_insert AFTER INSERT ON models BEGIN
    INSERT INTO models_search(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
CREATE TRIGGER models_search_delete AFTER DELETE ON models BEGIN
    INSERT INTO models_search(models_search, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
END;
CREATE TRIGGER models_search_update AFTER UPDATE OF name, description ON models BEGIN
    INSERT INTO models_search(models_search, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
    INSERT INTO models_search(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
