import { Violation } from "../violation";

/**
 * Oracle Cloud Always-Free allowances that the dev stack must stay inside.
 * Source: Oracle, "Always Free Resources" (docs.oracle.com/iaas/Content/FreeTier/freetier_topic-Always_Free_Resources.htm),
 * read 2026-11-25: Ampere A1 3,000 OCPU-hours and 18,000 GB-hours a month (= 4 OCPU and 24 GB running
 * all month), 200 GB of block volume storage in total, boot volumes included.
 */
export const ALWAYS_FREE = {
    shape: "VM.Standard.A1.Flex",
    totalOcpus: 4,
    totalMemoryGbs: 24,
    totalBlockStorageGbs: 200,
} as const;

/**
 * What one VM.Standard.A1.Flex instance can have, free or paid: 1-80 OCPUs, up to 64 GB per OCPU
 * and 512 GB in all. Source: OCI docs, "Compute Shapes", Flexible Shapes table, read 2026-11-25.
 */
export const A1_FLEX_LIMITS = { maxOcpus: 80, maxMemoryGbs: 512, maxMemoryGbsPerOcpu: 64 } as const;

/** OCI's smallest boot volume. Source: OCI docs, "Boot Volumes" (custom size 50 GB to 32 TB), read 2026-11-25. */
export const MIN_BOOT_VOLUME_GBS = 50;
/** OCI's largest boot volume: "the maximum value is 32,768 GB (32 TB)" (OCI API reference, InstanceSourceViaImageDetails.bootVolumeSizeInGBs, read 2026-11-28). */
export const MAX_BOOT_VOLUME_GBS = 32768;

export interface A1NodeSize {
    ocpus: number;
    memoryGbs: number;
    bootVolumeGbs: number;
}

/**
 * Checks that A1 nodes together fit the Always-Free totals. Each total is reported once, on the
 * node whose share first takes the running sum over it.
 */
export function alwaysFreeViolations(nodes: readonly A1NodeSize[]): Violation[] {
    const totals: { field: keyof A1NodeSize; limit: number; what: string; unit: string }[] = [
        { field: "ocpus", limit: ALWAYS_FREE.totalOcpus, what: "Always-Free A1 total", unit: "OCPU" },
        { field: "memoryGbs", limit: ALWAYS_FREE.totalMemoryGbs, what: "Always-Free A1 total", unit: "GB of memory" },
        {
            field: "bootVolumeGbs",
            limit: ALWAYS_FREE.totalBlockStorageGbs,
            what: "Always-Free block storage total (boot volumes count)",
            unit: "GB",
        },
    ];
    const violations: Violation[] = [];
    for (const { field, limit, what, unit } of totals) {
        const sum = nodes.reduce((s, n) => s + n[field], 0);
        if (sum <= limit) {
            continue;
        }
        let running = 0;
        const at = nodes.findIndex((n) => (running += n[field]) > limit);
        violations.push({
            path: [at, field],
            message: `the ${what} is ${limit} ${unit} across all nodes; these nodes ask for ${sum}`,
        });
    }
    return violations;
}
