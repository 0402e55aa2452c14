-- Every registration added an entry to this index, on a page of its own model
-- (the versions of one model are next to each other, and the models are
-- spread over the index): one more scattered page written per registration.
-- It served only a model's versions sorted by creation time, which the
-- (model_id, version) index now finds and a sort orders: a few rows per model,
-- thousands at most. Registrations at 32 clients went from ~9,300 to
-- ~11,000-12,900 a second without it (docs/benchmarks.md, seventh round).
DROP INDEX model_versions_model_creation;
