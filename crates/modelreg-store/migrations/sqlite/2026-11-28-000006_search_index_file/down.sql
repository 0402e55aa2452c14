-- Back to the index inside this database, built anew from the models.
DROP TRIGGER models_search_insert;
DROP TRIGGER models_search_delete;
DROP TRIGGER models_search_update;
DROP TABLE models_search_queue;
CREATE TABLE models_search_queue (
    seq INTEGER PRIMARY KEY,
    op TEXT NOT NULL CHECK (op IN ('insert', 'delete')),
    model_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE VIRTUAL TABLE models_search USING fts5(
    name, description, content='models', content_rowid='id', tokenize='trigram case_sensitive 0'
);
INSERT INTO models_search(models_search) VALUES ('rebuild');
CREATE TRIGGER models_search_insert AFTER INSERT ON models BEGIN
    INSERT INTO models_search_queue(op, model_id, name, description)
        VALUES ('insert', new.id, new.name, new.description);
END;
CREATE TRIGGER models_search_delete AFTER DELETE ON models BEGIN
    INSERT INTO models_search_queue(op, model_id, name, description)
        VALUES ('delete', old.id, old.name, old.description);
END;
CREATE TRIGGER models_search_update AFTER UPDATE OF name, description ON models BEGIN
    INSERT INTO models_search_queue(op, model_id, name, description)
        VALUES ('delete', old.id, old.name, old.description);
    INSERT INTO models_search_queue(op, model_id, name, description)
        VALUES ('insert', new.id, new.name, new.description);
END;
