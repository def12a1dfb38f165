/** Pod templates Spark reads for the pods it creates itself (executors). Pure. */
import * as k8s from "@pulumi/kubernetes";
import { hardenPodSpec, sparkUserId } from "../kubernetes/hardening";
import { GpuScheduling, Placement } from "../kubernetes/scheduling";
import { ExecutorSizing } from "./sizing";
import { executorTerminationGracePeriodSeconds } from "./sparkDefaults";
import { priorityClassName } from "../kubernetes/priorities";

/** Spark takes the container of this name from the template (spark.kubernetes.executor.podTemplateContainerName). */
export const executorContainerName = "spark-kubernetes-executor";

/** Directories Spark executors write to; everything else is read-only. */
export const sparkWritablePaths = ["/tmp", "/opt/spark/work-dir"];

/** Inputs of executorPodTemplate: image, size, placement and environment of the executors. */
export interface ExecutorTemplateArgs {
    /** Spark image of the executors: the line's, or the RAPIDS image for GPU executors; pinned. */
    readonly image: string;
    /** Executor size; the pod requests requestCoresMillis of CPU and podMemoryMiB of memory. */
    readonly sizing: ExecutorSizing;
    /** Where executors run: the spot executor group, or the GPU group with its GPU limit. */
    readonly placement: Placement;
    /** GPU node placement and GPU limits; when set, it replaces placement. */
    readonly gpu?: GpuScheduling;
    /** Environment every executor needs (e.g. MinIO credentials on the local tier). */
    readonly env?: k8s.types.input.core.v1.EnvVar[];
    /** Annotations of every executor pod (PlatformContext.executorAnnotations). */
    readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The executor pod template: hardened like every pod the platform writes, with requests and limits
 * equal to what the Spark conf asks for, so policies reading the template see the real pod.
 */
export function executorPodTemplate(a: ExecutorTemplateArgs): k8s.types.input.core.v1.Pod {
    const s = a.sizing;
    const memory = `${s.podMemoryMiB}Mi`;
    const gpuLimits = a.gpu ? a.gpu.limits : {};
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            labels: { "app.kubernetes.io/part-of": "spark-k8s", "spark-k8s/role": "executor" },
            ...(a.annotations && Object.keys(a.annotations).length > 0 ? { annotations: { ...a.annotations } } : {}),
        },
        spec: hardenPodSpec({
            containers: [
                {
                    name: executorContainerName,
                    image: a.image,
                    env: a.env,
                    resources: {
                        requests: { cpu: `${s.requestCoresMillis}m`, memory, ...gpuLimits },
                        limits: { memory, ...gpuLimits },
                    },
                    writablePaths: sparkWritablePaths,
                },
            ],
            runAsUser: sparkUserId,
            // Spark keeps the template's spec fields it does not set itself, priorityClassName among them.
            priorityClassName: priorityClassName("executor"),
            restartPolicy: "Never",
            // Spark 3.5 keeps it; 4.1+ overrides it with its own key, set to the same value in sparkDefaults.
            terminationGracePeriodSeconds: executorTerminationGracePeriodSeconds,
            ...(a.gpu ? a.gpu.placement : a.placement),
        }),
    };
}
