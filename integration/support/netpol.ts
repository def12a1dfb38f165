/**
 * np-guard's netpol-analyzer, a real analyzer of Kubernetes NetworkPolicy semantics, run on the
 * objects a stack writes. The CLI is built once from its Go module at a pinned version; the proxy
 * refuses the module's version list, which `go install module@version` reads (to look for a
 * deprecation), so the module is downloaded at the exact version and built in a copy of it.
 */
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { namespaces as platformNs } from "../../components/config/names";
import { FlowInputs, kubeDnsPods, workloadLabels } from "../../components/kubernetes/networkFlows";
import { decodeConfigValues, PlatformConfig, projectConfigValues, resolveConfig } from "../../components/config";
import { componentPlan } from "../../components/spark/scenarios";
import { externalSecretsFlows, externalSecretsPlan } from "../../components/services/externalSecrets";
import { loadStackConfig, StackRun } from "../../tools/harness";
import { cachedDirectory, cacheRoot, goEnv, run } from "./cache";
import { goModuleDir } from "./helm";
import { resourcesOfType } from "./artefacts";

/** The analyzer's module and release. */
export const netpolAnalyzer = { module: "github.com/np-guard/netpol-analyzer", version: "v1.2.0" } as const;

/** Builds (once) and returns the k8snetpolicy CLI. */
export function ensureNetpolAnalyzer(): string {
    const dir = cachedDirectory(path.join(cacheRoot, "tools", `netpol-analyzer-${netpolAnalyzer.version}`), (target) => {
        const src = path.join(target, "src");
        fs.cpSync(goModuleDir(netpolAnalyzer.module, netpolAnalyzer.version), src, { recursive: true });
        fs.chmodSync(src, 0o755);
        run("nice", ["-n", "10", "go", "build", "-trimpath", "-p", "2", "-o", path.join(target, "bin", "k8snetpolicy"), "./cmd/netpolicy"], {
            env: goEnv(),
            cwd: src,
            what: `go build ${netpolAnalyzer.module}@${netpolAnalyzer.version}/cmd/netpolicy`,
            timeout: 30 * 60 * 1000,
        });
        fs.rmSync(src, { recursive: true, force: true });
    });
    return path.join(dir, "bin", "k8snetpolicy");
}

