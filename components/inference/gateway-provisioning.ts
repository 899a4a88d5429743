import { createHash } from "crypto";
import { SCRIPT_HTTP_CLIENT } from "./script-job";

/**
 * Reconciles the gateway's teams and virtual keys with `/access/access.json` and the key values in
 * `/keys/<alias>` (a Secret synced from Vault), through LiteLLM's admin API. It never prints a key.
 * Python from the LiteLLM image itself: no other image to pin.
 *
 * What LiteLLM's API does, read in BerriAI/litellm litellm/proxy/management_endpoints/
 * key_management_endpoints.py and team_endpoints.py (2026 versions; checked 2026-11-27):
 * - `/key/generate` refuses an alias another key holds (400, `_enforce_unique_key_alias`) and a
 *   value not starting `sk-`; the stored `token` is the SHA-256 hex of the key (`hash_token`).
 * - `/key/update` finds the key by value or hash (404 otherwise) and cannot change the value;
 *   `/key/regenerate` with `new_key` can, but is an Enterprise feature. So a rotated key is
 *   deleted (`/key/delete` by hash) and generated again with its alias, settings and spend.
 * - `/key/update` and `/team/update` move `budget_reset_at` whenever the body carries
 *   `budget_duration`, so it is sent only when it changed; `metadata` replaces the stored object.
 * - `/key/list?key_alias=&return_full_object=true` finds a key by alias; `/team/list` lists teams.
 * - `duration` on `/key/generate` sets `expires` to now plus the duration; on `/key/update` it
 *   moves it again, so it is sent only to a key that has no expiry yet (one made before expiry
 *   was configured). A rotated key gets a new value and a new expiry.
 * - `/team/delete` deletes the team's keys too.
 * Only objects whose metadata carries `managed_by: groundwork` are updated or removed: teams and
 * keys made by hand in the gateway are left alone.
 */
/**
 * A short digest of the keys' values, by alias: it names the provisioning Job, so a rotated key is
 * pushed to the gateway, and the Job waits until the Secret VSO syncs holds these values. 32 bits
 * of a SHA-256 over 240-bit random values reveal nothing of them. PROVISION_SCRIPT's `digest`
 * computes the same over the mounted files.
 */
export function keysDigest(values: Record<string, string>): string {
    return createHash("sha256").update(Object.keys(values).sort().map((name) => `${name}=${values[name]}`).join("\n")).digest("hex").slice(0, 8);
}

