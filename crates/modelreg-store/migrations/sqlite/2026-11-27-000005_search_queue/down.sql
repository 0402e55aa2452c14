INSERT INTO models_search(models_search, rowid, name, description)
    SELECT CASE op WHEN 'delete' THEN 'delete' END, model_id, name, description
    FROM models_search_queue ORDER BY seq;
DROP TRIGGER models_search_insert;
DROP TRIGGER models_search_delete;
DROP TRIGGER models_search_update;
DROP TABLE models_search_queue;
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
