#!/bin/sh
# Restores every collection of a Qdrant full-storage snapshot, and its aliases, through Qdrant's
# REST API. README "Backups and restores", "Qdrant". Facts from qdrant/qdrant@v1.18.2:
# - a full snapshot is a tar of one snapshot per collection plus config.json, whose
#   collections_mapping names each collection's file and collections_aliases its aliases
#   (lib/storage/src/content_manager/snapshots/mod.rs L25-31, L150-219), pretty-printed;
# - POST /collections/<c>/snapshots/upload takes the file as multipart field "snapshot" and
#   recovers it, creating the collection or overwriting it (src/actix/api/snapshot_api.rs L193-249);
#   it needs the read-write key (src/actix/auth.rs L228-251) in header api-key (lib/api/src/lib.rs L5);
# - a full-storage restore exists only as a command-line flag at start (--storage-snapshot); this
#   script needs none, and works on a running Qdrant.
set -eu

fail() {
    echo "restore-qdrant: $1" >&2
    exit "$2"
}

[ "$#" -eq 1 ] || fail "usage: QDRANT_API_KEY=<read-write key> [QDRANT_URL=http://localhost:6333] restore-qdrant.sh <full-snapshot-….snapshot>" 64
snapshot=$1
[ -s "$snapshot" ] || fail "no snapshot at $snapshot" 66
[ -n "${QDRANT_API_KEY:-}" ] || fail "set QDRANT_API_KEY to Qdrant's read-write key (vault kv get -mount=groundwork -field=apiKey qdrant/api)" 78
url=${QDRANT_URL:-http://localhost:6333}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umask 077
# The key goes to curl in a file, never on a command line.
printf 'api-key: %s\n' "$QDRANT_API_KEY" > "$work/headers"
api() { curl -fsS --max-time 3600 -H @"$work/headers" "$@"; }

tar -xOf "$snapshot" config.json > "$work/config.json" 2>/dev/null ||
    fail "$snapshot is not a Qdrant full snapshot: it has no config.json" 65
pairs() {
    sed -n "/\"$1\"/,/}/s/^ *\"\\([^\"]*\\)\": \"\\([^\"]*\\)\",\\{0,1\\}\$/\\1 \\2/p" "$work/config.json"
}
pairs collections_mapping > "$work/collections"
pairs collections_aliases > "$work/aliases"
[ -s "$work/collections" ] || fail "$snapshot holds no collection" 65
# Qdrant allows spaces and & in collection names (lib/common/common/src/validation.rs L93-94); this
# script's parsing and URLs do not: restore such a collection with the upload API by hand.
if awk 'NF != 2 || $1 ~ /[&%#]/ { bad = 1 } END { exit !bad }' "$work/collections"; then
    fail "$snapshot holds a collection whose name has a space, &, % or #, which this script cannot restore: upload its snapshot with POST /collections/<name>/snapshots/upload by hand" 65
fi

while read -r collection file; do
    tar -xf "$snapshot" -C "$work" "$file"
    api -o /dev/null -X POST -F "snapshot=@$work/$file" "$url/collections/$collection/snapshots/upload?priority=snapshot&wait=true"
    rm -f "$work/$file"
    echo "restore-qdrant: restored collection $collection"
done < "$work/collections"

while read -r alias collection; do
    api -o /dev/null -X POST -H 'Content-Type: application/json' \
        --data "{\"actions\":[{\"create_alias\":{\"collection_name\":\"$collection\",\"alias_name\":\"$alias\"}}]}" "$url/collections/aliases"
    echo "restore-qdrant: alias $alias -> $collection"
done < "$work/aliases"
