/**
 * The rightsizing calculator: executors, nodes, shuffle partitions, duration and cost of a batch
 * job on a stack's executor node group, from its data size, its operations and a target time.
 * The model is components/cost/rightsizing.ts; docs/cost.md ("Rightsizing: npm run size") gives
 * its sources and limits.
 *
 *   npm run size -- --data 1TB --ops join,aggregate --target 15m [--stack prod] [--spot] [--json]
 */
import * as path from "path";
import { parseArgs } from "util";
import { ConfigError } from "../components/config";
import { emptyNodeGraceSeconds } from "../components/config/nodeRoles";
import {
    defaultStartupSeconds,
    formatSeconds,
    operationClasses,
    parseDataSize,
    parseDuration,
    parseOperations,
    Rightsizing,
    RightsizingInputError,
    rightsize,
} from "../components/cost/rightsizing";
import { CommandResult, failure, isResult, parseCommand, runMain, usageError } from "./cli";
import { missingStackFile, repoRoot, stackConfig } from "./harness";

export const usage = `usage: npm run size -- --data SIZE --ops OPS --target TIME [--stack NAME] [--spot] [--json]

Sizes a batch job for a stack's executor node group: executors (cores and memory as the stack
sizes them, filling whole nodes), nodes, spark.sql.shuffle.partitions, the expected duration and
its cost on demand and on spot. Model, sources and limits: docs/cost.md, "Rightsizing".

  --data SIZE      data the job reads: 500GB, 1TB, 1.5TiB (KB, MB, GB, TB, PB are powers of 1000;
                   KiB, MiB, GiB, TiB, PiB powers of 1024)
  --ops OPS        what the job does to it, comma-separated, one entry per pass over the data:
                   ${operationClasses.join(", ")} (the read, scan, is always counted once)
  --target TIME    when the job must be done, from submission: 90s, 15m, 1h, 1h30m
  --stack NAME     stack whose executor group, sizing and prices to use (default: prod)
  --spot           headline the spot cost (the executor group buys spot); both costs are always shown,
                   and without --spot the headline is the on-demand cost, the price without spot capacity
  --startup TIME   start-up allowance before executors run (default: ${formatSeconds(defaultStartupSeconds)}: node scale-up from zero,
                   image pull, executor start)
  --json           print the result as JSON
  --dir DIR        directory holding Pulumi.yaml and the stack files (default: the repository root)
  -h, --help       show this help

Exit codes: 0 sized, 1 the target cannot be met (or the stack cannot run executors), 2 bad arguments.
`;

const sizeUsageError = (message: string): CommandResult => usageError("size", usage, message);

function parseCommandLine(argv: readonly string[]) {
    return parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: false,
        options: {
            data: { type: "string" },
            ops: { type: "string" },
            target: { type: "string" },
            stack: { type: "string", default: "prod" },
            spot: { type: "boolean" },
            startup: { type: "string" },
            json: { type: "boolean" },
            dir: { type: "string" },
            help: { type: "boolean", short: "h" },
        },
    });
}

const dollars = (n: number) => `$${n.toFixed(2)}`;
const capacityText = (c: "on-demand" | "spot") => (c === "spot" ? "on spot" : "on demand");
const thousands = (n: number) => Math.round(n).toLocaleString("en-US");

