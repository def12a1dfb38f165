/**
 * The NVIDIA device plugin from its official chart: advertises `nvidia.com/gpu` on the GPU nodes.
 *
 * Values keys checked against NVIDIA/k8s-device-plugin deployments/helm/nvidia-device-plugin/
 * values.yaml (the 0.18 line on the main branch) and its daemonset and helper templates:
 * nodeSelector, affinity, tolerations, resources, securityContext, podSecurityContext,
 * priorityClassName, devicePlugin.enabled, gfd.enabled. The chart has no values schema.
 *
 * Privileges, checked in the chart's templates: the plugin is NOT privileged by default. With no
 * MIG strategy and no CPU-manager compatibility, its container gets no added capabilities; the
 * security context set here (no privilege escalation, drop ALL, seccomp RuntimeDefault, read-only
 * root) replaces the chart's and is used verbatim. What it cannot drop: it runs as root and
 * mounts hostPath directories (the kubelet's device-plugins socket directory, /var/run/cdi and the
 * MPS directories), because it registers through the root-owned kubelet socket. Its namespace
 * therefore cannot enforce the restricted or even the baseline Pod Security level (baseline forbids
 * hostPath); that is the one exception the platform accepts, confined to the GPU nodes.
 * gpu-feature-discovery stays off: the chart runs it privileged.
 *
 * The MPS control daemon: templates/daemonset-mps-control-daemon.yml renders a second DaemonSet
 * whenever devicePlugin.enabled is true, with privileged containers and hostPath volumes; no value
 * of the 0.18 chart turns it off alone. Its pods select nodes labelled nvidia.com/mps.capable=true,
 * which only gpu-feature-discovery sets when MPS sharing is configured; with gfd off and no node
 * group carrying that label, the DaemonSet exists but never runs a pod, and mps.enableHostPID is
 * turned off so it would not share the host's PID namespace either. The namespace's recorded
 * exemption and the pack's exemptions (policies/exemptions.ts) say so.
 *
 * Checked by rendering: the integration suite renders this chart (0.18.2, from the Go module proxy's
 * copy of the NVIDIA/k8s-device-plugin v0.18.2 tag) with these values and runs the policy pack over
 * the result; test/fixtures/charts holds that rendering for the unit tests.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { nodeRoleLabel } from "../config/nodeRoles";
import { onGpuNodes } from "../kubernetes/scheduling";
import { chartResources, pinnedChart } from "./charts";

/** The Helm release name; the chart names its DaemonSets after it. */
export const nvidiaDevicePluginRelease = "nvidia-device-plugin";

/** The node label the chart's MPS control daemon selects; no node of the platform carries it. */
export const mpsCapableNodeLabel = "nvidia.com/mps.capable";

/** Why the plugin's namespace enforces the privileged Pod Security level, recorded on it. */
export const nvidiaDevicePluginExemption =
    "The NVIDIA device plugin runs as root and mounts the kubelet's device-plugin socket (hostPath), but is not privileged. " +
    `The chart also renders the MPS control daemon DaemonSet, privileged with hostPath, which no value turns off; its pods need nodes labelled ${mpsCapableNodeLabel}=true, which no node here has, so none runs.`;

/** Inputs of NvidiaDevicePlugin; its values are fixed, so only the namespace. */
export interface NvidiaDevicePluginArgs {
    /** Namespace the plugin runs in (nvidia-device-plugin); it must exist. */
    readonly namespace: pulumi.Input<string>;
}

/** The chart values: pure, so tests check them directly. Always GPU nodes only. */
export function nvidiaDevicePluginValues(): Record<string, unknown> {
    const gpu = onGpuNodes(1, { nodeGroups: true }).placement;
    return {
        devicePlugin: { enabled: true },
        gfd: { enabled: false },
        // The MPS control daemon would share the host's PID namespace; it never runs here (see above).
        mps: { enableHostPID: false },
        nodeSelector: { ...gpu.nodeSelector },
        // Replaces the chart's default affinity, which wants node-feature-discovery labels.
        affinity: {
            nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: nodeRoleLabel, operator: "In", values: ["gpu"] }] }],
                },
            },
        },
        tolerations: (gpu.tolerations ?? []).map((t) => ({ ...t })),
        priorityClassName: "system-node-critical",
        resources: chartResources("50m", "64Mi", "128Mi"),
        podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            privileged: false,
            capabilities: { drop: ["ALL"] },
            readOnlyRootFilesystem: true,
            seccompProfile: { type: "RuntimeDefault" },
        },
    };
}

/** The NVIDIA device plugin chart: a DaemonSet on the GPU nodes that advertises nvidia.com/gpu. */
export class NvidiaDevicePlugin extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: NvidiaDevicePluginArgs, opts?: pulumi.ComponentResourceOptions) {
        super("spark-k8s:services:NvidiaDevicePlugin", name, {}, opts);
        this.chart = pinnedChart(name, "nvidiaDevicePlugin", { name: nvidiaDevicePluginRelease, namespace: args.namespace, values: nvidiaDevicePluginValues() }, { parent: this });
        this.registerOutputs({});
    }
}
