/**
 * EC2 instance types Groundwork knows how to place: accelerators, CPUs, memory, architecture, and
 * the regions that offer them.
 *
 * Sources (read 2026-11-25): AWS, "Amazon EC2 instance types" specifications pages (accelerated
 * computing, general purpose); regional offerings as listed on each family's product page. AWS adds
 * regions often: `aws ec2 describe-instance-type-offerings --location-type region --filters
 * Name=instance-type,Values=<type> --region <region>` is the authority, and a region missing here
 * can be allowed with `groundwork:aws.allowUnlistedOffering: true`.
 */
export interface InstanceType {
    vcpus: number;
    memoryGib: number;
    arch: "x86_64" | "arm64";
    gpus: number;
    gpuModel?: string;
    gpuMemoryGib?: number;
}

/**
 * CUDA compute capability of each GPU model in the table (NVIDIA, "CUDA GPUs",
 * developer.nvidia.com/cuda-gpus, read 2026-11-28): T4 is Turing 7.5; the rest are Ampere or newer.
 * vLLM refuses bfloat16 below 8.0 ("Bfloat16 is only supported on GPUs with compute capability of
 * at least 8.0", vllm `_check_if_gpu_supports_dtype`).
 */
export const GPU_COMPUTE_CAPABILITY: Record<string, number> = { T4: 7.5, A10G: 8.6, L4: 8.9, L40S: 8.9, A100: 8.0, H100: 9.0 };

const NORTH_AMERICA_EU_TOKYO = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"];

/** Regions per family, conservative (where the family has been offered for years). */
export const FAMILY_REGIONS: Record<string, readonly string[]> = {
    g4dn: [...NORTH_AMERICA_EU_TOKYO, "us-west-1", "ca-central-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "sa-east-1"],
    g5: [...NORTH_AMERICA_EU_TOKYO, "ca-central-1", "eu-west-2", "eu-north-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2"],
    g6: [...NORTH_AMERICA_EU_TOKYO.filter((r) => r !== "eu-west-1"), "eu-west-2", "ap-south-1"],
    g6e: ["us-east-1", "us-east-2", "us-west-2", "ap-northeast-1"],
    p4d: ["us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-1", "ap-northeast-2"],
    p5: ["us-east-1", "us-east-2", "us-west-2", "ap-northeast-1"],
    m7i: [...NORTH_AMERICA_EU_TOKYO, "us-west-1", "ca-central-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "sa-east-1"],
    m7g: [...NORTH_AMERICA_EU_TOKYO, "us-west-1", "ca-central-1", "eu-west-2", "eu-north-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2"],
    t3: [...NORTH_AMERICA_EU_TOKYO, "us-west-1", "ca-central-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "sa-east-1"],
};

export const INSTANCE_TYPES: Record<string, InstanceType> = {
    "g4dn.xlarge": { vcpus: 4, memoryGib: 16, arch: "x86_64", gpus: 1, gpuModel: "T4", gpuMemoryGib: 16 },
    "g4dn.2xlarge": { vcpus: 8, memoryGib: 32, arch: "x86_64", gpus: 1, gpuModel: "T4", gpuMemoryGib: 16 },
    "g4dn.12xlarge": { vcpus: 48, memoryGib: 192, arch: "x86_64", gpus: 4, gpuModel: "T4", gpuMemoryGib: 16 },
    "g5.xlarge": { vcpus: 4, memoryGib: 16, arch: "x86_64", gpus: 1, gpuModel: "A10G", gpuMemoryGib: 24 },
    "g5.2xlarge": { vcpus: 8, memoryGib: 32, arch: "x86_64", gpus: 1, gpuModel: "A10G", gpuMemoryGib: 24 },
    "g5.4xlarge": { vcpus: 16, memoryGib: 64, arch: "x86_64", gpus: 1, gpuModel: "A10G", gpuMemoryGib: 24 },
    "g5.12xlarge": { vcpus: 48, memoryGib: 192, arch: "x86_64", gpus: 4, gpuModel: "A10G", gpuMemoryGib: 24 },
    "g5.48xlarge": { vcpus: 192, memoryGib: 768, arch: "x86_64", gpus: 8, gpuModel: "A10G", gpuMemoryGib: 24 },
    "g6.xlarge": { vcpus: 4, memoryGib: 16, arch: "x86_64", gpus: 1, gpuModel: "L4", gpuMemoryGib: 24 },
    "g6.12xlarge": { vcpus: 48, memoryGib: 192, arch: "x86_64", gpus: 4, gpuModel: "L4", gpuMemoryGib: 24 },
    "g6e.xlarge": { vcpus: 4, memoryGib: 32, arch: "x86_64", gpus: 1, gpuModel: "L40S", gpuMemoryGib: 48 },
    "g6e.12xlarge": { vcpus: 48, memoryGib: 384, arch: "x86_64", gpus: 4, gpuModel: "L40S", gpuMemoryGib: 48 },
    "p4d.24xlarge": { vcpus: 96, memoryGib: 1152, arch: "x86_64", gpus: 8, gpuModel: "A100", gpuMemoryGib: 40 },
    "p5.48xlarge": { vcpus: 192, memoryGib: 2048, arch: "x86_64", gpus: 8, gpuModel: "H100", gpuMemoryGib: 80 },
    "m7i.large": { vcpus: 2, memoryGib: 8, arch: "x86_64", gpus: 0 },
    "m7i.xlarge": { vcpus: 4, memoryGib: 16, arch: "x86_64", gpus: 0 },
    "m7i.2xlarge": { vcpus: 8, memoryGib: 32, arch: "x86_64", gpus: 0 },
    "m7g.large": { vcpus: 2, memoryGib: 8, arch: "arm64", gpus: 0 },
    "m7g.xlarge": { vcpus: 4, memoryGib: 16, arch: "arm64", gpus: 0 },
    "t3.large": { vcpus: 2, memoryGib: 8, arch: "x86_64", gpus: 0 },
    "t3.xlarge": { vcpus: 4, memoryGib: 16, arch: "x86_64", gpus: 0 },
};

export function familyOf(instanceType: string): string {
    return instanceType.split(".")[0];
}

/** True if the table lists `instanceType` as offered in `region`. */
export function offeredIn(instanceType: string, region: string): boolean {
    return FAMILY_REGIONS[familyOf(instanceType)]?.includes(region) ?? false;
}

/**
 * AWS commercial regions Groundwork accepts.
 * Source: AWS, "Regions and Availability Zones" (docs.aws.amazon.com/global-infrastructure), read 2026-11-25.
 */
export const AWS_REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "sa-east-1", "mx-central-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
    "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7", "ap-east-1", "me-south-1", "me-central-1",
    "il-central-1", "af-south-1",
] as const;
