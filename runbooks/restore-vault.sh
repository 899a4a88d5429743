#!/bin/sh
# Restores Vault from a Raft snapshot taken by the vault-snapshots CronJob, with kubectl.
# README "Backups and restores", "Vault". Facts (hashicorp/vault, Vault 2.0 CLI):
# - `vault operator raft snapshot restore -force <file>` replaces all of Vault's data; -force is
#   needed when the snapshot comes from another initialisation (a rebuilt Vault), whose keys differ;
# - after the restore Vault unseals with the seal of the snapshot's Vault (the same KMS key), and
#   the recovery keys and tokens of the snapshot apply again;
# - the CLI reads the snapshot from the file it is given, so the file is copied into the pod first.
set -eu

namespace=${VAULT_NAMESPACE:-vault}
pod=${VAULT_POD:-vault-0}

fail() {
    echo "restore-vault: $1" >&2
    exit "$2"
}

[ "$#" -eq 1 ] || fail "usage: VAULT_TOKEN=<a token of the running Vault> restore-vault.sh <raft-<UTC time>.snap>" 64
snapshot=$1
case $snapshot in
    *.snap) ;;
    *) fail "$snapshot is not one of the vault/raft-<UTC time>.snap snapshots from the bucket" 64 ;;
esac
[ -s "$snapshot" ] || fail "no snapshot at $snapshot" 66
[ -n "${VAULT_TOKEN:-}" ] || fail "set VAULT_TOKEN to a token of the running Vault that may restore (sys/storage/raft/snapshot-force): the bootstrap revokes its root token, so generate one with the new Vault's recovery keys (vault operator generate-root)" 78

sealed=$(kubectl -n "$namespace" exec "$pod" -c vault -- vault status -format=json | sed -n 's/.*"sealed": *\([a-z]*\).*/\1/p')
case $sealed in
    false) ;;
    true) fail "$pod is sealed: a restore needs an unsealed Vault" 75 ;;
    *) fail "$pod did not answer vault status: a restore needs a running, unsealed Vault" 75 ;;
esac

kubectl -n "$namespace" cp "$snapshot" "$pod:/tmp/restore.snap" -c vault
# The token travels on stdin into the pod's environment, never on a command line.
# shellcheck disable=SC2016 # expanded in the pod
printf '%s' "$VAULT_TOKEN" | kubectl -n "$namespace" exec -i "$pod" -c vault -- sh -c 'VAULT_TOKEN=$(cat) vault operator raft snapshot restore -force /tmp/restore.snap; status=$?; rm -f /tmp/restore.snap; exit $status'
echo "restore-vault: restored $snapshot into $pod. Next: check 'vault status' on every pod, then run pulumi up (README, Vault)."
