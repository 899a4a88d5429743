#!/bin/sh
# Restores k3s's embedded etcd from a snapshot, on the first server, as root.
# README "Backups and restores", "The cluster state (etcd)". Facts from k3s-io/k3s@v1.34.9+k3s1 (5f72184f):
# - a snapshot on disk is named by its full path, with S3 turned off for the restore; with S3 flags,
#   a bare name is downloaded from the bucket first (pkg/etcd/etcd.go L404-427);
# - a restore never reads the etcd-snapshot-bucket Secret: the S3 settings must be flags (etcd.go L408-413);
# - AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are the S3 key flags' own variables; without them
#   k3s's credential chain uses the instance role (pkg/cli/cmds/server.go L445-462);
# - the snapshot's bootstrap data is decrypted with the token in config.yaml, else server/token,
#   else --token (pkg/cli/server/server.go L468-479);
# - a compressed (.zip) snapshot fails to restore in this release (etcd.go L1550-1561; k3s-io/k3s#14526).
set -eu

data_dir=${K3S_DATA_DIR:-/var/lib/rancher/k3s}
config_file=${K3S_CONFIG_FILE:-/etc/rancher/k3s/config.yaml}

fail() {
    echo "restore-etcd: $1" >&2
    exit "$2"
}

# The token config.yaml gives k3s (the file Groundwork writes; drop-ins never carry one).
config_token() {
    [ -f "$config_file" ] || return 0
    sed -n 's/^token:[[:space:]]*//p' "$config_file" | tr -d "\"'" | head -n 1
}

[ "$#" -eq 1 ] || fail "usage: [ETCD_S3_BUCKET=<bucket> ...] restore-etcd.sh <snapshot file's full path | snapshot name in the bucket's etcd/ folder>" 64
snapshot=$1
case $snapshot in
    *.zip) fail "$snapshot is compressed, which k3s v1.34.9+k3s1 cannot restore: unzip it and pass the file inside" 65 ;;
esac

if [ -n "${ETCD_S3_BUCKET:-}" ]; then
    case $snapshot in
        */*) fail "with ETCD_S3_BUCKET set, give the snapshot's name in the bucket's etcd/ folder, not $snapshot" 64 ;;
    esac
    region=${ETCD_S3_REGION:-us-east-1}
    set -- --etcd-s3 --etcd-s3-bucket="$ETCD_S3_BUCKET" --etcd-s3-folder=etcd \
        --etcd-s3-region="$region" --etcd-s3-endpoint="${ETCD_S3_ENDPOINT:-s3.$region.amazonaws.com}"
    if [ "${ETCD_S3_PATH_STYLE:-}" = 1 ]; then
        set -- "$@" --etcd-s3-bucket-lookup-type=path
    fi
else
    case $snapshot in
        /*) ;;
        *) fail "give the snapshot's full path, not $snapshot, or set ETCD_S3_BUCKET to fetch it from the bucket" 64 ;;
    esac
    [ -s "$snapshot" ] || fail "no snapshot at $snapshot" 66
    set -- --etcd-s3=false
fi

if systemctl is-active --quiet k3s; then
    fail "k3s is running on this server: stop it on every server first (systemctl stop k3s)" 75
fi

configured=$(config_token)
if [ -n "${K3S_TOKEN:-}" ]; then
    # k3s restarts with config.yaml's token: one that cannot decrypt the restored data stops it.
    if [ -n "$configured" ] && [ "$configured" != "$K3S_TOKEN" ]; then
        fail "K3S_TOKEN differs from the token in $config_file: set token: to the snapshot's token there on every server first, then run again without K3S_TOKEN" 78
    fi
    set -- "$@" --token="$K3S_TOKEN"
elif [ -z "$configured" ] && [ ! -s "$data_dir/server/token" ]; then
    fail "no token in $config_file nor $data_dir/server/token: set K3S_TOKEN to the token the snapshot was taken under (README, 'The cluster state')" 78
fi

k3s server --cluster-reset --cluster-reset-restore-path="$snapshot" "$@"

echo "restore-etcd: restored from $snapshot. Next: systemctl start k3s here; then on every other server:"
echo "  systemctl stop k3s; rm -rf $data_dir/server/db; systemctl start k3s"
echo "On new hosts, delete the Node objects of machines that no longer exist: kubectl delete node <name>"
