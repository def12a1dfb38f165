/**
 * Helm and the pinned charts, for rendering as a preview does. Helm is built from its module on the
 * Go module proxy; a chart comes from the Go module of the project that publishes it, at the tag of
 * the pinned chart version (chart repositories are not reachable here). Only charts whose project
 * is a Go module that ships the chart directory can be had this way.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { ChartName, charts } from "../../components/services/charts";
import { cachedDirectory, cacheRoot, goEnv, run } from "./cache";

/** The Helm release the suite renders with: the v3 line, as Pulumi's Helm v4 Chart embeds Helm 3. */
export const helmVersion = "v3.19.2";

/** Where a pinned chart's source is on the Go module proxy: module@version and the chart's directory in it. */
export const chartModules: Partial<Record<ChartName, { readonly module: string; readonly version: string; readonly dir: string; readonly chartYamlVersion?: string }>> = {
    nvidiaDevicePlugin: { module: "github.com/NVIDIA/k8s-device-plugin", version: `v${charts.nvidiaDevicePlugin.version}`, dir: "deployments/helm/nvidia-device-plugin" },
    sparkOperator: { module: "github.com/kubeflow/spark-operator/v2", version: `v${charts.sparkOperator.version}`, dir: "charts/spark-operator-chart" },
    // Karpenter's release job stamps the version into Chart.yaml and the controller image into
    // values.yaml when it publishes the chart (hack/release/common.sh, publishHelmChart), so the
    // tag's Chart.yaml still says the previous release. The templates are the published ones; the
    // rendered controller image is that previous release's (the platform does not set it). Its
    // crds/ directory is a symlink the module leaves out, so no CRD is rendered.
    karpenter: { module: "github.com/aws/karpenter-provider-aws", version: `v${charts.karpenter.version}`, dir: "charts/karpenter", chartYamlVersion: "1.12.1" },
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
    chartDirs.set(name, dir);
    return dir;
}
