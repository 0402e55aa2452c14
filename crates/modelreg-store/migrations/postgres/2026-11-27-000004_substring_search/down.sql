DROP INDEX models_description_trgm;
DROP INDEX models_name_trgm;
