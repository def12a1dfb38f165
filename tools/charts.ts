/**
 * Helm charts as a preview sees them: a Helm v4 Chart resource of the plan, rendered with the
 * values and release the program passes, becomes the objects it registers, each a plan resource
 * under the chart. The policy pack can then run over them as it does in a real preview.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { parseAllDocuments } from "yaml";
import { chartLocation, ChartRef, charts } from "../components/services/charts";
import { PlanResource, repoRoot } from "./harness";
import { planTypes } from "./planSummary";

/** What a plan's Chart resource asks Helm for. */
export interface ChartRelease {
    readonly chart: string;
    readonly version: string;
    /** Release name; the program always sets one. */
    readonly name: string;
    readonly namespace: string;
    readonly values: Record<string, unknown>;
}

/** The release a Chart resource of the plan describes; an error names what is missing. */
export function chartRelease(resource: PlanResource): ChartRelease {
    const i = resource.inputs as Partial<ChartRelease>;
    for (const key of ["chart", "version", "name", "namespace"] as const) {
        if (typeof i[key] !== "string" || i[key] === "") throw new Error(`${resource.name}: the Chart has no ${key}`);
    }
    return { chart: i.chart!, version: i.version!, name: i.name!, namespace: i.namespace!, values: (i.values ?? {}) };
}

/** Kinds that live outside namespaces: Helm leaves their namespace unset and so does the plan. */
const clusterScoped = new Set([
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PriorityClass", "StorageClass",
    "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "PersistentVolume", "RuntimeClass", "APIService",
]);

/** "kubernetes:apps/v1:DaemonSet" for apiVersion apps/v1, kind DaemonSet; the core group is "core". */
export function kubernetesType(apiVersion: string, kind: string): string {
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/**
 * The objects of a rendering as plan resources under the chart: a namespaced object without a
 * namespace gets the release's, as the Chart resource sets it; each is named "<chart name>:<namespace>/<name>".
 */
export function renderedResources(manifest: string, chart: PlanResource, release: Pick<ChartRelease, "namespace">): PlanResource[] {
    return parseAllDocuments(manifest)
        .map((doc) => doc.toJS() as unknown)
        .filter((o): o is { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } => {
            const x = o as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } } | null;
            return typeof x?.apiVersion === "string" && typeof x.kind === "string" && typeof x.metadata?.name === "string";
        })
        .map((o) => {
            const namespace = o.metadata.namespace ?? (clusterScoped.has(o.kind) ? undefined : release.namespace);
            const object = namespace === undefined ? o : { ...o, metadata: { ...o.metadata, namespace } };
            const type = kubernetesType(o.apiVersion, o.kind);
            const name = `${chart.name}:${namespace ? `${namespace}/` : ""}${o.metadata.name}`;
            const urn = `${chart.urn.split("::").slice(0, 2).join("::")}::${chart.urn.split("::")[2]}$${type}::${name}`;
            return { urn, type, name, parent: chart.urn, custom: true, provider: chart.provider, inputs: object };
        });
}

/**
 * `helm template` of a chart directory with the release's name, namespace and values (CRDs
 * included, as the Chart resource installs them). Throws with Helm's message when it fails.
 */