/** 1 TB, 1.5 TiB: the size the user gave back, in the unit family it reads best in. */
export function formatBytes(bytes: number): string {
    const binary = [["PiB", 2 ** 50], ["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20]] as const;
    for (const [unit, f] of binary) if (bytes >= f && Number.isInteger((bytes / f) * 100)) return `${+(bytes / f).toFixed(2)} ${unit}`;
    const decimal = [["PB", 1e15], ["TB", 1e12], ["GB", 1e9], ["MB", 1e6]] as const;
    for (const [unit, f] of decimal) if (bytes >= f) return `${+(bytes / f).toFixed(2)} ${unit}`;
    return `${bytes} B`;
}

const prices = (r: Rightsizing) => r.cost.spot.nodeHourly / r.cost["on-demand"].nodeHourly;

/** The result as a table for people, with the headline cost first. */
export function formatSizing(stack: string, r: Rightsizing, headline: "on-demand" | "spot"): string {
    const e = r.executor;
    const head = r.cost[headline];
    const other = headline === "spot" ? "on-demand" : "spot";
    const ops = r.passes.map((p) => p.operation).join(" + ");
    const lines: string[] = [];
    if (r.feasible) {
        const costs = `${dollars(head.total)} ${capacityText(headline)} (${dollars(r.cost[other].total)} ${capacityText(other)})`;
        lines.push(
            `${formatBytes(r.dataBytes)}, ${ops}, target ${formatSeconds(r.targetSeconds)}, stack ${stack}: ${r.executors} executors of ${e.cores} cores and ${e.memoryMiB} MiB ` +
                `on ${r.nodes} nodes, expected ${formatSeconds(r.durationSeconds)}, ${costs}`,
        );
    } else {
        lines.push(`NOT POSSIBLE on ${stack}: ${r.problem ?? ""}`, "What follows is that fastest run.");
    }
    lines.push("");
    const rows: [string, string][] = [
        ["executor group", `${r.instanceTypes.join(", ")}; at most ${r.maxNodes} nodes`],
        ["executor", `${e.cores} cores (request ${e.requestCoresMillis}m), ${e.memoryMiB} MiB heap + ${e.memoryOverheadMiB} MiB overhead = ${e.podMemoryMiB} MiB pod, ${e.executorsPerNode} per node`],
        ["executors", `${r.executors} (${r.nodes} nodes × ${e.executorsPerNode}), ${r.taskSlots} task slots`],
        ["shuffle partitions", r.shufflePartitions === undefined ? "none (nothing shuffles)" : `${r.shufflePartitions} (spark.sql.shuffle.partitions; ${formatBytes(Math.round(r.dataBytes / r.shufflePartitions))} each)`],
        ["work", `${thousands(r.vcpuSeconds)} vCPU·s: ${r.passes.map((p) => `${p.operation} ${thousands(p.vcpuSeconds)} (${p.mbPerSecondPerVcpu} MB/s/vCPU)`).join(", ")}`],
        ["duration", `${formatSeconds(r.durationSeconds)}: ${formatSeconds(r.startupSeconds)} start-up + ${formatSeconds(r.computeSeconds)} computing (target ${formatSeconds(r.targetSeconds)})`],
        ["billed per node", `${formatSeconds(r.billedSecondsPerNode)} (duration + ${formatSeconds(emptyNodeGraceSeconds)} before the autoscaler removes an idle node)`],
        ["cost on demand", `${dollars(r.cost["on-demand"].total)} (${r.nodes} × $${r.cost["on-demand"].nodeHourly.toFixed(4)}/h, ${r.pricedInstanceType}, the dearest type of the group)`],
        ["cost on spot", `${dollars(r.cost.spot.total)} (${r.nodes} × $${r.cost.spot.nodeHourly.toFixed(4)}/h, ${Math.round(prices(r) * 100)} % of on demand, the price table's spot share)`],
        ["not counted", "the driver (it runs on the driver group, which is up anyway), storage and data transfer"],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    for (const [k, v] of rows) lines.push(`  ${k.padEnd(width)}  ${v}`);
    if (r.notes.length > 0) lines.push("", ...r.notes.map((n) => `note: ${n}`));
    return lines.join("\n") + "\n";
}

/** The result as JSON: the model's figures, the stack, and which cost the headline uses. */
export function sizingJson(stack: string, r: Rightsizing, headline: "on-demand" | "spot"): Record<string, unknown> {
    return { stack, headline, headlineCost: r.cost[headline].total, ...r };
}

/** Runs the size command for the given arguments (without node and script). */
export function sizeCommand(argv: readonly string[]): CommandResult {
    const parsed = parseCommand("size", usage, () => parseCommandLine(argv));
    if (isResult(parsed)) return parsed;
    const v = parsed.values;
    for (const flag of ["data", "ops", "target"] as const) {
        if (v[flag] === undefined) return sizeUsageError(`--${flag} is required`);
    }
    let dataBytes: number, operations: ReturnType<typeof parseOperations>, targetSeconds: number, startupSeconds: number | undefined;
    try {
        dataBytes = parseDataSize(v.data ?? "", "--data");
        operations = parseOperations(v.ops ?? "", "--ops");
        targetSeconds = parseDuration(v.target ?? "", "--target");
        startupSeconds = v.startup === undefined ? undefined : /^\s*0+(\.0*)?[hms]?\s*$/i.test(v.startup) ? 0 : parseDuration(v.startup, "--startup");
    } catch (err) {
        if (err instanceof RightsizingInputError) return sizeUsageError(err.message);
        throw err;
    }

    const cwd = process.env.INIT_CWD ?? process.cwd();
    const dir = v.dir ? path.resolve(cwd, v.dir) : repoRoot;
    const stack = v.stack;
    const missing = missingStackFile(stack, dir);
    if (missing) return failure("size", missing);
    try {
        const config = stackConfig(stack, dir);
        const group = config.nodeGroups.executor;
        if (config.tier === "local") return failure("size", `stack ${stack} runs on an existing cluster (tier local): it has no executor node group to size or price`);
        if (!group.enabled) return failure("size", `stack ${stack} has no executor node group (nodeGroups.executor.enabled is false)`);
        const result = rightsize({
            dataBytes,
            operations,
            targetSeconds,
            startupSeconds,
            executorGroup: { instanceTypes: group.instanceTypes, maxSize: group.maxSize },
            maxExecutors: config.spark.dynamicAllocation.maxExecutors,
            prices: config.cost.prices,
        });
        const headline = v.spot ? "spot" : "on-demand";
        const stdout = v.json ? JSON.stringify(sizingJson(stack, result, headline), null, 2) + "\n" : formatSizing(stack, result, headline);
        return { code: result.feasible ? 0 : 1, stdout, stderr: result.feasible ? "" : `size: ${result.problem ?? "the target cannot be met"}\n` };
    } catch (err) {
        if (err instanceof ConfigError) return { code: 1, stdout: "", stderr: `${err.message}\n` };
        if (err instanceof RightsizingInputError) return sizeUsageError(err.message);
        return failure("size", err);
    }
}

if (require.main === module) runMain(sizeCommand);
