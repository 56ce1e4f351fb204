#!/bin/sh
# restore.sh: restore a dump of backup.sh into a NEW database, bring its schema to head and check
# it: the row counts per table and per council (read as the app reads them, under row-level
# security) must equal the source's.
#
#   deploy/backup/restore.sh [-o OWNER] [-a APP_ROLE] [-s SOURCE | -e COUNTS.json] DUMP NEW_DATABASE
#
#   DUMP          a file backup.sh wrote
#   NEW_DATABASE  the database to create; it must not exist (this never restores over a database)
#   -o OWNER      the role that owns the new database (default: $RESTORE_OWNER, else permanence_owner)
#   -a APP_ROLE   the role the app connects as, given CONNECT (default: $DATABASE_APP_ROLE, else
#                 permanence_app)
#   -s SOURCE     the database the dump came from: its counts now are the expected ones (a quiet
#                 database; rows written since the dump show as differences)
#   -e FILE       or counts printed earlier by `permanence db counts`
#
# Run as the postgres superuser (CREATE DATABASE, and rows restored into tables that FORCE
# row-level security); the roles are cluster-wide and not in the dump, so run
# deploy/postgres-setup.sql on a new cluster first. The migration check runs `permanence db upgrade`
# with $MIGRATE_DATABASE_URL (set it to the owner's URL of NEW_DATABASE in production, so anything
# it creates belongs to the owner), else as this connection. `permanence` is $PERMANENCE (default:
# the `permanence` command). Exits non-zero on any failure or difference.
set -eu

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }

owner=${RESTORE_OWNER:-permanence_owner}
app_role=${DATABASE_APP_ROLE:-permanence_app}
source=
expected=
while getopts o:a:s:e:h opt; do
  case $opt in
    o) owner=$OPTARG ;;
    a) app_role=$OPTARG ;;
    s) source=$OPTARG ;;
    e) expected=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || usage
dump=$1
new=$2
permanence=${PERMANENCE:-permanence}
psql="psql -X -At -v ON_ERROR_STOP=1"

[ -r "$dump" ] || { echo "restore.sh: cannot read $dump" >&2; exit 1; }
server=$($psql -d postgres -c 'SHOW server_version_num')
client=$(pg_restore --version | sed -n 's/^pg_restore (PostgreSQL) \([0-9]*\).*/\1/p')
if [ "$client" -lt $((server / 10000)) ]; then
  echo "restore.sh: pg_restore $client is older than the server ($((server / 10000)))" >&2
  exit 1
fi
exists=$(echo "SELECT 1 FROM pg_database WHERE datname = :'name'" | $psql -d postgres -v name="$new")
if [ -n "$exists" ]; then
  echo "restore.sh: the database $new exists; restore into a new one" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The expected counts first, before the restore adds load to the source.
if [ -n "$source" ]; then
  DATABASE_URL="postgresql+psycopg:///$source" $permanence db counts > "$work/expected.json"
  expected="$work/expected.json"
fi

# As postgres-setup.sql makes the live one: owned by the owner, only the app role may connect.
createdb --owner="$owner" --template=template0 --encoding=UTF8 \
         --lc-collate="${RESTORE_LOCALE:-C.UTF-8}" --lc-ctype="${RESTORE_LOCALE:-C.UTF-8}" "$new"
$psql -d postgres -q -c "REVOKE ALL ON DATABASE \"$new\" FROM PUBLIC" \
      -c "GRANT CONNECT, TEMPORARY ON DATABASE \"$new\" TO \"$app_role\""

# Objects keep the dump's owners and grants (and the tables their row-level security policies).
pg_restore --exit-on-error --dbname="$new" "$dump"
echo "Restored $dump into $new ($($psql -d "$new" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") tables)"

# The schema at head: a dump of an older release is migrated; one of this release is left as it is.
migrate_url=${MIGRATE_DATABASE_URL:-postgresql+psycopg:///$new}
DATABASE_URL=$migrate_url $permanence db upgrade
current=$(DATABASE_URL=$migrate_url $permanence db current 2>/dev/null | tail -n 1)
case $current in
  *"(head)"*) echo "Schema at head: $current" ;;
  *) echo "restore.sh: the schema of $new is not at head after the upgrade: $current" >&2; exit 1 ;;
esac

if [ -n "$expected" ]; then
  DATABASE_URL="postgresql+psycopg:///$new" $permanence db counts --expect "$expected" > "$work/restored.json"
else
  echo "No counts to compare with (-s or -e): the restore is not checked against its source."
fi
