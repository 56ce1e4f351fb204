#!/bin/sh
# backup.sh: a logical backup of the Permanence database (pg_dump, custom format) to a dated file,
# keeping the newest KEEP of them.
#
#   deploy/backup/backup.sh [-d DIR] [-k KEEP] [-p PREFIX] [DATABASE]
#
#   DATABASE  a database name or a libpq URI (default: $PGDATABASE, else "permanence")
#   -d DIR    where dumps go (default: $BACKUP_DIR, else /var/backups/permanence)
#   -k KEEP   how many dumps to keep, newest first (default: $BACKUP_KEEP, else 35)
#   -p PREFIX the files' names: PREFIX-YYYYmmddTHHMMSSZ.dump (default: permanence)
#
# Connect as a role that reads every row under row-level security: the postgres superuser
# (`runuser -u postgres -- deploy/backup/backup.sh`) or a role with BYPASSRLS and pg_read_all_data
# (deploy/README.md, "Backup and restore"). The owner cannot: the tenant tables FORCE row-level
# security, so pg_dump as the owner stops at the first one ("query would be affected by row-level
# security policy"). PGHOST, PGPORT, PGUSER and PGPASSWORD (or ~/.pgpass) work as for psql.
set -eu

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }

dir=${BACKUP_DIR:-/var/backups/permanence}
keep=${BACKUP_KEEP:-35}
prefix=permanence
while getopts d:k:p:h opt; do
  case $opt in
    d) dir=$OPTARG ;;
    k) keep=$OPTARG ;;
    p) prefix=$OPTARG ;;
    *) usage ;;
  esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || usage
database=${1:-${PGDATABASE:-permanence}}
case $keep in ''|*[!0-9]*|0) echo "backup.sh: KEEP must be a whole number of at least 1, not '$keep'" >&2; exit 2 ;; esac

# pg_dump must be at least the server's major version (it refuses an older server's newer format).
server=$(psql -X -At -v ON_ERROR_STOP=1 -d "$database" -c 'SHOW server_version_num')
client=$(pg_dump --version | sed -n 's/^pg_dump (PostgreSQL) \([0-9]*\).*/\1/p')
if [ "$client" -lt $((server / 10000)) ]; then
  echo "backup.sh: pg_dump $client is older than the server ($((server / 10000))); install postgresql-client-$((server / 10000))" >&2
  exit 1
fi

umask 077  # the dumps hold children's personal data
mkdir -p "$dir"
file="$dir/$prefix-$(date -u +%Y%m%dT%H%M%SZ).dump"
if [ -e "$file" ]; then echo "backup.sh: $file exists already" >&2; exit 1; fi
pg_dump --format=custom --file="$file.partial" "$database"
# A dump that pg_restore cannot list is no backup: check it before it counts as one.
pg_restore --list "$file.partial" > "$file.list"
entries=$(grep -c ' TABLE DATA ' "$file.list" || true)
rm -f "$file.list"
mv "$file.partial" "$file"
echo "Backed up $(psql -X -At -d "$database" -c 'SELECT current_database()') to $file" \
     "($(wc -c < "$file" | tr -d ' ') bytes, $entries tables' data; pg_dump $client, server $((server / 10000)))"

# Retention: the newest KEEP dumps of this prefix stay (the names sort by time).
removed=0
for old in $(ls -1 "$dir" | grep -E "^$prefix-[0-9]{8}T[0-9]{6}Z\.dump\$" | sort -r | tail -n +$((keep + 1))); do
  rm -f "$dir/$old"
  removed=$((removed + 1))
done
echo "Kept the newest $keep; removed $removed older."
