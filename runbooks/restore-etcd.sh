#!/bin/sh
# Restores k3s's embedded etcd from a snapshot file, on the first server, as root.
# README "Backups and restores", "The cluster state (etcd)". Facts from k3s-io/k3s@v1.34.9+k3s1 (5f72184f):
# - a snapshot on disk is named by its full path, with S3 turned off for the restore (pkg/etcd/etcd.go L406-427);
# - the server token must be on disk or given, to decrypt the snapshot's bootstrap data (pkg/cli/server/server.go L468-479);
# - a compressed (.zip) snapshot fails to restore in this release (pkg/etcd/etcd.go L1550-1561; k3s-io/k3s#14526).
set -eu

data_dir=${K3S_DATA_DIR:-/var/lib/rancher/k3s}

fail() {
    echo "restore-etcd: $1" >&2
    exit "$2"
}

[ "$#" -eq 1 ] || fail "usage: restore-etcd.sh /path/to/etcd-snapshot-<node>-<unix time> (download it from the bucket's etcd/ folder first)" 64
snapshot=$1
case $snapshot in
    /*) ;;
    *) fail "give the snapshot's full path, not $snapshot: k3s reads a bare name from S3" 64 ;;
esac
case $snapshot in
    *.zip) fail "$snapshot is compressed, which k3s v1.34.9+k3s1 cannot restore: unzip it and pass the file inside" 65 ;;
esac
[ -s "$snapshot" ] || fail "no snapshot at $snapshot" 66
if systemctl is-active --quiet k3s; then
    fail "k3s is running on this server: stop it on every server first (systemctl stop k3s)" 75
fi
if [ ! -s "$data_dir/server/token" ] && [ -z "${K3S_TOKEN:-}" ]; then
    fail "$data_dir/server/token is gone: set K3S_TOKEN to the cluster's server token (README, 'The cluster state')" 78
fi

k3s server --cluster-reset --cluster-reset-restore-path="$snapshot" --etcd-s3=false ${K3S_TOKEN:+"--token=$K3S_TOKEN"}

echo "restore-etcd: restored from $snapshot. Next: systemctl start k3s here; then on every other server:"
echo "  systemctl stop k3s; rm -rf $data_dir/server/db; systemctl start k3s"
