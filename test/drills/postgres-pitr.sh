#!/bin/sh
# Restore drill: point-in-time recovery with a real PostgreSQL, as CloudNativePG does it from the
# bucket (a base backup, then WAL replayed up to recoveryTarget.targetTime). The archive is a folder
# here instead of barman's bucket. Prints the rows the restored server holds.
#
# usage: postgres-pitr.sh <PostgreSQL bin dir> <work dir> <target: before|after>
# It inserts 'before', notes the moment (RFC 3339, as platform.postgres.restore.targetTime takes
# it, printed on stderr as "moment <time>"), inserts 'after', and restores up to that moment
# (target before) or to the end of the archive (target after).
set -eu

bin=$1
work=$2
socket=$work/socket
mkdir -p "$work/wal" "$socket"

# PostgreSQL refuses to run as root; the Debian package's user runs it then.
if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$work"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi
sql() { as_pg "$bin/psql" -h "$socket" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtc "$1"; }

as_pg "$bin/initdb" -D "$work/primary" -U postgres --auth=trust >/dev/null
cat >> "$work/primary/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$socket'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $work/wal/%f && cp %p $work/wal/%f'
EOF
as_pg "$bin/pg_ctl" -D "$work/primary" -l "$work/primary.log" -w start >/dev/null

sql "CREATE TABLE notes (note text NOT NULL)"
as_pg "$bin/pg_basebackup" -h "$socket" -U postgres -D "$work/base" -X stream -c fast
sql "INSERT INTO notes VALUES ('before')"
sleep 0.2
moment=$(sql "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
sleep 0.2
sql "INSERT INTO notes VALUES ('after')"
# Close the segment, so the archive holds every change, as barman's would.
segment=$(sql "SELECT pg_walfile_name(pg_switch_wal())")
tries=0
until [ -f "$work/wal/$segment" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { echo "drill: $segment never reached the archive" >&2; exit 1; }
    sleep 0.1
done
as_pg "$bin/pg_ctl" -D "$work/primary" -w stop >/dev/null

echo "moment $moment" >&2
# CloudNativePG hands PostgreSQL an RFC 3339 target as "2006-01-02 15:04:05.000000+00:00", because
# PostgreSQL refuses the "Z" suffix in recovery_target_time (cloudnative-pg/machinery@v0.5.0
# pkg/postgres/time/time.go L29-69, called from cloudnative-pg@v1.30.0 api/v1/cluster_funcs.go L1541).
target=$(echo "$moment" | sed 's/T/ /; s/Z$/+00:00/')
cp -a "$work/base" "$work/restored"
cat >> "$work/restored/postgresql.conf" <<EOF
archive_mode = off
restore_command = 'cp $work/wal/%f %p'
recovery_target_action = 'promote'
EOF
if [ "$3" = before ]; then
    echo "recovery_target_time = '$target'" >> "$work/restored/postgresql.conf"
fi
as_pg touch "$work/restored/recovery.signal"
as_pg "$bin/pg_ctl" -D "$work/restored" -l "$work/restored.log" -w start >/dev/null
tries=0
until [ "$(sql "SELECT pg_is_in_recovery()")" = f ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || { echo "drill: the restored server never left recovery" >&2; cat "$work/restored.log" >&2; exit 1; }
    sleep 0.1
done
sql "SELECT string_agg(note, ',' ORDER BY note DESC) FROM notes"
as_pg "$bin/pg_ctl" -D "$work/restored" -w stop >/dev/null