export const PROVISION_SCRIPT = `${SCRIPT_HTTP_CLIENT}
import hashlib, os, urllib.parse

BASE = os.environ["GATEWAY_URL"]
MASTER = os.environ["LITELLM_MASTER_KEY"]
ACCESS_FILE = os.environ.get("ACCESS_FILE", "/access/access.json")
KEYS_DIR = os.environ.get("KEYS_DIR", "/keys")
# The digest of the key values this deploy made (keysDigest): VSO syncs Vault into the mounted
# Secret on its own schedule, so the job waits until the files are those values, not older ones.
KEYS_DIGEST = os.environ.get("KEYS_DIGEST")
KEYS_WAIT_SECONDS = int(os.environ.get("KEYS_WAIT_SECONDS", "900"))
MANAGED = {"managed_by": "groundwork"}
SETTINGS = ("max_budget", "rpm_limit", "tpm_limit", "models", "allowed_routes")


def call(path, body=None, method=None):
    return request(BASE, "Bearer " + MASTER, path, body, method)


def managed(obj):
    return (obj.get("metadata") or {}).get("managed_by") == MANAGED["managed_by"]


def changes(current, desired, fields):
    return {f: desired[f] for f in fields if f in desired and current.get(f) != desired[f]}


def reconcile_team(team, existing):
    if existing is None:
        call("/team/new", dict(team, metadata=MANAGED))
        return "created"
    if not managed(existing):
        sys.exit("team %s exists but was not made by Groundwork; rename it or delete it in the gateway" % team["team_id"])
    diff = changes(existing, team, ("team_alias",) + SETTINGS + ("budget_duration",))
    if not diff:
        return "unchanged"
    call("/team/update", dict(diff, team_id=team["team_id"]))
    return "updated " + ",".join(sorted(diff))


def key_by_alias(alias):
    query = urllib.parse.urlencode({"key_alias": alias, "return_full_object": "true", "size": 100})
    found = [k for k in call("/key/list?" + query)["keys"] if k.get("key_alias") == alias]
    return found[0] if found else None


def reconcile_key(key, value):
    alias = key["key_alias"]
    desired = {f: v for f, v in key.items() if f != "key_file"}
    existing = key_by_alias(alias)
    if existing is not None and not managed(existing):
        sys.exit("key %s exists but was not made by Groundwork; delete it in the gateway" % alias)
    if existing is not None and existing["token"] != hashlib.sha256(value.encode()).hexdigest():
        # A new value for the alias: the only way without Enterprise is delete, then generate.
        call("/key/delete", {"keys": [existing["token"]]})
        call("/key/generate", dict(desired, key=value, metadata=MANAGED, spend=existing.get("spend") or 0))
        return "rotated"
    if existing is None:
        call("/key/generate", dict(desired, key=value, metadata=MANAGED))
        return "created"
    diff = changes(existing, desired, ("team_id",) + SETTINGS + ("budget_duration",))
    if desired.get("duration") and not existing.get("expires"):
        diff["duration"] = desired["duration"]
    if not diff:
        return "unchanged"
    call("/key/update", dict(diff, key=existing["token"]))
    return "updated " + ",".join(sorted(diff))


def prune(desired_teams, desired_aliases):
    removed = []
    for team in call("/team/list") or []:
        if not managed(team):
            continue
        query = urllib.parse.urlencode({"team_id": team["team_id"], "return_full_object": "true", "size": 100})
        for key in call("/key/list?" + query)["keys"]:
            if managed(key) and key.get("key_alias") not in desired_aliases:
                call("/key/delete", {"keys": [key["token"]]})
                removed.append("key " + str(key.get("key_alias")))
        if team["team_id"] not in desired_teams:
            call("/team/delete", {"team_ids": [team["team_id"]]})
            removed.append("team " + team["team_id"])
    return removed


def read_keys(access):
    values = {}
    for key in access["keys"]:
        with open(os.path.join(KEYS_DIR, key["key_file"])) as f:
            values[key["key_file"]] = f.read().strip()
    return values


def digest(values):
    text = "\\n".join("%s=%s" % (name, values[name]) for name in sorted(values))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def wait_for_keys(access):
    deadline = time.time() + KEYS_WAIT_SECONDS
    while True:
        values = read_keys(access)
        if KEYS_DIGEST is None or digest(values) == KEYS_DIGEST:
            return values
        if time.time() >= deadline:
            sys.exit("the key values mounted from Vault are not yet the ones this deploy made (digest %s, expected %s); "
                     "VSO has not synced them: the job retries" % (digest(values), KEYS_DIGEST))
        time.sleep(10)


def main():
    wait_ready("gateway", lambda: call("/health/readiness"))
    with open(ACCESS_FILE) as f:
        access = json.load(f)
    values = wait_for_keys(access)
    teams = {t["team_id"]: t for t in (call("/team/list") or [])}
    for team in access["teams"]:
        print("team %s: %s" % (team["team_id"], reconcile_team(team, teams.get(team["team_id"]))))
    for key in access["keys"]:
        print("key %s: %s" % (key["key_alias"], reconcile_key(key, values[key["key_file"]])))
    for what in prune({t["team_id"] for t in access["teams"]}, {k["key_alias"] for k in access["keys"]}):
        print("removed " + what)


if __name__ == "__main__":
    try:
        main()
    except ApiError as error:
        sys.exit(str(error))
`;
