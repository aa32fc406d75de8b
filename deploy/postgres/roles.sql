-- The portal's two database roles (psql variables: database, owner, owner_password, app,
-- app_password). Run once, by a superuser, on an empty server: docker-compose's init script
-- does it, and tests/portal/test_database_roles.py checks it on a real server.
--
-- The owner owns the database and every table: migrations run as the owner, and only the
-- owner can alter the append-only triggers or open their exceptions (through the functions
-- the migrations create). The application connects as `app`, which owns nothing and may only
-- read and write rows: it cannot switch a trigger off, TRUNCATE, or open an exception with a
-- session setting.
\set ON_ERROR_STOP on
CREATE ROLE :"owner" LOGIN PASSWORD :'owner_password';
CREATE ROLE :"app" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"database" OWNER :"owner";
-- No temporary tables for anyone but the owner: nothing of a session's own can stand in for
-- the portal's tables (the functions' search_path already puts pg_temp last).
REVOKE TEMPORARY ON DATABASE :"database" FROM PUBLIC;
\connect :"database"
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO :"app";
