/**
 * Creates or updates the gateway's teams and virtual keys through LiteLLM's admin API
 * (`/team/new`, `/team/update`, `/key/generate` with a given `key`, `/key/update`), from
 * `/access/access.json` and the key values in `/keys/<alias>` (a Secret synced from Vault).
 * It never prints a key. Python from the LiteLLM image itself: no other image to pin.
 * Endpoints: docs.litellm.ai proxy/virtual_keys, proxy/team_budgets (read 2026-11-25).
 */
export const PROVISION_SCRIPT = `import json, os, sys, time, urllib.error, urllib.request

BASE = os.environ["GATEWAY_URL"]
MASTER = os.environ["LITELLM_MASTER_KEY"]


def call(path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method="POST" if data else "GET",
                                     headers={"Authorization": "Bearer " + MASTER, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_ready():
    for _ in range(90):
        try:
            if call("/health/readiness") == 200:
                return
        except OSError:
            pass
        time.sleep(10)
    sys.exit("gateway not ready after 15 minutes")


def upsert(kind, body, label):
    # Update first: the usual case once the stack exists. Create when there is nothing to update.
    updated = call("/%s/update" % kind, body)
    if updated == 200:
        print("%s %s: updated" % (kind, label))
        return
    created = call("/%s/%s" % (kind, "new" if kind == "team" else "generate"), body)
    if created != 200:
        sys.exit("%s %s: update answered %d, create answered %d" % (kind, label, updated, created))
    print("%s %s: created" % (kind, label))


wait_ready()
with open("/access/access.json") as f:
    access = json.load(f)
for team in access["teams"]:
    upsert("team", team, team["team_id"])
for key in access["keys"]:
    body = {k: v for k, v in key.items() if k != "key_file"}
    with open("/keys/" + key["key_file"]) as f:
        body["key"] = f.read().strip()
    upsert("key", body, key["key_alias"])
`;
