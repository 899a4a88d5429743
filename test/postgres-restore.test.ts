import { strict as assert } from "assert";
import { kubernetesDocuments } from "../plan/report";
import { postgresBootstrap, restoreSource } from "../components/platform/postgres-vector";
import { committedPlan, parse, planFixture, problems, stackValues } from "./helpers";
import { upstreamCrd } from "./validators";

const withPostgres = (postgres: Record<string, unknown>) => {
    const values = stackValues("dev");
    return { ...values, platform: { ...(values.platform ?? {}), postgres } };
};
const clusterOf = (resources: Parameters<typeof kubernetesDocuments>[0]) =>
    (kubernetesDocuments(resources) as any[]).find((d) => d.kind === "Cluster" && d.metadata.name === "postgres");

describe("Postgres point-in-time recovery", () => {
    it("starts empty by default and archives to postgres/postgres/, as before the setting existed", async () => {
        const postgres = parse(stackValues("dev")).platform.postgres;
        assert.deepEqual([postgres.backup.serverName, postgres.restore], ["postgres", undefined]);
        const cluster = clusterOf((await committedPlan("dev")).resources);
        assert.deepEqual(Object.keys(cluster.spec.bootstrap), ["initdb"]);
        assert.equal(cluster.spec.externalClusters, undefined);
        assert.deepEqual(cluster.spec.plugins[0].parameters, { barmanObjectName: "postgres-backups", serverName: "postgres" });
    });

    it("recovers from the lost cluster's folder up to the target time, and archives to a new one", async () => {
        // The parsed config, planned through a program of PostgresVector alone (a stack plan costs ten times as much).
        const plan = await planFixture("postgres-restore", parse(withPostgres({ backup: { serverName: "postgres-2" }, restore: { fromServerName: "postgres", targetTime: "2026-11-27T09:30:00Z" } })).platform.postgres);
        const cluster = clusterOf(plan.resources);
        assert.deepEqual(cluster.spec.bootstrap, {
            recovery: { source: "origin", database: "app", owner: "app", secret: { name: "postgres-app" }, recoveryTarget: { targetTime: "2026-11-27T09:30:00Z" } },
        });
        assert.deepEqual(cluster.spec.externalClusters, [{ name: "origin", plugin: { name: "barman-cloud.cloudnative-pg.io", parameters: { barmanObjectName: "postgres-backups", serverName: "postgres" } } }]);
        assert.deepEqual(cluster.spec.plugins[0].parameters, { barmanObjectName: "postgres-backups", serverName: "postgres-2" });
        const valid = upstreamCrd(cluster);
        assert.ok(valid.ok, valid.output);
        // Without a target time, WAL is replayed to its end, from the default folder.
        const latest = parse(withPostgres({ backup: { serverName: "postgres-2" }, restore: {} })).platform.postgres.restore!;
        assert.deepEqual(postgresBootstrap("app", "postgres-app", latest), { recovery: { source: "origin", database: "app", owner: "app", secret: { name: "postgres-app" } } });
        assert.equal(restoreSource("postgres-backups", latest.fromServerName).plugin.parameters.serverName, "postgres");
    });

    it("refuses a restored cluster that would archive over its own source, naming a new folder", () => {
        assert.deepEqual(problems(withPostgres({ restore: { fromServerName: "postgres" } })), [
            'groundwork:platform.postgres.restore = {"fromServerName":"postgres"}: reads the folder "postgres", which is also backup.serverName: the restored cluster would archive over the backups it restores from; set platform.postgres.backup.serverName to a new folder, such as postgres-2',
        ]);
        // A second restore, from postgres-2, back into the first cluster's folder (sweep s19-18), or into its own.
        assert.deepEqual(problems(withPostgres({ restore: { fromServerName: "postgres-2" } })), [
            'groundwork:platform.postgres.backup.serverName = "postgres" (its default: the stack file does not set it): makes the restored cluster archive to "postgres", the folder of a cluster before "postgres-2", which holds that cluster\'s archive until someone deletes it; CloudNativePG archives a restored cluster only into an empty folder, so folders are never reused here: set a new one, such as postgres-3',
        ]);
        assert.match(problems(withPostgres({ backup: { serverName: "postgres-2" }, restore: { fromServerName: "postgres-2" } }))[0], /such as postgres-3$/);
        assert.equal(parse(withPostgres({ backup: { serverName: "postgres-3" }, restore: { fromServerName: "postgres-2" } })).platform.postgres.backup.serverName, "postgres-3");
    });

    it("refuses a target time without a zone, an impossible one, and a folder name S3 paths would mangle", () => {
        const found = problems(withPostgres({ backup: { serverName: "Postgres 2" }, restore: { targetTime: "2026-11-27 09:30:00" } }));
        assert.deepEqual(found, [
            'groundwork:platform.postgres.backup.serverName = "Postgres 2": must be lower-case letters, digits and dashes, such as postgres-2',
            'groundwork:platform.postgres.restore.targetTime = "2026-11-27 09:30:00": must be an RFC 3339 time with its zone, such as 2026-11-27T09:30:00Z',
        ]);
        assert.match(problems(withPostgres({ backup: { serverName: "postgres-2" }, restore: { targetTime: "2026-02-30T25:00:00Z" } }))[0],
            /^groundwork:platform\.postgres\.restore\.targetTime = "2026-02-30T25:00:00Z": is not a real time/);
        // JavaScript would read it as March 2; CNPG's Go parser refuses it.
        assert.match(problems(withPostgres({ backup: { serverName: "postgres-2" }, restore: { targetTime: "2026-02-30T09:30:00Z" } }))[0], /is not a real time/);
    });
});
