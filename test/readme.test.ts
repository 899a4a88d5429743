import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { configReference, withConfigReference } from "../stacks/config/reference";
import { PROJECT_DIR } from "./helpers";

const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");

describe("README", () => {
    it("carries the current config reference (run npm run docs:config)", () => {
        assert.equal(withConfigReference(readme), readme);
        assert.ok(readme.includes("| `groundwork:oci.nodes[].ocpus` | integer 1–80 | required |"));
    });

    it("documents every config key", () => {
        const keys = [...configReference().matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]);
        assert.ok(keys.length >= 30, `only ${keys.length} keys`);
        for (const key of keys) {
            assert.ok(readme.includes(`\`${key}\``), key);
        }
    });

    it("gives the test command that .ci/run runs, and a plan command for the default stack", () => {
        const block = /```sh\n([\s\S]*?)```/.exec(readme)![1];
        const commands = block.split("\n").filter((l) => l && !l.startsWith("#"));
        assert.deepEqual(commands, [
            "npm ci && npm run plan -- --stack dev",
            "apt-get update && apt-get install -y --no-install-recommends cloud-init shellcheck python3-yaml postgresql etcd-server etcd-client redis-server gpg gpg-agent openssh-client openssl curl jq python3-tornado tzdata && npm ci && npm test",
        ]);
        const ci = fs.readFileSync(path.join(PROJECT_DIR, ".ci/run"), "utf8");
        assert.ok(ci.split("\n").includes(commands[1]), ".ci/run does not run the README's test command");
    });
});
