-- Changes to the search index wait in a queue until the commit. FTS5 writes a
-- new index segment each time a savepoint is released, and in a group commit
-- every write runs in its own savepoint; so the triggers queue the change, and
-- the store moves the whole queue into the index once, just before each
-- commit (modelreg_store::SEARCH_QUEUE_FLUSH). Rows are replayed in order,
-- with the values they had, exactly as the triggers used to apply them.
CREATE TABLE models_search_queue (
    seq INTEGER PRIMARY KEY,
    op TEXT NOT NULL CHECK (op IN ('insert', 'delete')),
    model_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL
);

DROP TRIGGER models_search_insert;
DROP TRIGGER models_search_delete;
DROP TRIGGER models_search_update;
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
