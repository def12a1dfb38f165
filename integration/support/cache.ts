/**
 * Where the integration suite keeps what it installs (virtual environments, Maven artefacts,
 * downloads), and the rules for installing: pinned versions, installed once, reused between runs.
 */
import { execFileSync, ExecFileSyncOptions } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The cache root: SPARK_K8S_IT_CACHE, or ~/.cache/spark-k8s-it. Survives clones of the repository. */
export const cacheRoot = process.env.SPARK_K8S_IT_CACHE ?? path.join(os.homedir(), ".cache", "spark-k8s-it");

/** True in CI, where a missing prerequisite is a failure, never a skip. */
export const inCI = process.env.CI === "true";

/** Go's module cache and build cache, shared by every Go build of the suite. */
export const goCaches = { GOMODCACHE: path.join(cacheRoot, "go", "mod"), GOCACHE: path.join(cacheRoot, "go", "build") };

/** The environment of every Go build of the suite: the shared caches, the local toolchain only, no cgo, plus `extra`. */
export function goEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, ...goCaches, GOPATH: path.join(cacheRoot, "go", "path"), GOFLAGS: "-buildvcs=false -modcacherw", GOTOOLCHAIN: "local", CGO_ENABLED: "0", ...extra };
}

/** A short digest of what goes into a cached item, so a changed pin gets a new directory. */
export function digestOf(parts: readonly string[]): string {
    return createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 12);
}

/** Runs a command, streaming nothing; on failure throws with the command and the end of its output. */
export function run(cmd: string, args: readonly string[], options: ExecFileSyncOptions & { what?: string } = {}): string {
    try {
        return execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024, ...options }).toString();
    } catch (err) {
        const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
        const tail = `${e.stdout?.toString() ?? ""}\n${e.stderr?.toString() ?? ""}`.trim().split("\n").slice(-40).join("\n");
        throw new Error(`${options.what ?? `${cmd} ${args.join(" ")}`} failed: ${e.message.split("\n")[0]}\n${tail}`);
    }
}

/**
 * Builds a cached directory once: `build(dir)` fills it in place (virtual environments hold absolute
 * paths, so they cannot be built elsewhere and moved), and a marker written after it succeeds tells
 * a finished directory from an interrupted one, which is removed and built again. Concurrent
 * builders of the same directory wait for the first.
 */
export function cachedDirectory(dir: string, build: (dir: string) => void): string {
    const marker = path.join(dir, ".spark-k8s-complete");
    if (fs.existsSync(marker)) return dir;
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const lock = `${dir}.lock`;
    const deadline = Date.now() + 30 * 60 * 1000;
    for (;;) {
        try {
            fs.mkdirSync(lock);
            break;
        } catch {
            if (fs.existsSync(marker)) return dir;
            if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}; remove it if no install is running`);
            execFileSync("sleep", ["2"]);
        }
    }
    try {
        if (fs.existsSync(marker)) return dir;
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir, { recursive: true });
        try {
            build(dir);
        } catch (err) {
            fs.rmSync(dir, { recursive: true, force: true });
            throw err;
        }
        fs.writeFileSync(marker, new Date().toISOString());
        return dir;
    } finally {
        fs.rmSync(lock, { recursive: true, force: true });
    }
}
