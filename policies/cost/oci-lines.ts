import { unpricedLine } from "./aws-lines";
import {
    A1_FREE_GB_HOURS, A1_FREE_OCPU_HOURS, A1_MEMORY_GB_HOUR, A1_OCPU_HOUR, A1_SHAPE, BALANCED_VPU_GB_MONTH, BLOCK_STORAGE_GB_MONTH,
    FREE_BLOCK_GB, OBJECT_STORAGE_FREE_GB, VAULT_SOFTWARE_KEY,
} from "./oci-prices";
import { HOURS_PER_MONTH } from "./price-entry";
import { PriceLine, PricedResource } from "./price-line";

const base = (r: PricedResource) => ({ urn: r.urn, name: r.name, type: r.type });

/** What is left of a shared free allowance as lines consume it in order. */
class Allowance {
    constructor(public left: number) {}
    /** Returns the billable part of `amount` after taking what is free. */
    take(amount: number): number {
        const free = Math.min(this.left, amount);
        this.left -= free;
        return amount - free;
    }
}

export const bootVolumeGb = (props: Record<string, any>): number => {
    const n = Number(props?.sourceDetails?.bootVolumeSizeInGbs);
    // Oracle's default boot volume for platform images is 46.6 GB; count 47 when unset.
    return Number.isFinite(n) && n > 0 ? n : 47;
};

export interface A1Shape { ocpus: number; memoryGb: number }
export const a1Shape = (props: Record<string, any>): A1Shape => ({ ocpus: Number(props?.shapeConfig?.ocpus ?? 1), memoryGb: Number(props?.shapeConfig?.memoryInGbs ?? 6) });

/**
 * Prices OCI resources together, because the Always Free allowances are shared by the tenancy:
 * A1 OCPU-hours and GB-hours, and 200 GB of boot/block volumes, are taken in resource order.
 */
export function ociLines(resources: PricedResource[]): PriceLine[] {
    const ocpuHours = new Allowance(A1_FREE_OCPU_HOURS.usd);
    const gbHours = new Allowance(A1_FREE_GB_HOURS.usd);
    const blockGb = new Allowance(FREE_BLOCK_GB.usd);
    const lines: PriceLine[] = [];
    for (const r of resources) {
        switch (r.type) {
            case "oci:Core/instance:Instance": {
                if (r.props.shape !== A1_SHAPE) {
                    lines.push(unpricedLine(r, `${r.props.shape ?? "unknown shape"}`, `only ${A1_SHAPE} is priced in policies/cost/oci-prices.ts`));
                } else {
                    const { ocpus, memoryGb } = a1Shape(r.props);
                    const billedOcpuHours = ocpuHours.take(ocpus * HOURS_PER_MONTH);
                    const billedGbHours = gbHours.take(memoryGb * HOURS_PER_MONTH);
                    const ocpuUsd = billedOcpuHours * A1_OCPU_HOUR.usd;
                    const gbUsd = billedGbHours * A1_MEMORY_GB_HOUR.usd;
                    lines.push({
                        ...base(r), item: `${A1_SHAPE} ${ocpus} OCPU, ${HOURS_PER_MONTH} h`, quantity: ocpus * HOURS_PER_MONTH, unit: A1_OCPU_HOUR.unit, unitUsd: A1_OCPU_HOUR.usd,
                        monthlyUsd: ocpuUsd, status: ocpuUsd > 0 ? "priced" : "free", source: billedOcpuHours > 0 ? A1_OCPU_HOUR.source : A1_FREE_OCPU_HOURS.source, asOf: A1_OCPU_HOUR.asOf,
                        note: billedOcpuHours > 0 ? `${billedOcpuHours} OCPU-h beyond the tenancy's ${A1_FREE_OCPU_HOURS.usd} free OCPU-h` : `within Always Free (${A1_FREE_OCPU_HOURS.usd} OCPU-h/month across all A1 instances)`,
                    });
                    lines.push({
                        ...base(r), item: `${A1_SHAPE} ${memoryGb} GB memory, ${HOURS_PER_MONTH} h`, quantity: memoryGb * HOURS_PER_MONTH, unit: A1_MEMORY_GB_HOUR.unit, unitUsd: A1_MEMORY_GB_HOUR.usd,
                        monthlyUsd: gbUsd, status: gbUsd > 0 ? "priced" : "free", source: billedGbHours > 0 ? A1_MEMORY_GB_HOUR.source : A1_FREE_GB_HOURS.source, asOf: A1_MEMORY_GB_HOUR.asOf,
                        note: billedGbHours > 0 ? `${billedGbHours} GB-h beyond the tenancy's ${A1_FREE_GB_HOURS.usd} free GB-h` : `within Always Free (${A1_FREE_GB_HOURS.usd} GB-h/month across all A1 instances)`,
                    });
                }
                const gb = bootVolumeGb(r.props);
                const billedGb = blockGb.take(gb);
                const perGb = BLOCK_STORAGE_GB_MONTH.usd + BALANCED_VPU_GB_MONTH.usd;
                lines.push({
                    ...base(r), item: `boot volume ${gb} GB (Balanced)`, quantity: gb, unit: "GB-month", unitUsd: perGb, monthlyUsd: billedGb * perGb,
                    status: billedGb > 0 ? "priced" : "free", source: billedGb > 0 ? BLOCK_STORAGE_GB_MONTH.source : FREE_BLOCK_GB.source, asOf: FREE_BLOCK_GB.asOf,
                    note: billedGb > 0 ? `${billedGb} GB beyond the tenancy's ${FREE_BLOCK_GB.usd} GB free block storage` : `within Always Free (${FREE_BLOCK_GB.usd} GB boot and block volumes)`,
                });
                break;
            }
            case "oci:ObjectStorage/bucket:Bucket":
                lines.push({ ...base(r), item: "Object Storage", quantity: 0, unit: "GB-month", unitUsd: 0, monthlyUsd: 0, status: "usage-based", source: OBJECT_STORAGE_FREE_GB.source, asOf: OBJECT_STORAGE_FREE_GB.asOf, note: `usage-based, not estimated; the first ${OBJECT_STORAGE_FREE_GB.usd} GB are Always Free` });
                break;
            case "oci:Kms/key:Key":
                lines.push(r.props.protectionMode === "HSM"
                    ? unpricedLine(r, "Vault HSM-protected key", "HSM key versions beyond the 20 free are not priced in policies/cost/oci-prices.ts")
                    : { ...base(r), item: "Vault software-protected key", quantity: 1, unit: VAULT_SOFTWARE_KEY.unit, unitUsd: 0, monthlyUsd: 0, status: "free", source: VAULT_SOFTWARE_KEY.source, asOf: VAULT_SOFTWARE_KEY.asOf, note: VAULT_SOFTWARE_KEY.note });
                break;
            case "oci:Kms/vault:Vault":
                if (r.props.vaultType === "VIRTUAL_PRIVATE") lines.push(unpricedLine(r, "virtual private vault", "virtual private vaults are billed; no price in policies/cost/oci-prices.ts"));
                break;
            case "oci:Core/natGateway:NatGateway":
                lines.push(unpricedLine(r, "OCI NAT gateway", "no Oracle price-list entry for NAT gateways was found to confirm it is free; verify on https://www.oracle.com/cloud/networking/pricing/"));
                break;
            default:
                break;
        }
    }
    return lines;
}
