import { strict as assert } from "assert";
import { etcdSnapshotCount } from "../stacks/config/backups";
import { objectLockDays } from "../stacks/object-storage";
import { parse, problems, stackValues } from "./helpers";

const withBackups = (backups: Record<string, unknown>) => {
    const values = stackValues("dev");
    return { ...values, platform: { ...(values.platform ?? {}), backups } };
};

describe("backups of every store", function () {
    describe("config", () => {
        it("defaults to a snapshot every 6 hours kept 7 days, and daily Vault and Qdrant snapshots", () => {
            const backups = parse(stackValues("dev")).platform.backups;
            assert.deepEqual(backups, {
                objectLock: "compliance",
                etcd: { everyHours: 6, retentionDays: 7 },
                vault: { schedule: "15 2 * * *", retentionDays: 30 },
                qdrant: { schedule: "45 2 * * *", retentionDays: 14 },
            });
            assert.equal(etcdSnapshotCount(backups.etcd), 28, "7 days at 4 a day");
            assert.equal(etcdSnapshotCount({ everyHours: 24, retentionDays: 3 }), 3);
        });

        it("locks backups for the shortest retention of the stores in the bucket", () => {
            assert.equal(objectLockDays(parse(stackValues("cloud"))), 7);
            assert.equal(objectLockDays(parse(withBackups({ etcd: { retentionDays: 40 }, qdrant: { retentionDays: 35 } }))), 30, "Postgres's and Vault's 30 days");
        });

        it("rejects an interval that does not divide the day, naming the ones that do", () => {
            assert.deepEqual(problems(withBackups({ etcd: { everyHours: 5 } })),
                ["groundwork:platform.backups.etcd.everyHours = 5: does not divide the day evenly; use one of 1, 2, 3, 4, 6, 8, 12, 24"]);
        });

        it("rejects an impossible schedule and a retention of 0 days, by key", () => {
            const found = problems(withBackups({ vault: { schedule: "0 25 * * *" }, qdrant: { retentionDays: 0 } }));
            assert.equal(found.length, 2, found.join("\n"));
            assert.match(found[0], /^groundwork:platform\.backups\.vault\.schedule = "0 25 \* \* \*": is impossible: hour 25 is outside 0-23/);
            assert.match(found[1], /^groundwork:platform\.backups\.qdrant\.retentionDays = 0: .*1/);
        });

        it("rejects an Object Lock mode S3 does not have", () => {
            assert.match(problems(withBackups({ objectLock: "legal-hold" }))[0], /^groundwork:platform\.backups\.objectLock = "legal-hold": must be one of: "compliance", "governance"$/);
        });
    });
});
