/**
 * promtool, Prometheus's rule checker and rule unit tester, built from its Go module. The module
 * version is the v0.<major><minor:02>.<patch> spelling of the Prometheus release: v0.301.0 is
 * Prometheus 3.1.0, the release kube-prometheus-stack 67.8.0 runs.
 */
import * as path from "path";
import { cachedDirectory, cacheRoot, goEnv, run } from "./cache";
import { goModuleDir } from "./helm";

/** Prometheus's Go module and the version whose promtool the suite runs. */
export const prometheusModule = { module: "github.com/prometheus/prometheus", version: "v0.301.0", release: "3.1.0" } as const;

/**
 * Builds (once) and returns the promtool binary; 10 minutes or more on 2 busy cores when nothing is
 * cached. `go install module@version` refuses the module, whose go.mod has a replace directive, so
 * promtool is built inside the downloaded module, where that directive applies.
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
