#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d): the owner
# role, the app role and the database, exactly as on a host (deploy/postgres-setup.sql), with the
# passwords from the environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$PERMANENCE_OWNER_PASSWORD" -v app_password="$PERMANENCE_APP_PASSWORD" \
     -f /permanence/postgres-setup.sql
