import { entry } from "./price-entry";

/* Oracle Cloud list prices (USD) and Always Free allowances, each with its source and read date. */

const READ = "2026-11-25";
const ALWAYS_FREE = "https://docs.oracle.com/en-us/iaas/Content/FreeTier/freetier_topic-Always_Free_Resources.htm";
const COMPUTE_PRICING = "https://www.oracle.com/cloud/compute/pricing/";
const BLOCK_PRICING = "https://www.oracle.com/cloud/storage/block-volumes/pricing/";

export const A1_OCPU_HOUR = entry(0.01, "OCPU-hour", COMPUTE_PRICING, READ, "Ampere A1: 1 OCPU = 1 vCPU");
export const A1_MEMORY_GB_HOUR = entry(0.0015, "GB-hour", COMPUTE_PRICING, READ);

/** The tenancy's free A1 allowance each month, shared by all A1 instances. */
export const A1_FREE_OCPU_HOURS = entry(3000, "OCPU-hours/month", ALWAYS_FREE, READ, "= 4 OCPU over a month, across all VM.Standard.A1.Flex instances");
export const A1_FREE_GB_HOURS = entry(18000, "GB-hours/month", ALWAYS_FREE, READ, "= 24 GB over a month, across all VM.Standard.A1.Flex instances");

/** Block and boot volumes together: 200 GB free per tenancy. */
export const FREE_BLOCK_GB = entry(200, "GB", ALWAYS_FREE, READ, "boot and block volumes combined");

/** Beyond the free 200 GB: storage plus the default Balanced performance (10 VPUs/GB at $0.0017 each). */
export const BLOCK_STORAGE_GB_MONTH = entry(0.0255, "GB-month", BLOCK_PRICING, READ);
export const BALANCED_VPU_GB_MONTH = entry(0.017, "GB-month", BLOCK_PRICING, READ, "10 VPUs per GB (Balanced, the boot-volume default)");

/** Object Storage: usage-based; 20 GB (Standard, Infrequent Access and Archive combined) free. */
export const OBJECT_STORAGE_FREE_GB = entry(20, "GB", ALWAYS_FREE, READ);

/** Vault: software-protected keys are free (HSM-protected: 20 key versions free). */
export const VAULT_SOFTWARE_KEY = entry(0, "month", ALWAYS_FREE, READ, "software-protected master encryption keys are Always Free");

export const A1_SHAPE = "VM.Standard.A1.Flex";
