/**
 * What the platform asks of its nodes: the CPU and memory requests of every pod it runs, so a
 * stack can be checked against the capacity it has before anything is deployed.
 */

export interface Requests {
    cpuMillis: number;
    memoryMi: number;
}

/** Container resources as charts take them. */
export interface ContainerResources {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
}

/** One kind of pod: how many run (or one per node) and what each requests. */
export interface Footprint {
    workload: string;
    pods: number | "per-node";
    perPod: Requests;
}

/** Parses a Kubernetes CPU quantity (`100m`, `1`, `0.5`) into millicores. */
export function cpuMillis(quantity: string): number {
    return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** Parses a Kubernetes memory quantity (`256Mi`, `1Gi`) into MiB. */
export function memoryMi(quantity: string): number {
    const units: Record<string, number> = { Mi: 1, Gi: 1024, Ki: 1 / 1024 };
    const unit = Object.keys(units).find((u) => quantity.endsWith(u));
    if (!unit) {
        throw new Error(`memory quantity ${quantity}: use Ki, Mi or Gi`);
    }
    return Number(quantity.slice(0, -unit.length)) * units[unit];
}

export function requestsOf(resources: ContainerResources): Requests {
    return { cpuMillis: cpuMillis(resources.requests.cpu), memoryMi: memoryMi(resources.requests.memory) };
}

export function add(...all: Requests[]): Requests {
    return all.reduce((a, b) => ({ cpuMillis: a.cpuMillis + b.cpuMillis, memoryMi: a.memoryMi + b.memoryMi }), { cpuMillis: 0, memoryMi: 0 });
}

/** The total a set of pods requests on a cluster of `nodes` nodes. */
export function totalRequests(footprints: Footprint[], nodes: number): Requests {
    return add(...footprints.map((f) => {
        const pods = f.pods === "per-node" ? nodes : f.pods;
        return { cpuMillis: f.perPod.cpuMillis * pods, memoryMi: f.perPod.memoryMi * pods };
    }));
}
