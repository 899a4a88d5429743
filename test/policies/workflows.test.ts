import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pullRequestJobsWithoutSecrets } from "../../policies/security/workflows";
import { PROJECT_DIR } from "../helpers";
import { messages } from "./harness";

describe("pull-request-jobs-without-secrets", () => {
    it("passes the project's own workflows", async () => {
        assert.deepEqual(await messages(pullRequestJobsWithoutSecrets, [], { workflowsDir: path.join(PROJECT_DIR, ".github/workflows") }), []);
    });

    it("flags a workflow that hands a secret to pull-request code", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "groundwork-workflows-"));
        fs.writeFileSync(path.join(dir, "preview.yml"), "on: pull_request\njobs:\n  preview:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pulumi preview\n        env:\n          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n");
        const [found, ...more] = await messages(pullRequestJobsWithoutSecrets, [], { workflowsDir: dir });
        assert.equal(more.length, 0);
        assert.match(found, /^preview\.yml: job preview gives secrets AWS_SECRET_ACCESS_KEY to pull-request code; run it in a protected environment/);
    });

    it("reports a workflows folder it was given and cannot find, instead of passing having checked nothing", async () => {
        const missing = path.join(os.tmpdir(), "groundwork-no-such-workflows");
        assert.deepEqual(await messages(pullRequestJobsWithoutSecrets, [], { workflowsDir: missing }), [
            `workflowsDir ${missing} does not exist, so no workflow was checked; give the repository's .github/workflows (npm run policy-config --stack-file sets it)`,
        ]);
    });
});