export function helmTemplate(helm: string, chartDir: string, release: ChartRelease): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-chart-"));
    try {
        const valuesFile = path.join(dir, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(release.values));
        const run = spawnSync(helm, ["template", release.name, chartDir, "--namespace", release.namespace, "--include-crds", "--values", valuesFile], { encoding: "utf8", timeout: 120000, maxBuffer: 256 * 1024 * 1024 });
        if (run.status !== 0) throw new Error(`helm template ${release.chart} ${release.version}: ${run.error?.message ?? run.stderr.trim()}`);
        return run.stdout;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The helm binary the tools run: $HELM, else helm on PATH. */
export const helmBinary = (): string => process.env.HELM ?? "helm";

/** Where a chart of a charts directory is: `<chart>-<version>.tgz` as `helm pull` saves it, or an unpacked `<chart>-<version>/`. */
export function chartSource(chartsDir: string, release: Pick<ChartRelease, "chart" | "version">): string | undefined {
    // An OCI chart (oci://registry/path/<chart>) is saved under its last path segment.
    const base = path.join(chartsDir, `${path.posix.basename(release.chart)}-${release.version}`);
    if (fs.existsSync(`${base}.tgz`)) return `${base}.tgz`;
    if (fs.existsSync(path.join(base, "Chart.yaml"))) return base;
    return undefined;
}

/** The plan's charts rendered from a charts directory: the objects, and which charts were or were not rendered. */
export interface RenderedCharts {
    readonly resources: PlanResource[];
    /** "jupyterhub@4.4.0" for each chart rendered. */
    readonly rendered: string[];
    /** Each chart not rendered, with the file it looked for. */
    readonly missing: string[];
}

/** Renders every Chart resource of a plan whose archive the charts directory holds, as a preview would register it. */
export function renderPlanCharts(resources: readonly PlanResource[], chartsDir: string, helm = helmBinary()): RenderedCharts {
    const out: RenderedCharts = { resources: [], rendered: [], missing: [] };
    for (const chart of resources.filter((r) => r.type === planTypes.helmChart)) {
        const release = chartRelease(chart);
        // An OCI chart (oci://registry/path/<chart>) goes by its last path segment, as helm pull saves it.
        const name = path.posix.basename(release.chart);
        const id = `${name}@${release.version}`;
        const source = chartSource(chartsDir, release);
        if (!source) {
            out.missing.push(`${id} (no ${name}-${release.version}.tgz or ${name}-${release.version}/ in ${chartsDir}; npm run charts:pull fetches it)`);
            continue;
        }
        out.resources.push(...renderedResources(helmTemplate(helm, source, release), chart, release));
        out.rendered.push(id);
    }
    return out;
}

/** The directory `charts:pull` fills and `plan --charts` reads by default (git ignores it). */
export const defaultChartsDir = path.join(repoRoot, ".charts");

/** The helm command that fetches one pinned chart into a directory as `<chart>-<version>.tgz`. */
export function pullArguments(ref: ChartRef, dir: string): string[] {
    const location = chartLocation(ref);
    return ["pull", location.chart, ...(location.repositoryOpts ? ["--repo", location.repositoryOpts.repo] : []), "--version", ref.version, "--destination", dir];
}

/**
 * Fetches every pinned chart (components/services/charts.ts) into the directory, skipping those
 * already there. Needs the chart repositories, as `pulumi up` does. Returns a line per chart.
 */
export function pullCharts(dir: string, helm = helmBinary()): string[] {
    fs.mkdirSync(dir, { recursive: true });
    return Object.values(charts).map((ref) => {
        const id = `${ref.chart}@${ref.version}`;
        if (chartSource(dir, ref)) return `${id}: already in ${dir}`;
        const run = spawnSync(helm, pullArguments(ref, dir), { encoding: "utf8", timeout: 300000 });
        if (run.status !== 0) throw new Error(`helm pull ${id} from ${ref.repo}: ${run.error?.message ?? run.stderr.trim()}`);
        if (!chartSource(dir, ref)) throw new Error(`helm pull ${id} succeeded but ${ref.chart}-${ref.version}.tgz is not in ${dir}`);
        return `${id}: pulled from ${ref.repo}`;
    });
}

if (require.main === module) {
    const { values } = parseArgs({ options: { dir: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true });
    if (values.help) {
        process.stdout.write("usage: npm run charts:pull -- [--dir DIR]\n\nDownloads every pinned chart into DIR (default .charts) with helm ($HELM or helm on PATH),\nfor `npm run plan -- --stack <name> --policy --charts DIR`.\n");
    } else {
        try {
            const dir = values.dir ? path.resolve(process.env.INIT_CWD ?? process.cwd(), values.dir) : defaultChartsDir;
            for (const line of pullCharts(dir)) process.stdout.write(`${line}\n`);
        } catch (err) {
            process.stderr.write(`charts:pull: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exitCode = 1;
        }
    }
}
