#!/bin/sh
# Restore drill: an etcd snapshot restored with a real etcd, the way `k3s server --cluster-reset
# --cluster-reset-restore-path` does it on the first server: the data as of the snapshot, in a
# new single-member cluster the other servers then join empty (README, "The cluster state").
# k3s v1.34 embeds etcd 3.6; Debian bookworm's etcd is 3.4, whose snapshot file is the same bbolt
# database. Prints the keys under /registry/ the restored member holds, then its member count.
#
# usage: etcd-restore.sh <work dir>
set -eu

work=$1
export ETCDCTL_API=3
ports=$(( ($$ % 2000) * 2 + 30000 ))
client=http://127.0.0.1:$ports
peer=http://127.0.0.1:$((ports + 1))
ctl() { etcdctl --endpoints="$client" --dial-timeout=2s "$@"; }

start() {
    etcd --name server-1 --data-dir "$1" --listen-client-urls "$client" --advertise-client-urls "$client" \
        --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer" --initial-cluster "server-1=$peer" \
        --log-level error >> "$work/etcd.log" 2>&1 &
    pid=$!
    tries=0
    until ctl endpoint health >/dev/null 2>&1; do
        tries=$((tries + 1))
        [ "$tries" -lt 100 ] || { echo "drill: etcd never became healthy" >&2; cat "$work/etcd.log" >&2; exit 1; }
        sleep 0.1
    done
}
stop() {
    # It may have gone already (seen once on a loaded machine): the restore below starts its own.
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

start "$work/member"
ctl put /registry/namespaces/before "taken before the snapshot" >/dev/null
ctl snapshot save "$work/etcd-snapshot-server-1-1764201600" >/dev/null 2>&1
ctl put /registry/namespaces/after "written after the snapshot" >/dev/null
stop

etcdctl snapshot restore "$work/etcd-snapshot-server-1-1764201600" --name server-1 --data-dir "$work/restored" \
    --initial-cluster "server-1=$peer" --initial-advertise-peer-urls "$peer" >/dev/null 2>&1
start "$work/restored"
ctl get /registry/ --prefix --keys-only | sed '/^$/d'
ctl member list | wc -l
stop
