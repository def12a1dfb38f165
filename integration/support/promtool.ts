/**
 * promtool, Prometheus's rule checker and rule unit tester, built from its Go module, at the release
 * the monitoring stack runs (prometheusVersion). The module version is the
 * v0.<major><minor:02>.<patch> spelling of the Prometheus release: v0.309.1 is Prometheus 3.9.1.
 */
import * as path from "path";
import { cachedDirectory, cacheRoot, goEnv, run } from "./cache";
import { goModuleDir } from "./helm";
import { prometheusVersion } from "../../components/services/monitoring";

/** The Go module version of a Prometheus 3.x release: 3.9.1 is v0.309.1. */
export function prometheusModuleVersion(release: string): string {
    const m = /^3\.(\d+)\.(\d+)$/.exec(release);
    if (!m) throw new Error(`Prometheus release ${release}: expected 3.<minor>.<patch>`);
    return `v0.3${m[1].padStart(2, "0")}.${m[2]}`;
}

/** Prometheus's Go module and the version whose promtool the suite runs. */
export const prometheusModule = { module: "github.com/prometheus/prometheus", version: prometheusModuleVersion(prometheusVersion), release: prometheusVersion } as const;

/**
 * Builds (once) and returns the promtool binary; 10 minutes or more on 2 busy cores when nothing is
 * cached. `go install module@version` refuses the module, whose go.mod has exclude directives, so
 * promtool is built inside the downloaded module, where those directives apply.
 */
export function ensurePromtool(): string {
    const { module, version } = prometheusModule;
    const dir = cachedDirectory(path.join(cacheRoot, "tools", `promtool-${version}`), (target) => {
        const source = goModuleDir(module, version);
        // Prometheus's release build stamps the version (.promu.yml); `promtool --version` then names it.
        const stamp = `-X github.com/prometheus/common/version.Version=${prometheusModule.release}`;
        run("nice", ["-n", "10", "go", "build", "-trimpath", "-p", "2", "-ldflags", stamp, "-o", path.join(target, "bin", "promtool"), "./cmd/promtool"], {
            env: goEnv(),
            cwd: source,
            what: `go build ${module}/cmd/promtool@${version}`,
            timeout: 45 * 60 * 1000,
        });
    });
    return path.join(dir, "bin", "promtool");
}
