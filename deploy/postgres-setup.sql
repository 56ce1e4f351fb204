-- One-off PostgreSQL set-up for Permanence: two roles and the database.
--
--   permanence_owner  owns the database and schema; runs migrations only.
--   permanence_app    what the web process, workers and scheduler connect as:
--                     NOT a superuser, NOT the owner, no BYPASSRLS, so
--                     row-level security applies to every query it makes.
--
-- Run as a superuser (e.g. the postgres OS user), with the passwords given on
-- the command line so they stay out of files and shell history files:
--
--   runuser -u postgres -- psql -v ON_ERROR_STOP=1 \
--        -v owner_password="$OWNER_PW" -v app_password="$APP_PW" \
--        -f deploy/postgres-setup.sql

CREATE ROLE permanence_owner LOGIN PASSWORD :'owner_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE ROLE permanence_app LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;

-- The app switches every transaction to permanence_app (DATABASE_APP_ROLE), so
-- a maintenance command run with the owner's URL is still subject to RLS.
GRANT permanence_app TO permanence_owner;

CREATE DATABASE permanence OWNER permanence_owner
    ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0;
REVOKE ALL ON DATABASE permanence FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE permanence TO permanence_app;

\connect permanence

ALTER SCHEMA public OWNER TO permanence_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO permanence_app;

-- Tables and sequences that migrations create later get the app's rights
-- automatically. The app can read and write rows but not change the schema.
ALTER DEFAULT PRIVILEGES FOR ROLE permanence_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO permanence_app;
ALTER DEFAULT PRIVILEGES FOR ROLE permanence_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO permanence_app;
ALTER DEFAULT PRIVILEGES FOR ROLE permanence_owner IN SCHEMA public
    GRANT EXECUTE ON FUNCTIONS TO permanence_app;
