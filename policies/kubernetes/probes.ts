/**
 * Probes: long-running servers tell Kubernetes when they are ready and when they are stuck.
 */
import { enforcement, PlatformResourceRule } from "../lib/rule";
import { podBearingTypes } from "../lib/podSpecs";
import { eachContainer } from "./common";

/** Kinds whose pods are long-running servers. Jobs, CronJobs, bare Pods and Spark pods run to completion. */
export const serverTypes: readonly string[] = [podBearingTypes.deployment, podBearingTypes.statefulSet, podBearingTypes.daemonSet];

export const serverProbes: PlatformResourceRule = {
    kind: "resource",
    family: "kubernetes",
    name: "server-probes",
    description:
        "Containers of long-running servers (Deployment, StatefulSet, DaemonSet) need a readinessProbe and a livenessProbe. " +
        "This covers containers and sidecar initContainers (restartPolicy Always); ordinary init and ephemeral containers " +
        "cannot have these probes and are not checked.",
    severity: "low",
    remediation: "Add readinessProbe and livenessProbe (httpGet, tcpSocket, grpc or exec) to every server container.",
    defaultEnforcement: enforcement.advisory,
    validateResource: (args, reportViolation) => {
        if (!serverTypes.includes(args.type)) return;
        eachContainer(args, ({ where, container }) => {
            const c = container.container;
            const runsAlongside = container.kind === "containers" || (container.kind === "initContainers" && c.restartPolicy === "Always");
            if (!runsAlongside) return;
            for (const probe of ["readinessProbe", "livenessProbe"]) {
                if (c[probe] === undefined || c[probe] === null) reportViolation(`${where}: ${probe} is missing`);
            }
        });
    },
};
