-- The PostgreSQL extensions the handbook is built on. All three are
-- "trusted" in PostgreSQL 15, so the database owner (the `handbook` role,
-- not a superuser) can create them.
--   ltree     the organisation tree as materialised paths: "everything under
--             this district" is one indexed query (DESIGN.md, Data).
--   unaccent  Vietnamese search without tone marks (đ -> d included).
--   pg_trgm   fuzzy search on names and titles.
-- scripts/migrate runs this file in one transaction with its row in
-- schema_migrations.

CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
