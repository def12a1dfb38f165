/**
 * The post-deploy smoke test: does this stack work, right now, for each way people use it?
 *
 *   npm run smoke -- --stack NAME [--outputs FILE] [--kubeconfig FILE] [--context NAME] [--keep] [--json FILE]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as yaml from "yaml";
import { CommandResult, failure, isResult, parseCommand, runMain, usageError } from "../cli";
import { repoRoot, secretMask, stackConfig } from "../harness";
import { readStackOutputs } from "../stackOutputs";
import { formatResults, smokeReport } from "./checks";
import { KubeCluster, KubeconfigSource, loadKubeConfig, SmokeCluster } from "./kube";
import { smokePlan } from "./plan";
import { runSmoke } from "./run";
import type { KubeConfig } from "@kubernetes/client-node";

export const usage = `usage: npm run smoke -- --stack NAME [options]

Checks a deployed stack end to end: every workload the program manages is ready, each Spark
Connect server answers a session and writes and reads a table through the Metastore, the History
Server, JupyterHub and Airflow answer. Exit code 0 when no check failed, 1 otherwise, 2 on a
usage error.

  --stack NAME       the stack (its Pulumi.<NAME>.yaml decides what is checked)
  --outputs FILE     its outputs, as \`pulumi stack output --json --show-secrets --stack NAME\` prints
                     them; without it the Pulumi CLI is asked
  --kubeconfig FILE  the kubeconfig; default: the stack's kubeconfig output (AWS), else the
                     current one (KUBECONFIG or ~/.kube/config)
  --context NAME     the kubeconfig context; default: local.kubeContext on local, else current
  --keep             keep the tables and pods the checks create
  --json FILE        also write the report as JSON
  --timeout SECONDS  time for each Connect session and its table steps (default 300)
  --dir DIR          the project directory (default: this repository)
  -h, --help         this text
`;

/** What the command needs from outside, replaceable in tests. */
export interface SmokeDeps {
    readonly makeCluster?: (kc: KubeConfig) => SmokeCluster;
}

/** The kubeconfig source: the file given, the stack's output when it holds one, else the default with the context. */
export function kubeconfigSource(values: { kubeconfig?: string; context?: string }, outputs: Record<string, unknown>, localContext: string | undefined): KubeconfigSource {
    if (values.kubeconfig) return { file: values.kubeconfig, context: values.context };
    const text = outputs.kubeconfig;
    if (typeof text === "string" && text !== secretMask) {
        const parsed = (() => {
            try {
                return yaml.parse(text) as unknown;
            } catch {
                return undefined;
            }
        })();
        if (parsed && typeof parsed === "object" && "clusters" in parsed) return { text, context: values.context };
    }
    return { context: values.context ?? (localContext || undefined) };
}

/** Refuses a kubeconfig that points at another cluster than the stack's (the checks create tables). */
export function checkClusterMatch(server: string, clusterEndpoint: string | undefined, stack: string): void {
    if (clusterEndpoint === undefined) return;
    const norm = (u: string) => u.replace(/\/+$/, "").toLowerCase();
    if (norm(server) !== norm(clusterEndpoint)) {
        throw new Error(`the kubeconfig points at ${server}, but stack ${stack}'s cluster is ${clusterEndpoint}: pass --kubeconfig/--context for that cluster, or the stack's outputs with --show-secrets (its kubeconfig output)`);
    }
}

export async function smokeCommand(argv: readonly string[], deps: SmokeDeps = {}): Promise<CommandResult> {
    const parsed = parseCommand("smoke", usage, () =>
        parseArgs({
            args: [...argv],
            options: {
                stack: { type: "string" },
                outputs: { type: "string" },
                kubeconfig: { type: "string" },
                context: { type: "string" },
                keep: { type: "boolean" },
                json: { type: "string" },
                timeout: { type: "string" },
                dir: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            allowPositionals: false,
        }),
    );
    if (isResult(parsed)) return parsed;
    const v = parsed.values;
    if (!v.stack) return usageError("smoke", usage, "--stack is required");
    const timeout = v.timeout === undefined ? 300 : Number(v.timeout);
    if (!Number.isInteger(timeout) || timeout < 10 || timeout > 3600) return usageError("smoke", usage, `--timeout: expected whole seconds from 10 to 3600, got ${v.timeout}`);
    const cwd = process.env.INIT_CWD ?? process.cwd();
    const dir = v.dir ? path.resolve(cwd, v.dir) : repoRoot;
    const startedAt = new Date();
    try {
        const config = stackConfig(v.stack, dir);
        const outputs = readStackOutputs({ file: v.outputs && path.resolve(cwd, v.outputs), stack: v.stack, dir, showSecrets: true });
        if (!outputs) throw new Error(`no outputs for stack ${v.stack}: the Pulumi CLI is not installed; pass --outputs FILE holding \`pulumi stack output --json --show-secrets --stack ${v.stack}\``);
        const plan = smokePlan(config, outputs);
        const source = kubeconfigSource({ kubeconfig: v.kubeconfig && path.resolve(cwd, v.kubeconfig), context: v.context }, outputs, config.tier === "local" ? config.local.kubeContext : undefined);
        const kc = loadKubeConfig(source);
        const cluster = (deps.makeCluster ?? ((k: KubeConfig) => new KubeCluster(k)))(kc);
        checkClusterMatch(cluster.server, plan.clusterEndpoint, v.stack);
        const results = await runSmoke(plan, cluster, { keep: v.keep, connectTimeoutSeconds: timeout });
        const report = smokeReport(v.stack, startedAt, results, (Date.now() - startedAt.getTime()) / 1000);
        if (v.json) fs.writeFileSync(path.resolve(cwd, v.json), `${JSON.stringify(report, null, 2)}\n`);
        const head = `smoke test of stack ${v.stack} (${plan.tier}) on ${cluster.server}\n\n`;
        return { code: report.passed ? 0 : 1, stdout: head + formatResults(results), stderr: report.passed ? "" : `smoke: ${report.counts.failed} check(s) failed\n` };
    } catch (err) {
        return failure("smoke", err);
    }
}

if (require.main === module) runMain(smokeCommand);
