/**
 * Runs a script the program writes the way its container runs it (`<shell> -c <script>` with the
 * container's environment and nothing else), with a real shell of the image's kind, optionally
 * with a private /tmp (the pod's emptyDir) in a mount namespace of its own.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import { run } from "../support/cache";
import { Server, startServer } from "../support/processes";

/** The shells images use for /bin/sh or bash: Debian's dash, bash as sh or as bash, busybox ash (Alpine). */
export type PodShell = "dash" | "bash-as-sh" | "bash" | "busybox";

const binaries: Record<PodShell, string[]> = {
    dash: ["/bin/dash"],
    "bash-as-sh": ["/bin/bash"],
    bash: ["/bin/bash"],
    // busybox picks its applet from argv[0], which the launcher sets to "sh".
    busybox: ["/bin/busybox"],
};

/** Installs the Debian packages that provide the shells (and unshare/mount) when missing; root only. */
export function ensureShells(shells: readonly PodShell[]): void {
    const missing: string[] = [...new Set(shells.filter((s) => !fs.existsSync(binaries[s][0])).map((s) => (s === "dash" ? "dash" : s === "busybox" ? "busybox" : "bash")))];
    if (!fs.existsSync("/usr/bin/unshare")) missing.push("util-linux");
    if (missing.length === 0) return;
    if (process.getuid?.() !== 0) throw new Error(`missing shells ${missing.join(", ")}: apt-get install ${missing.join(" ")} (needs root)`);
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    run("apt-get", ["update"], { env, what: "apt-get update", timeout: 10 * 60 * 1000 });
    run("apt-get", ["-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", ...missing], { env, what: `apt-get install ${missing.join(" ")}`, timeout: 20 * 60 * 1000 });
}

export interface PodScriptRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

export interface PodScriptOptions {
    readonly shell: PodShell;
    readonly script: string;
    /** The container's environment; PATH is added when it lacks one. */
    readonly env: Record<string, string>;
    /** Directories put before the system PATH (where the image's tools are). */
    readonly path?: readonly string[];
    /** Run with an empty tmpfs on /tmp, in a private mount namespace (needs root). */
    readonly privateTmp?: boolean;
    /**
     * Mounts made, in order, in that private namespace: an empty tmpfs at a path, or a directory
     * bound at a path (e.g. a Secret volume's files); missing mount points are created first.
     */
    readonly mounts?: readonly ({ readonly tmpfs: string } | { readonly bind: string; readonly at: string })[];
    /** Run inside this namespace (its network and mounts) instead of the suite's own. */
    readonly namespace?: PodNamespace;
    /** OS user to run as (the image's user); environment kept. Default: the suite's user. */
    readonly user?: string;
    readonly cwd?: string;
    readonly timeoutMs?: number;
}

/** Runs `<shell> -c <script>` (argv[0] "sh" for sh shells) and returns its exit code and output. */
export function runPodScript(o: PodScriptOptions): Promise<PodScriptRun> {
    const shell = binaries[o.shell];
    const asSh = o.shell !== "bash";
    const inner = [...shell, "-c", o.script];
    const env = { PATH: [...(o.path ?? []), "/usr/local/bin", "/usr/bin", "/bin"].join(":"), ...o.env };
    // bash's `exec -a` sets argv[0]: bash started as "sh" runs in POSIX mode, as it does as an image's /bin/sh.
    const quote = (p: string): string => `'${p.replace(/'/g, "'\\''")}'`;
    const mounts = [...(o.privateTmp ? [{ tmpfs: "/tmp" }] : []), ...(o.mounts ?? [])].map((m) =>
        "tmpfs" in m ? `mkdir -p ${quote(m.tmpfs)} && mount -t tmpfs -o mode=1777,size=64m tmpfs ${quote(m.tmpfs)}` : `mkdir -p ${quote(m.at)} && mount --bind ${quote(m.bind)} ${quote(m.at)}`,
    );
    const exec = `exec -a ${asSh ? "sh" : "bash"} "$@"`;
    const launcher =
        mounts.length > 0
            ? ["/usr/bin/unshare", "--mount", "--propagation", "private", "--", "/bin/bash", "-c", [...mounts, exec].join(" && "), "launcher"]
            : ["/bin/bash", "-c", exec, "launcher"];
    const argv = [...(o.namespace?.enter ?? []), ...(o.user ? asUser(o.user) : []), ...launcher, ...inner];
    return new Promise((resolve) => {
        execFile(argv[0], argv.slice(1), { env, cwd: o.cwd, timeout: o.timeoutMs ?? 5 * 60 * 1000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
            const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : null) : 0;
            resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
        });
    });
}

/** setpriv to an OS user with its groups, keeping the environment (runuser and su reset parts of it). */
export const asUser = (user: string): string[] => ["/usr/bin/setpriv", `--reuid=${user}`, `--regid=${user}`, "--init-groups", "--"];

/**
 * A network and mount namespace of the suite's own, like a pod's: only a loopback interface (with
 * 127.0.0.2 besides 127.0.0.1), so a server there may use the fixed port the program's scripts name
 * without meeting anything on the machine, and fresh tmpfs directories where the scripts expect
 * paths of the image (e.g. a socket directory). `enter` prefixes a command to run inside it.
 */
export interface PodNamespace {
    readonly enter: readonly string[];
    readonly holder: Server;
}

/** Starts a namespace holder (stopped with the suite); each directory gets an empty tmpfs owned by `owner`. */
export async function startPodNamespace(name: string, directories: readonly { path: string; owner: string; mode?: string }[] = []): Promise<PodNamespace> {
    const ready = `/tmp/spark-k8s-it-ns-${process.pid}-${Date.now()}`;
    const setup = [
        "set -eu",
        "ip link set lo up",
        // A second loopback address: a client connecting to it is seen as 127.0.0.2, not 127.0.0.1.
        "ip addr add 127.0.0.2/32 dev lo",
        ...directories.flatMap((d) => [`mkdir -p '${d.path}'`, `mount -t tmpfs -o mode=${d.mode ?? "2775"},size=16m tmpfs '${d.path}'`, `chown '${d.owner}:' '${d.path}'`]),
        `touch '${ready}'`,
        "exec sleep infinity",
    ].join("\n");
    const holder = await startServer({
        name: `namespace-${name}`,
        command: "/usr/bin/unshare",
        args: ["--net", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", setup],
        ready: { check: () => Promise.resolve(fs.existsSync(ready)) },
        timeoutMs: 30000,
    });
    fs.rmSync(ready, { force: true });
    return { holder, enter: ["/usr/bin/nsenter", `--target=${holder.process.pid}`, "--net", "--mount", "--"] };
}

/** "exit 0" or "exit 1; stderr: ..." for assertion messages. */
export const describeRun = (r: PodScriptRun): string => `exit ${r.code}\nstdout: ${r.stdout.trim().slice(-2000)}\nstderr: ${r.stderr.trim().slice(-2000)}`;
