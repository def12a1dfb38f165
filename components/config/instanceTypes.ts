/**
 * The EC2 instance types the platform knows the shape of. Node groups may only use these, so that
 * validation can check GPU placement and executor shape, and Spark sizing can derive executor
 * cores and memory from the node a pod lands on.
 */
export interface InstanceShape {
    /** EC2 instance type, such as m6i.xlarge. */
    readonly name: string;
    /** vCPUs of the instance. */
    readonly vcpu: number;
    /** Nominal memory in GiB as EC2 lists it; the node reports somewhat less. */
    readonly memoryGiB: number;
    /** NVIDIA GPUs on the instance; 0 for CPU-only types. */
    readonly gpus: number;
    /** Pods the EKS AMI allows with the VPC CNI without prefix delegation (ENIs × (IPs − 1) + 2). */
    readonly maxPods: number;
}

/** GiB of memory per vCPU for each general-purpose family. */
const cpuFamilies: Record<string, number> = {
    m5: 4, m5a: 4, m6i: 4, m6a: 4, m7i: 4, m7a: 4,
    r5: 8, r5a: 8, r6i: 8, r6a: 8, r7i: 8, r7a: 8,
    c5: 2, c5a: 2, c6i: 2, c6a: 2, c7i: 2, c7a: 2,
};

/** Sizes a family does not come in, though the table below lists them for the others. */
const missingSizes: Record<string, string[]> = { c5: ["8xlarge", "16xlarge"] };

/** vCPUs and ENI-based max pods per size, the same across the families above. */
const cpuSizes: Record<string, { vcpu: number; maxPods: number }> = {
    large: { vcpu: 2, maxPods: 29 },
    xlarge: { vcpu: 4, maxPods: 58 },
    "2xlarge": { vcpu: 8, maxPods: 58 },
    "4xlarge": { vcpu: 16, maxPods: 234 },
    "8xlarge": { vcpu: 32, maxPods: 234 },
    "12xlarge": { vcpu: 48, maxPods: 234 },
    "16xlarge": { vcpu: 64, maxPods: 737 },
};

const gpuTypes: InstanceShape[] = [
    { name: "g4dn.xlarge", vcpu: 4, memoryGiB: 16, gpus: 1, maxPods: 29 },
    { name: "g4dn.2xlarge", vcpu: 8, memoryGiB: 32, gpus: 1, maxPods: 29 },
    { name: "g4dn.4xlarge", vcpu: 16, memoryGiB: 64, gpus: 1, maxPods: 29 },
    { name: "g4dn.12xlarge", vcpu: 48, memoryGiB: 192, gpus: 4, maxPods: 234 },
    { name: "g5.xlarge", vcpu: 4, memoryGiB: 16, gpus: 1, maxPods: 58 },
    { name: "g5.2xlarge", vcpu: 8, memoryGiB: 32, gpus: 1, maxPods: 58 },
    { name: "g5.4xlarge", vcpu: 16, memoryGiB: 64, gpus: 1, maxPods: 234 },
    { name: "g5.12xlarge", vcpu: 48, memoryGiB: 192, gpus: 4, maxPods: 737 },
    { name: "g6.xlarge", vcpu: 4, memoryGiB: 16, gpus: 1, maxPods: 58 },
    { name: "g6.2xlarge", vcpu: 8, memoryGiB: 32, gpus: 1, maxPods: 58 },
    { name: "g6.4xlarge", vcpu: 16, memoryGiB: 64, gpus: 1, maxPods: 234 },
    { name: "g6.12xlarge", vcpu: 48, memoryGiB: 192, gpus: 4, maxPods: 234 },
];

const catalogue: ReadonlyMap<string, InstanceShape> = new Map(
    [
        ...Object.entries(cpuFamilies).flatMap(([family, gibPerVcpu]) =>
            Object.entries(cpuSizes).filter(([size]) => !missingSizes[family]?.includes(size)).map(([size, s]) => ({
                name: `${family}.${size}`,
                vcpu: s.vcpu,
                memoryGiB: s.vcpu * gibPerVcpu,
                gpus: 0,
                maxPods: s.maxPods,
            })),
        ),
        ...gpuTypes,
    ].map((shape) => [shape.name, shape]),
);

/** The shape of an instance type, or undefined when the platform does not know it. */
export function instanceShape(name: string): InstanceShape | undefined {
    return catalogue.get(name);
}

/** The families (the part before the dot) the catalogue knows, for error messages. */
export function knownFamilies(): string[] {
    return [...new Set([...catalogue.keys()].map((n) => n.split(".")[0]))];
}
