/**
 * The pods the platform keeps running on driver, executor and GPU nodes whether or not a job runs,
 * and what each requests. Pure: the Connect and standalone components build their pod specs from
 * these requests, config validation checks that each fits its node, and the cost estimate counts
 * the nodes they hold up.
 */
import { NodeGroupRole, SparkConfig } from "../config/schema";
import { ComponentPlan, connectServers } from "./scenarios";
import { Resources } from "./sizing";

/** What a Connect server's pod requests: the driver's cores and its whole memory (the limit too). */
export function connectPodRequests(driver: { readonly cores: number; readonly memoryMiB: number }): Resources {
    return { cpuMillis: driver.cores * 1000, memoryMiB: driver.memoryMiB };
}

/** Memory a worker pod needs beyond what it offers executors: the worker JVM and off-heap. */
export const workerDaemonMemoryMiB = 1024;

/** What the master pod and each worker pod of a line's standalone cluster request (memory limits too). */
export function standalonePodRequests(s: { readonly workerCores: number; readonly workerMemoryMiB: number }): { master: Resources; worker: Resources } {
    return {
        master: { cpuMillis: 500, memoryMiB: 1024 },
        worker: { cpuMillis: s.workerCores * 1000, memoryMiB: s.workerMemoryMiB + workerDaemonMemoryMiB },
    };
}

/** A pod the platform keeps running on a node role. */
export interface PinnedPod extends Resources {
    /** Which pod, for messages. */
    readonly name: string;
    /** The node group it runs on. */
    readonly role: NodeGroupRole;
    /** The config keys that size it, for messages. */
    readonly sizedBy: string;
}

/**
 * Each Connect server on the driver group; with a standalone backend each line's master there and
 * its workers on the executor group (the GPU group with the gpu preset). System-group services are
 * not listed.
 */
export function pinnedPods(spark: Pick<SparkConfig, "connect" | "standalone">, plan: Pick<ComponentPlan, "connect" | "gpu">): PinnedPod[] {
    const connect = connectPodRequests({ cores: spark.connect.driverCores, memoryMiB: spark.connect.driverMemoryMiB });
    const pods: PinnedPod[] = connectServers(plan).map((s) => ({ name: `spark-connect-${s.version} (${s.backend})`, role: "driver", sizedBy: "spark.connect", ...connect }));
    if (plan.connect.backends.includes("standalone")) {
        const requests = standalonePodRequests(spark.standalone);
        for (const version of plan.connect.versions) {
            pods.push({ name: `spark-master-${version}`, role: "driver", sizedBy: "spark.standalone", ...requests.master });
            for (let i = 0; i < spark.standalone.workers; i++) {
                pods.push({ name: `spark-worker-${version}`, role: plan.gpu ? "gpu" : "executor", sizedBy: "spark.standalone", ...requests.worker });
            }
        }
    }
    return pods;
}
