/**
 * Every exemption the pack grants, one per workload and reason (see policies/lib/exemptions.ts).
 * Workload names are what the pinned charts render for the release names the program passes; each
 * entry cites the template that names it. The host-access entries are checked by rendering the
 * real chart in the integration suite; policies/config.ts hands each to the rules it waives.
 */
import { namespaces } from "../components/config/names";
import { airflowRelease } from "../components/services/airflow";
import { charts } from "../components/services/charts";
import { clusterAutoscalerDeployment, clusterAutoscalerRelease } from "../components/services/clusterAutoscaler";
import { externalSecretsRelease } from "../components/services/externalSecrets";
import { mpsCapableNodeLabel, nvidiaDevicePluginRelease } from "../components/services/nvidiaDevicePlugin";
import { nodeExporterDaemonSet } from "../components/services/monitoring";
import { Exemption } from "./lib/exemptions";

const devicePlugin = `NVIDIA device plugin ${charts.nvidiaDevicePlugin.version}`;
const airflow = `Airflow chart ${charts.airflow.version}`;
const autoscaler = `cluster-autoscaler chart ${charts.clusterAutoscaler.version}`;
const nodeExporter = `node-exporter of kube-prometheus-stack ${charts.kubePrometheusStack.version}`;
const externalSecrets = `External Secrets chart ${charts.externalSecrets.version}`;

const noProbeReason = (what: string) =>
    `${what} The rule is advisory; the exemption says so instead of leaving a finding nobody can act on.`;

export const exemptions: readonly Exemption[] = [
    // templates/daemonset-device-plugin.yml: the DaemonSet is named after the release (fullname).
    {
        component: devicePlugin,
        namespace: namespaces.gpu,
        kind: "DaemonSet",
        name: nvidiaDevicePluginRelease,
        rules: ["no-host-path-volumes", "restricted-volume-types", "run-as-non-root"],
        reason:
            "The plugin registers with the kubelet through its root-owned socket directory (/var/lib/kubelet/device-plugins) and writes CDI specs " +
            "and MPS state on the host (/var/run/cdi, /run/nvidia/mps): hostPath volumes, as root. It is not privileged, drops every capability " +
            "and cannot escalate; it runs on the GPU nodes only.",
    },
    {
        component: devicePlugin,
        namespace: namespaces.gpu,
        kind: "DaemonSet",
        name: nvidiaDevicePluginRelease,
        rules: ["server-probes"],
        reason: noProbeReason("The chart's device plugin container has no probe fields; the plugin serves gRPC on a unix socket for the kubelet only."),
    },
    // templates/daemonset-mps-control-daemon.yml: "<fullname>-mps-control-daemon", rendered whenever devicePlugin.enabled is true.
    {
        component: devicePlugin,
        namespace: namespaces.gpu,
        kind: "DaemonSet",
        name: `${nvidiaDevicePluginRelease}-mps-control-daemon`,
        rules: ["no-privileged-containers", "capabilities-drop-all", "no-privilege-escalation", "run-as-non-root", "no-host-path-volumes", "restricted-volume-types", "server-probes"],
        reason:
            "The chart renders the MPS control daemon whenever the plugin is enabled, with a privileged init container and hostPath volumes, and no value " +
            `turns it off alone. Its pods select nodes labelled ${mpsCapableNodeLabel}=true, which only gpu-feature-discovery sets (off here), so no pod of it ever runs; ` +
            "hostPID is turned off (mps.enableHostPID false).",
    },
    // chart/templates/scheduler/scheduler-deployment.yaml, triggerer/triggerer-deployment.yaml, dag-processor/dag-processor-deployment.yaml: "<release>-<component>".
    ...(["scheduler", "triggerer", "dag-processor"] as const).map((component) => ({
        component: airflow,
        namespace: namespaces.airflow,
        kind: "Deployment",
        name: `${airflowRelease}-${component}`,
        rules: ["server-probes"],
        reason: noProbeReason(
            `The chart gives the ${component} a liveness probe (and the scheduler a startup probe) but has no readiness probe field for it, and none for its log-groomer sidecar; ` +
                `the ${component} serves no traffic, so readiness gates nothing.`,
        ),
    })),
    // prometheus-node-exporter's templates/daemonset.yaml names the DaemonSet with the subchart's fullname ("<release>-prometheus-node-exporter").
    {
        component: nodeExporter,
        namespace: nodeExporterDaemonSet.namespace,
        kind: "DaemonSet",
        name: nodeExporterDaemonSet.name,
        rules: ["no-host-namespaces", "no-host-ports", "no-host-path-volumes", "restricted-volume-types"],
        reason:
            "node-exporter reports the node itself: it shares the host's network and PID namespaces (so its port 9100 is a host port) and mounts " +
            "the host's root, /proc and /sys read-only. It runs as a non-root user, drops every capability and cannot escalate.",
    },
    // charts/cluster-autoscaler/templates/deployment.yaml names the Deployment with the chart's fullname.
    {
        component: autoscaler,
        namespace: clusterAutoscalerRelease.namespace,
        kind: "Deployment",
        name: clusterAutoscalerDeployment,
        rules: ["server-probes"],
        reason: noProbeReason("The chart gives the autoscaler a liveness probe on /health-check and has no readiness probe field; it serves no traffic."),
    },
    // deploy/charts/external-secrets/templates/deployment.yaml, webhook-deployment.yaml and
    // cert-controller-deployment.yaml: "<fullname>", "<fullname>-webhook", "<fullname>-cert-controller".
    {
        component: externalSecrets,
        namespace: externalSecretsRelease.namespace,
        kind: "Deployment",
        name: externalSecretsRelease.name,
        rules: ["server-probes"],
        reason: noProbeReason("The chart gives the controller a liveness probe on /healthz (switched on) and has no readiness probe field; it serves no traffic."),
    },
    ...(["webhook", "cert-controller"] as const).map((component) => ({
        component: externalSecrets,
        namespace: externalSecretsRelease.namespace,
        kind: "Deployment",
        name: `${externalSecretsRelease.name}-${component}`,
        rules: ["server-probes"],
        reason: noProbeReason(`The chart gives the ${component} a readiness probe on its healthz port and has no liveness probe field.`),
    })),
];
