#!/bin/sh
# Restores Langfuse's ClickHouse from one of its full backups in the bucket, with kubectl.
# README "Backups and restores", "Langfuse's ClickHouse". ClickHouse 25.2 (research/clickhouse-backup.md):
# - RESTORE DATABASE … FROM S3(<named collection>, '<folder>/') reads the bucket and key the server
#   holds in its config, the same collection the backups were written through;
# - it refuses tables that already exist with rows, and Langfuse's web pod runs its ClickHouse
#   migrations at every start: web and worker are stopped and the database emptied first;
# - ASYNC returns at once; system.backups says RESTORED or RESTORE_FAILED.
set -eu

namespace=${LANGFUSE_NAMESPACE:-langfuse}
pod=${CLICKHOUSE_POD:-langfuse-clickhouse-shard0-0}

fail() {
    echo "restore-clickhouse: $1" >&2
    exit "$2"
}

case $# in 1 | 2) ;; *) fail "usage: restore-clickhouse.sh <backup time, e.g. 20261127T033000Z> [--replace]" 64 ;; esac
at=${1#clickhouse/}
at=${at%/}
case $at in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) ;;
    *) fail "$1 is not a backup's time: give the folder under clickhouse/ in the bucket, such as 20261127T033000Z" 64 ;;
esac
replace=false
if [ "$#" -eq 2 ]; then
    [ "$2" = --replace ] || fail "unknown option $2: the only one is --replace" 64
    replace=true
fi

# SQL runs in the ClickHouse pod as the default user, whose password is already in its environment.
sql() {
    # shellcheck disable=SC2016 # expanded in the pod, where the password is
    kubectl -n "$namespace" exec "$pod" -c clickhouse -- sh -c 'clickhouse-client --user default --password "$CLICKHOUSE_ADMIN_PASSWORD" --query "$0"' "$1"
}

rows=$(sql "SELECT sum(total_rows) FROM system.tables WHERE database = 'default' AND name != 'schema_migrations'")
if [ "${rows:-0}" != 0 ] && [ "$replace" = false ]; then
    fail "ClickHouse already holds $rows rows of traces: run again with --replace to drop them and restore the backup in their place" 73
fi

web=$(kubectl -n "$namespace" get deployment langfuse-web -o jsonpath='{.spec.replicas}')
worker=$(kubectl -n "$namespace" get deployment langfuse-worker -o jsonpath='{.spec.replicas}')
kubectl -n "$namespace" scale deployment langfuse-web langfuse-worker --replicas=0
# What is there now holds no trace (or --replace said to drop them): only the tables and migration
# records Langfuse's start made, which the backup brings back too.
sql "DROP DATABASE IF EXISTS default SYNC"
sql "CREATE DATABASE default"
id="restore-$at"
sql "RESTORE DATABASE default FROM S3(groundwork_backups, '$at/') SETTINGS id = '$id' ASYNC" >/dev/null
while :; do
    status=$(sql "SELECT status FROM system.backups WHERE id = '$id'")
    case $status in
        RESTORED) break ;;
        RESTORING) sleep 10 ;;
        *) fail "restore $id is ${status:-gone}: $(sql "SELECT error FROM system.backups WHERE id = '$id'" || true); Langfuse stays stopped" 70 ;;
    esac
done
kubectl -n "$namespace" scale deployment langfuse-web --replicas="${web:-1}"
kubectl -n "$namespace" scale deployment langfuse-worker --replicas="${worker:-1}"
echo "restore-clickhouse: restored clickhouse/$at/; Langfuse's web and worker are starting again"
