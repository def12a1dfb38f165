/**
 * The combinations the Spark engine tests run: stacks × presets × Spark lines, each a harness run
 * of the stack with only the `spark` key changed, and the wall time each step took.
 */
import * as fs from "fs";
import * as path from "path";
import { icebergRuntimeLines, SparkVersion, sparkVersions } from "../../components/config/schema";
import { loadStackConfig, StackRun } from "../../tools/harness";
import { kubernetesSecrets, stackArtefacts } from "../support/artefacts";
import { logDir } from "../support/processes";

export const engineStacks = ["local", "dev", "prod"] as const;

/** The preset choices each stack runs with: none, and each preset the engine can run on one machine. */
export const presetChoices: readonly (readonly string[])[] = [[], ["iceberg"], ["cost-optimized"]];

/**
 * Which combinations run. IT_SPARK_MATRIX=full (the default): every stack with every preset choice.
 * IT_SPARK_MATRIX=ci: the cut for a suite that must finish in 25 minutes on 2 cores: prod runs
 * without presets only (its Spark configuration differs from dev's only in sizes, bucket names and
 * region; dev runs every preset). A cut combination shows as pending, never silently.
 */
export const sparkMatrix: "full" | "ci" = process.env.IT_SPARK_MATRIX === "ci" ? "ci" : "full";

/** Whether a stack runs a preset choice under the selected matrix. */
export function inMatrix(stack: string, presets: readonly string[]): boolean {
    return sparkMatrix === "full" || stack !== "prod" || presets.length === 0;
}

/**
 * Stacks whose Iceberg lines also run with a real REST catalog (spark.iceberg.catalogType "rest"):
 * local (Iceberg's HadoopFileIO over S3A) and, in the full matrix, dev (S3FileIO with Pod Identity
 * credentials). Glue needs AWS and cannot run here.
 */
export const restCatalogStacks: readonly string[] = sparkMatrix === "full" ? ["local", "dev"] : ["local"];

export const presetName = (presets: readonly string[]): string => (presets.length === 0 ? "no preset" : presets.join("+"));

/** The lines a preset runs on: iceberg only where Iceberg ships a runtime (schema.ts icebergRuntimeLines). */
export function linesFor(presets: readonly string[]): SparkVersion[] {
    return sparkVersions.filter((v) => !presets.includes("iceberg") || icebergRuntimeLines.includes(v));
}

/** The stack's own `spark` value (its stack file, else Pulumi.yaml's default), which overrides replace whole. */
function stackSparkConfig(stack: string): Record<string, unknown> {
    const file = loadStackConfig(stack);
    return JSON.parse(file.values[`${file.project}:spark`] ?? "{}") as Record<string, unknown>;
}

/** The stack with these presets on these lines (default: every line the presets allow); iceberg settings optional. */
export function presetRun(stack: string, presets: readonly string[], options: { versions?: readonly string[]; iceberg?: Record<string, string> } = {}): Promise<StackRun> {
    const spark = { ...stackSparkConfig(stack), presets, versions: options.versions ?? linesFor(presets), ...(options.iceberg ? { iceberg: options.iceberg } : {}) };
    return stackArtefacts(stack, { spark, ...kubernetesSecrets });
}

/** One measured step of the matrix. */
export interface Timing {
    readonly stack: string;
    readonly preset: string;
    readonly line: string;
    readonly step: string;
    readonly seconds: number;
}

export const timings: Timing[] = [];

/** Records a step's wall time and returns its result. */
export async function timed<T>(where: Omit<Timing, "step" | "seconds">, step: string, action: () => T | Promise<T>): Promise<T> {
    const started = Date.now();
    try {
        return await action();
    } finally {
        timings.push({ ...where, step, seconds: (Date.now() - started) / 1000 });
    }
}

/** Writes the timings as TSV to the log directory and returns a compact table for the console. */
export function timingReport(): string {
    const file = path.join(logDir, `spark-engine-timings-${process.pid}.tsv`);
    fs.writeFileSync(file, ["stack\tpreset\tline\tstep\tseconds", ...timings.map((t) => `${t.stack}\t${t.preset}\t${t.line}\t${t.step}\t${t.seconds.toFixed(1)}`)].join("\n") + "\n");
    const total = timings.reduce((s, t) => s + t.seconds, 0);
    return `Spark engine timings, matrix ${sparkMatrix} (${file}): ${timings.length} steps, ${total.toFixed(0)} s\n` +
        timings.map((t) => `  ${t.stack.padEnd(6)} ${t.preset.padEnd(15)} ${t.line.padEnd(4)} ${t.step.padEnd(28)} ${t.seconds.toFixed(1).padStart(6)} s`).join("\n");
}

/** Connect servers (with their client sessions) run at once: IT_SPARK_CONCURRENCY, default 3. */
export const sparkConcurrency = Math.max(1, Number(process.env.IT_SPARK_CONCURRENCY ?? "3") || 1);

/** Runs at most `n` of the tasks given to it at a time. */
export function concurrencyLimit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
    let active = 0;
    const waiting: (() => void)[] = [];
    return async <T>(task: () => Promise<T>): Promise<T> => {
        if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve));
        active++;
        try {
            return await task();
        } finally {
            active--;
            waiting.shift()?.();
        }
    };
}
