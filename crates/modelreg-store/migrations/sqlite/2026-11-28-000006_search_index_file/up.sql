-- The trigram index moves out of this database into a file of its own
-- (`<database>-search`), written by a thread of its own (the store's
-- search_index.rs): FTS5 merges its segments as they pile up, and those
-- merges held up every write queued behind them on the one writer.
--
-- The triggers still queue each change of a name or description here, in
-- the write's own transaction. The indexer applies the queue in order to the
-- index and records the last `seq` it applied there; the writer then deletes
-- the applied rows. `seq` must never be reused once the queue has been
-- emptied, hence AUTOINCREMENT. The index file is built anew from `models`
-- when it is missing, so the rows queued for the old index are dropped.
DROP TRIGGER models_search_insert;
DROP TRIGGER models_search_delete;
DROP TRIGGER models_search_update;
DROP TABLE models_search_queue;
DROP TABLE models_search;
CREATE TABLE models_search_queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    op TEXT NOT NULL CHECK (op IN ('insert', 'delete')),
    model_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL
);
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