/** A stack's resolved configuration with overrides of whole config keys, as stackArtefacts runs it. */
export function configOf(stack: string, overrides: Record<string, unknown> = {}): PlatformConfig {
    const file = loadStackConfig(stack);
    const values = { ...file.values };
    for (const [key, value] of Object.entries(overrides)) values[`${file.project}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    return resolveConfig(decodeConfigValues(projectConfigValues(values, file.project)), { stack, project: file.project, region: file.values["aws:region"] });
}

/** The flow table's inputs from a stack's configuration, as the base computes them for the context. */
export function flowInputsOf(config: PlatformConfig): FlowInputs {
    const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
    const aws = config.tier !== "local";
    const observability = config.services.observability;
    return {
        plan,
        jobNamespaces: config.spark.jobNamespaces,
        storage: aws ? "s3" : "minio",
        databaseInCluster: !aws,
        vpcCidr: aws ? config.network.vpcCidr : undefined,
        podIdentity: aws,
        observability: observability.enabled,
        tracing: observability.enabled && observability.tracing.enabled,
        gpuNamespace: plan.gpu && aws,
        jupyterhubOAuth: config.services.jupyterhub.authenticator === "github",
        airflowGitSync: config.services.airflow.gitSync.repo !== "",
        externalSecrets: externalSecretsFlows(externalSecretsPlan(config)),
        sealedSecrets: config.secrets.provider === "sealed-secrets",
    };
}

/** A pod as the analyzer reads it. */
export interface StandInPod {
    readonly name: string;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
}

const workloadTypes = ["Deployment", "StatefulSet", "DaemonSet", "Job"].map((k) => `kubernetes:${k === "Job" ? "batch" : "apps"}/v1:${k}`);

/**
 * A pod for each workload the program templates itself (labels from the stack run), and stand-ins
 * for pods others create, with the labels their creators give them: kube-dns, Spark drivers and
 * executors, the charts' pods.
 */
export function standInPods(stack: StackRun, inputs: FlowInputs): StandInPod[] {
    const out: StandInPod[] = [];
    for (const r of [...workloadTypes, "kubernetes:batch/v1:CronJob"].flatMap((t) => resourcesOfType(stack, t))) {
        const meta = r.inputs.metadata as { name?: string; namespace?: string } | undefined;
        const spec = r.inputs.spec as { template?: { metadata?: { labels?: Record<string, string> } }; jobTemplate?: { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } } };
        const labels = spec.template?.metadata?.labels ?? spec.jobTemplate?.spec?.template?.metadata?.labels ?? {};
        if (!meta?.namespace || !meta.name) continue;
        out.push({ name: meta.name, namespace: meta.namespace, labels });
    }
    out.push({ name: "coredns", namespace: kubeDnsPods.namespace, labels: kubeDnsPods.labels });
    for (const ns of inputs.jobNamespaces) {
        out.push({ name: "spark-driver", namespace: ns, labels: { ...workloadLabels.driver, "spark-app-selector": "spark-0" } });
        out.push({ name: "spark-executor", namespace: ns, labels: { ...workloadLabels.executor, "spark-app-selector": "spark-0" } });
    }
    if (inputs.gpuNamespace) {
        out.push({ name: "nvidia-device-plugin", namespace: platformNs.gpu, labels: { "app.kubernetes.io/name": "nvidia-device-plugin" } });
    }
    if (inputs.plan.jupyterhub.enabled) {
        out.push({ name: "hub", namespace: platformNs.jupyterhub, labels: { app: "jupyterhub", ...workloadLabels.hub } });
        out.push({ name: "proxy", namespace: platformNs.jupyterhub, labels: { app: "jupyterhub", ...workloadLabels.proxy } });
        out.push({ name: "jupyter-alice", namespace: platformNs.jupyterhub, labels: { app: "jupyterhub", ...workloadLabels.notebook } });
    }
    if (inputs.plan.airflow.enabled) {
        out.push({ name: "airflow-scheduler", namespace: platformNs.airflow, labels: { tier: "airflow", component: "scheduler" } });
        out.push({ name: "airflow-statsd", namespace: platformNs.airflow, labels: { tier: "airflow", component: "statsd" } });
    }
    if (inputs.plan.sparkOperator) {
        out.push({ name: "spark-operator-controller", namespace: platformNs.operator, labels: { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "controller" } });
        out.push({ name: "spark-operator-webhook", namespace: platformNs.operator, labels: { "app.kubernetes.io/name": "spark-operator", "app.kubernetes.io/component": "webhook" } });
    }
    if (inputs.externalSecrets) {
        // External Secrets chart 1.3.2 selector labels (templates/_helpers.tpl), release external-secrets.
        for (const name of ["external-secrets", "external-secrets-webhook", "external-secrets-cert-controller"]) {
            out.push({ name, namespace: platformNs.externalSecrets, labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "external-secrets" } });
        }
    }
    if (inputs.sealedSecrets) {
        out.push({ name: "sealed-secrets-controller", namespace: platformNs.sealedSecrets, labels: { "app.kubernetes.io/name": "sealed-secrets", "app.kubernetes.io/instance": "sealed-secrets" } });
    }
    if (inputs.observability) {
        out.push({ name: "prometheus", namespace: platformNs.monitoring, labels: { ...workloadLabels.prometheus } });
        out.push({ name: "grafana", namespace: platformNs.monitoring, labels: { "app.kubernetes.io/name": "grafana" } });
        out.push({ name: "node-exporter", namespace: platformNs.nodeExporter, labels: { "app.kubernetes.io/name": "prometheus-node-exporter" } });
    }
    return out;
}

/** Writes the namespaces, pods and the stack's NetworkPolicies into a directory the analyzer reads. */
export function writeAnalyzerInput(dir: string, stack: StackRun, pods: readonly StandInPod[]): void {
    fs.mkdirSync(dir, { recursive: true });
    const names = new Set<string>(pods.map((p) => p.namespace));
    for (const ns of resourcesOfType(stack, "kubernetes:core/v1:Namespace")) names.add((ns.inputs.metadata as { name: string }).name);
    const docs: unknown[] = [...names].sort().map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { "kubernetes.io/metadata.name": name } } }));
    for (const p of pods) {
        docs.push({ apiVersion: "v1", kind: "Pod", metadata: { name: p.name, namespace: p.namespace, labels: { ...p.labels } }, spec: { containers: [{ name: "main", image: "stand-in" }] } });
    }
    for (const np of resourcesOfType(stack, "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
        docs.push({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: np.inputs.metadata, spec: np.inputs.spec });
    }
    fs.writeFileSync(path.join(dir, "objects.yaml"), docs.map((d) => stringify(d)).join("---\n"));
}

/** One end of a connection the analyzer evaluates: a pod, or an address outside the cluster. */
export type Endpoint = { readonly pod: StandInPod } | { readonly ip: string };

/**
 * Whether the analyzer allows a connection from `from` to `to` on a protocol and port: its eval
 * command, or, from an address to a pod, its connectivity list (eval 1.2.0 refuses a source
 * address unless the destination is one too).
 */
export function allowed(analyzer: string, dir: string, from: Endpoint, to: Endpoint, protocol: "TCP" | "UDP", port: number): boolean {
    if ("ip" in from && "pod" in to) return listAllows(connectivityList(analyzer, dir), from.ip, to.pod, protocol, port);
    const args = ["eval", "--dirpath", dir, "--protocol", protocol.toLowerCase(), "-p", String(port)];
    if ("pod" in from) args.push("-s", from.pod.name, "-n", from.pod.namespace);
    else args.push("--source-ip", from.ip);
    if ("pod" in to) args.push("-d", to.pod.name, "--destination-namespace", to.pod.namespace);
    else args.push("--destination-ip", to.ip);
    const out = run(analyzer, args, { what: `k8snetpolicy ${args.join(" ")}` }).trim();
    const verdict = /: (true|false)\s*$/.exec(out);
    if (!verdict) throw new Error(`k8snetpolicy ${args.join(" ")}: no verdict in\n${out}`);
    return verdict[1] === "true";
}

/** A row of the analyzer's connectivity list: `ns/name[Pod]` or an address range `a-b`, and what is allowed. */
export interface ConnectivityRow {
    readonly src: string;
    readonly dst: string;
    readonly conn: string;
}

const lists = new Map<string, ConnectivityRow[]>();

/** The analyzer's list of allowed connections between the directory's pods and addresses (once per directory). */
export function connectivityList(analyzer: string, dir: string): ConnectivityRow[] {
    let rows = lists.get(dir);
    if (!rows) {
        rows = JSON.parse(run(analyzer, ["list", "--dirpath", dir, "-o", "json"], { what: "k8snetpolicy list" })) as ConnectivityRow[];
        lists.set(dir, rows);
    }
    return rows;
}

const ipNumber = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);

/** Whether a connection string of the list ("All Connections", "TCP 53,UDP 53", "TCP 1-65535") covers a port. */
export function connCovers(conn: string, protocol: "TCP" | "UDP", port: number): boolean {
    if (conn === "All Connections") return true;
    let current = "";
    for (const token of conn.split(",").map((t) => t.trim())) {
        const m = /^(TCP|UDP|SCTP) (.+)$/.exec(token);
        const item = m ? m[2] : token;
        if (m) current = m[1];
        const [lo, hi] = item.split("-").map(Number);
        if (current === protocol && port >= lo && port <= (hi ?? lo)) return true;
    }
    return false;
}

function listAllows(rows: readonly ConnectivityRow[], ip: string, to: StandInPod, protocol: "TCP" | "UDP", port: number): boolean {
    const n = ipNumber(ip);
    return rows.some((r) => {
        if (r.dst !== `${to.namespace}/${to.name}[Pod]`) return false;
        const range = /^(\d+\.\d+\.\d+\.\d+)-(\d+\.\d+\.\d+\.\d+)$/.exec(r.src);
        return range !== null && n >= ipNumber(range[1]) && n <= ipNumber(range[2]) && connCovers(r.conn, protocol, port);
    });
}
