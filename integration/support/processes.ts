/**
 * Servers the integration suite starts on loopback: a free port, a process in its own process group
 * with its output in a log file, readiness by TCP, HTTP or a log line, and a stop at the end.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** Where server logs go; kept after the run for diagnosis. */
export const logDir = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-it-logs-"));

export type Readiness =
    /**
     * The port accepts connections and, with logLine, the log says this server started: an open port
     * alone may be another process's, which took it between freePort and the server's bind.
     */
    | { readonly port: number; readonly logLine?: RegExp }
    | { readonly http: string; readonly status?: number }
    | { readonly logLine: RegExp }
    | { readonly check: () => Promise<boolean> };

export interface ServerSpec {
    /** Short name for logs and errors. */
    readonly name: string;
    readonly command: string;
    readonly args: readonly string[];
    readonly env?: Record<string, string>;
    readonly cwd?: string;
    readonly ready: Readiness;
    /** How long to wait for readiness (default 120 s). */
    readonly timeoutMs?: number;
}

export interface Server {
    readonly name: string;
    readonly logFile: string;
    readonly process: ChildProcess;
    /** The end of the server's log, for assertion messages. */
    logTail(lines?: number): string;
    stop(): Promise<void>;
}

const running = new Set<Server>();

function tcpOpen(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port }, () => {
            socket.destroy();
            resolve(true);
        });
        socket.on("error", () => resolve(false));
        socket.setTimeout(2000, () => {
            socket.destroy();
            resolve(false);
        });
    });
}

function httpStatus(url: string): Promise<number | undefined> {
    return new Promise((resolve) => {
        const req = http.get(url, (res) => {
            res.resume();
            resolve(res.statusCode);
        });
        req.on("error", () => resolve(undefined));
        req.setTimeout(5000, () => {
            req.destroy();
            resolve(undefined);
        });
    });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts a server and waits until it is ready; throws with the end of its log if it exits or times out. */
export async function startServer(spec: ServerSpec): Promise<Server> {
    const logFile = path.join(logDir, `${spec.name.replace(/[^\w.-]+/g, "_")}-${Date.now()}.log`);
    const out = fs.openSync(logFile, "a");
    const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: ["ignore", out, out],
        detached: true,
    });
    fs.closeSync(out);
    let exited: string | undefined;
    child.on("exit", (code, signal) => (exited = `exited with ${code ?? signal}`));
    child.on("error", (err) => (exited = `could not start: ${err.message}`));
    const logTail = (lines = 60): string => {
        try {
            return fs.readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
        } catch {
            return "";
        }
    };
    const server: Server = {
        name: spec.name,
        logFile,
        process: child,
        logTail,
        stop: async () => {
            running.delete(server);
            if (exited !== undefined || child.pid === undefined) return;
            const gone = new Promise<void>((r) => child.once("exit", () => r()));
            try {
                process.kill(-child.pid, "SIGTERM");
            } catch {
                return;
            }
            const killed = await Promise.race([gone.then(() => true), sleep(15000).then(() => false)]);
            if (!killed) {
                try {
                    process.kill(-child.pid, "SIGKILL");
                } catch {
                    /* already gone */
                }
                await Promise.race([gone, sleep(5000)]);
            }
        },
    };
    running.add(server);
    const deadline = Date.now() + (spec.timeoutMs ?? 120000);
    const r = spec.ready;
    for (;;) {
        if (exited !== undefined) {
            running.delete(server);
            throw new Error(`${spec.name} ${exited} before it was ready; log ${logFile}:\n${logTail()}`);
        }
        let ok: boolean;
        if ("port" in r) ok = (r.logLine === undefined || r.logLine.test(logTail(100000))) && (await tcpOpen(r.port));
        else if ("http" in r) {
            const status = await httpStatus(r.http);
            ok = status !== undefined && (r.status === undefined ? status < 500 : status === r.status);
        } else if ("logLine" in r) ok = r.logLine.test(logTail(100000));
        else ok = await r.check();
        if (ok) return server;
        if (Date.now() > deadline) {
            await server.stop();
            throw new Error(`${spec.name} was not ready after ${(spec.timeoutMs ?? 120000) / 1000} s; log ${logFile}:\n${logTail()}`);
        }
        await sleep(500);
    }
}

/** Stops every server still running (the root hook calls it after the suite). */
export async function stopAllServers(): Promise<void> {
    await Promise.all([...running].map((s) => s.stop()));
}
