/**
 * Helm and the pinned charts, for rendering as a preview does. Helm is built from its module on the
 * Go module proxy; a chart comes from the Go module of the project that publishes it, at the tag of
 * the pinned chart version (chart repositories are not reachable here). Only charts whose project
 * is a Go module that ships the chart directory can be had this way.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { ChartName, charts } from "../../components/services/charts";
import { cachedDirectory, cacheRoot, goEnv, run } from "./cache";

/** The Helm release the suite renders with: the v3 line, as Pulumi's Helm v4 Chart embeds Helm 3. */
export const helmVersion = "v3.19.2";

/** Where a pinned chart's source is on the Go module proxy: module@version and the chart's directory in it. */
export const chartModules: Partial<Record<ChartName, { readonly module: string; readonly version: string; readonly dir: string; readonly chartYamlVersion?: string; readonly disabledDependencies?: readonly string[] }>> = {
    nvidiaDevicePlugin: { module: "github.com/NVIDIA/k8s-device-plugin", version: `v${charts.nvidiaDevicePlugin.version}`, dir: "deployments/helm/nvidia-device-plugin" },
    sparkOperator: { module: "github.com/kubeflow/spark-operator/v2", version: `v${charts.sparkOperator.version}`, dir: "charts/spark-operator-chart" },
    // Karpenter's release job stamps the version into Chart.yaml and the controller image into
    // values.yaml when it publishes the chart (hack/release/common.sh, publishHelmChart), so the
    // tag's Chart.yaml still says the previous release. The templates are the published ones; the
    // rendered controller image is that previous release's (the platform does not set it). Its
    // crds/ directory is a symlink the module leaves out, so no CRD is rendered.
    karpenter: { module: "github.com/aws/karpenter-provider-aws", version: `v${charts.karpenter.version}`, dir: "charts/karpenter", chartYamlVersion: "1.12.1" },
    // External Secrets publishes its chart from a helm-chart tag after the release; the v1.3.2 tag's
    // Chart.yaml still says 1.3.1 and its templates/crds holds only a README (the release copies the
    // CRDs in), so no CRD is rendered. The controller image is pinned in the values, not taken
    // from appVersion. Its bitwarden-sdk-server subchart (an OCI chart, on no Go module) is off in
    // the values, but Helm refuses a chart whose dependency is missing from charts/ even when its
    // condition is false, so the rendered copy's Chart.yaml leaves it out.
    externalSecrets: {
        module: "github.com/external-secrets/external-secrets",
        version: `v${charts.externalSecrets.version}`,
        dir: "deploy/charts/external-secrets",
        chartYamlVersion: "1.3.1",
        disabledDependencies: ["bitwarden-sdk-server"],
    },
};


/** Builds (once) and returns the helm binary; a few minutes on 2 cores when nothing is cached. */
export function ensureHelm(): string {
    const dir = cachedDirectory(path.join(cacheRoot, "tools", `helm-${helmVersion}`), (target) => {
        const module = `helm.sh/helm/v3/cmd/helm@${helmVersion}`;
        run("nice", ["-n", "10", "go", "install", "-trimpath", "-p", "2", module], { env: goEnv({ GOBIN: path.join(target, "bin") }), cwd: target, what: `go install ${module}`, timeout: 30 * 60 * 1000 });
    });
    return path.join(dir, "bin", "helm");
}

/** A Go module's directory at a version, downloaded through the Go module proxy once and cached. */
export function goModuleDir(module: string, version: string): string {
    const downloaded = JSON.parse(run("go", ["mod", "download", "-json", `${module}@${version}`], { env: goEnv(), what: `go mod download ${module}`, timeout: 15 * 60 * 1000 })) as { Dir?: string; Error?: string };
    if (!downloaded.Dir) throw new Error(`${module}@${version}: ${downloaded.Error ?? "no directory"}`);
    return downloaded.Dir;
}

const chartDirs = new Map<ChartName, string>();

/**
 * A copy of a chart without the named dependencies in Chart.yaml (and Chart.lock), for subcharts
 * the values switch off and that cannot be had here: Helm renders nothing of a disabled subchart,
 * but refuses to render when it is missing from charts/.
 */
function withoutDependencies(dir: string, names: readonly string[]): string {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), `spark-k8s-${path.basename(dir)}-`));
    fs.cpSync(dir, copy, { recursive: true });
    for (const file of ["Chart.yaml", "Chart.lock"]) {
        const at = path.join(copy, file);
        if (!fs.existsSync(at)) continue;
        fs.chmodSync(at, 0o644);
        const doc = parseYaml(fs.readFileSync(at, "utf8")) as { dependencies?: { name: string }[] };
        const kept = (doc.dependencies ?? []).filter((d) => !names.includes(d.name));
        if (kept.length === (doc.dependencies ?? []).length) throw new Error(`${at}: no dependency ${names.join(", ")} to leave out`);
        fs.writeFileSync(at, stringifyYaml({ ...doc, dependencies: kept.length ? kept : undefined }));
    }
    return copy;
}

/** The chart's directory at the pinned version, downloaded once a run; its Chart.yaml must carry that version. */
export function pinnedChartDir(name: ChartName): string {
    const known = chartDirs.get(name);
    if (known) return known;
    const source = chartModules[name];
    if (!source) throw new Error(`no Go module carries the ${name} chart; it cannot be rendered here`);
    const dir = path.join(goModuleDir(source.module, source.version), source.dir);
    const chart = parseYaml(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as { name: string; version: string };
    if (chart.name !== charts[name].chart || chart.version !== (source.chartYamlVersion ?? charts[name].version)) {
        throw new Error(`${dir}: Chart.yaml is ${chart.name} ${chart.version}, the program pins ${charts[name].chart} ${charts[name].version}${source.chartYamlVersion ? ` (whose tag's Chart.yaml says ${source.chartYamlVersion})` : ""}`);
    }
    const rendered = source.disabledDependencies ? withoutDependencies(dir, source.disabledDependencies) : dir;
    chartDirs.set(name, rendered);
    return rendered;
}
