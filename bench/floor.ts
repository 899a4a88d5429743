/**
 * The benchmark's floor: a trivial program that registers as many resources as the stack being
 * measured (BENCH_FLOOR_RESOURCES), through the same plan runner and mock runtime.
 */
import * as pulumi from "@pulumi/pulumi";

class Thing extends pulumi.CustomResource {
    constructor(name: string, index: number) {
        super("bench:index:Thing", name, { index });
    }
}

export = async () => {
    const count = Number(process.env.BENCH_FLOOR_RESOURCES ?? "0");
    for (let i = 0; i < count; i++) {
        new Thing(`thing-${i}`, i);
    }
    return {};
};
