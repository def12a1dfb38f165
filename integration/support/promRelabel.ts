/**
 * Prometheus's own exposition parser and relabelling, at the release the monitoring stack runs:
 * promrelabel (integration/support/promrelabel/main.go) calls model/textparse, which the scrape
 * loop parses a target's body with, and model/relabel's Process, which applies
 * metric_relabel_configs (and relabel_configs) to every series.
 *
 * The Go source is a file of the repository, not a string here, so it is read, formatted and
 * reviewed as Go; its digest names the cached build, so an edit rebuilds it.
 */
import * as fs from "fs";
import * as path from "path";
import { RelabelConfig } from "../../components/observability/sparkMonitors";
import { cachedDirectory, cacheRoot, digestOf, goEnv, run } from "./cache";
import { goModuleDir } from "./helm";
import { prometheusModule } from "./promtool";

const mainGo = path.join(__dirname, "promrelabel", "main.go");

/**
 * Builds (once) and returns promrelabel. Like promtool, it is built inside a copy of the downloaded
 * Prometheus module (the module cache is read-only and `go build -overlay` refuses to add files
 * under it), so every dependency is at the version Prometheus's own go.mod and go.sum pin; the
 * copy is removed afterwards. It compiles only the parser, the relabelling and their dependencies:
 * about 15 s on 2 cores with an empty Go build cache, a few seconds (mostly the copy) when promtool
 * has filled it.
 */
export function ensurePromRelabel(): string {
    const { module, version } = prometheusModule;
    const source = fs.readFileSync(mainGo, "utf8");
    const dir = cachedDirectory(path.join(cacheRoot, "tools", `promrelabel-${version}-${digestOf([source])}`), (target) => {
        const copy = path.join(target, "src");
        fs.cpSync(goModuleDir(module, version), copy, { recursive: true });
        // Module cache directories are read-only unless -modcacherw wrote them.
        for (const d of [copy, path.join(copy, "cmd")]) fs.chmodSync(d, 0o755);
        fs.mkdirSync(path.join(copy, "cmd", "promrelabel"));
        fs.writeFileSync(path.join(copy, "cmd", "promrelabel", "main.go"), source);
        run("nice", ["-n", "10", "go", "build", "-trimpath", "-p", "2", "-o", path.join(target, "bin", "promrelabel"), "./cmd/promrelabel"], {
            env: goEnv(),
            cwd: copy,
            what: `go build promrelabel against ${module}@${version}`,
            timeout: 45 * 60 * 1000,
        });
        fs.rmSync(copy, { recursive: true, force: true });
    });
    return path.join(dir, "bin", "promrelabel");
}

/** One relabel_config in Prometheus's configuration-file spelling. */
export interface PrometheusRelabelConfig {
    readonly source_labels?: readonly string[];
    readonly separator?: string;
    readonly target_label?: string;
    readonly regex?: string;
    readonly replacement?: string;
    readonly action?: string;
}

/**
 * A PodMonitor's RelabelConfig as the Prometheus Operator v0.88.0 writes it into the Prometheus
 * configuration (generateRelabelConfig in pkg/prometheus/promcfg.go): each field under its
 * snake_case key, only when set (sourceLabels when not empty), the action lower-cased.
 */
export function toPrometheusRelabelConfig(c: RelabelConfig): PrometheusRelabelConfig {
    return {
        ...(c.sourceLabels && c.sourceLabels.length > 0 ? { source_labels: c.sourceLabels } : {}),
        ...(c.separator !== undefined ? { separator: c.separator } : {}),
        ...(c.targetLabel ? { target_label: c.targetLabel } : {}),
        ...(c.regex ? { regex: c.regex } : {}),
        ...(c.replacement !== undefined ? { replacement: c.replacement } : {}),
        ...(c.action ? { action: c.action.toLowerCase() } : {}),
    };
}

/** A series: its metric name and its other labels; a target's label set has no name (""). */
export interface Series {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
}

/** A series as parsed (or given), and as relabelled; output undefined when the relabelling drops it. */
export interface Relabelled {
    readonly input: Series;
    readonly output?: Series;
}

/** What to relabel: a scraped body with its Content-Type (parsed as the scrape loop parses it), label sets, or both. */
export interface RelabelInput {
    readonly exposition?: { readonly body: string; readonly contentType: string };
    readonly series?: readonly Series[];
}

/**
 * Runs Prometheus's parser and relabelling: the exposition's series in order, then the given
 * series. Throws when Prometheus refuses a config, the Content-Type or the body.
 */
export function prometheusRelabel(configs: readonly RelabelConfig[], input: RelabelInput): Relabelled[] {
    const request = {
        configs: configs.map(toPrometheusRelabelConfig),
        ...(input.exposition ? { exposition: input.exposition.body, contentType: input.exposition.contentType } : {}),
        series: (input.series ?? []).map((s) => ({ ...s.labels, ...(s.name ? { __name__: s.name } : {}) })),
    };
    const out = run(ensurePromRelabel(), [], { input: JSON.stringify(request), stdio: ["pipe", "pipe", "pipe"], what: "promrelabel" });
    const { series } = JSON.parse(out) as { series: { input: Series; output: Series | null }[] };
    return series.map((s) => (s.output ? { input: s.input, output: s.output } : { input: s.input }));
}
