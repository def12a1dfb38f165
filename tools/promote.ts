/**
 * Promotion: carries the release one stack runs (its platform images by digest, its Spark lines,
 * its Kubernetes version) into the next stack's file, and shows the difference as Markdown for the
 * pull request that carries it. What is sized or placed per tier (node groups, network, retention)
 * never moves.
 *
 *   npm run promote -- FROM TO [--outputs FILE] [--write] [--dir DIR]
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import { ConfigError, PlatformConfig, tierDefaults } from "../components/config";
import { isDigestPinned } from "../components/config/imageRef";
import { ImageKey, imageKeys, registryHost } from "../components/config/registry";
import { componentPlan, usedImageKeys } from "../components/spark/scenarios";
import { repoRoot, stackConfig } from "./harness";
import { codeCell } from "./markdown";
import { CommandResult, failure, isResult, parseCommand, runMain, usageError } from "./cli";
import { readStackOutputs } from "./stackOutputs";
import { applyConfigEdits, ConfigEdit, readStackDocument, stackFilePath } from "./stackFile";

export const usage = `usage: npm run promote -- FROM TO [--outputs FILE] [--write] [--dir DIR]

Carries the release FROM runs into TO's stack file: the platform images by the digests FROM
deploys, spark.versions and cluster.kubernetesVersion. Prints the difference as Markdown; with
--write, also writes Pulumi.TO.yaml (comments and other keys kept), after checking that TO's
config is still valid.

  --outputs FILE  FROM's outputs, as \`pulumi stack output --json --stack FROM\` prints them; without
                  it the Pulumi CLI is asked when it is installed, else FROM's stack file must
                  already name every image it runs by digest
  --write         write Pulumi.TO.yaml
  --dir DIR       directory holding Pulumi.yaml and the stack files (default: the repository root)
  -h, --help      show this help
`;

/** One setting a promotion or an image record changes in the target stack file. */
export interface SettingChange {
    /** "spark.images.spark35", "cluster.kubernetesVersion". */
    readonly setting: string;
    readonly before: unknown;
    readonly after: unknown;
    /** The edit of the stack file: the value, or undefined where the target's tier default already says it. */
    readonly edit: ConfigEdit;
}

/** The settings besides images that a promotion carries: what runs, not how big or where. */
export const promotedSettings: readonly (readonly [string, string])[] = [
    ["spark", "versions"],
    ["cluster", "kubernetesVersion"],
];

const valueAt = (config: unknown, keys: readonly string[]): unknown => keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], config);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The images a stack runs, by key. */
export function runningImageKeys(config: PlatformConfig): ImageKey[] {
    const plan = componentPlan({ ...config.spark, tier: config.tier, minioEnabled: config.services.minio.enabled });
    return usedImageKeys(plan, config.spark.versions);
}

/**
 * The digest references FROM deploys, by key: its `images` output, or else its configured
 * references when each image it runs is already an absolute reference by digest.
 */
export function sourceImages(from: PlatformConfig, outputs: Record<string, unknown> | undefined): Partial<Record<ImageKey, string>> {
    const running = runningImageKeys(from);
    const deployed = outputs?.images as Partial<Record<ImageKey, string>> | undefined;
    const images = deployed ?? Object.fromEntries(running.map((k) => [k, from.spark.images[k]]));
    const notDigests = running.filter((k) => {
        const ref = images[k];
        return ref === undefined || !isDigestPinned(ref) || registryHost(ref) === undefined;
    });
    if (notDigests.length > 0) {
        const where = deployed ? `${from.stack}'s images output` : `${from.stack}'s stack file`;
        throw new Error(
            `${where} does not name every image ${from.stack} runs by digest (${notDigests.map((k) => `spark.images.${k}`).join(", ")}): ` +
                `pass --outputs with the output of \`pulumi stack output --json --stack ${from.stack}\`, or record its digests with npm run images:record`,
        );
    }
    return Object.fromEntries(running.map((k) => [k, images[k]]));
}

/** The changes that make TO run FROM's release; none when it already does. */
export function promotionChanges(from: PlatformConfig, to: PlatformConfig, images: Partial<Record<ImageKey, string>>): SettingChange[] {
    const changes: SettingChange[] = [];
    const defaults = tierDefaults(to.tier);
    for (const keys of promotedSettings) {
        const before = valueAt(to, keys);
        const after = valueAt(from, keys);
        if (same(before, after)) continue;
        changes.push({ setting: keys.join("."), before, after, edit: { path: keys, value: same(after, valueAt(defaults, keys)) ? undefined : after } });
    }
    for (const key of imageKeys) {
        const after = images[key];
        if (after === undefined || after === to.spark.images[key]) continue;
        changes.push({ setting: `spark.images.${key}`, before: to.spark.images[key], after, edit: { path: ["spark", "images", key], value: after } });
    }
    return changes;
}

/** The changes as a Markdown table under a title, or a line saying there are none. */
export function formatChanges(title: string, changes: readonly SettingChange[], none: string): string {
    if (changes.length === 0) return `### ${title}\n\n${none}\n`;
    const rows = changes.map((c) => `| \`${c.setting}\` | ${codeCell(c.before, 200)} | ${codeCell(c.after, 200)} |`);
    return [`### ${title}`, "", `${changes.length} setting(s) change.`, "", "| setting | now | after |", "|---|---|---|", ...rows, ""].join("\n");
}

/**
 * The stack file with the changes applied, checked by validating the stack's config from it (in a
 * scratch copy of the project); throws ConfigError naming what the changes would break.
 */
export function editedStackFile(dir: string, stack: string, project: string, changes: readonly SettingChange[]): string {
    const doc = readStackDocument(stackFilePath(dir, stack));
    applyConfigEdits(doc, project, changes.map((c) => c.edit));
    const text = doc.toString();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "spark-k8s-promote-"));
    try {
        fs.copyFileSync(path.join(dir, "Pulumi.yaml"), path.join(scratch, "Pulumi.yaml"));
        fs.writeFileSync(stackFilePath(scratch, stack), text);
        stackConfig(stack, scratch);
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
    return text;
}

/** A failure's message; a ConfigError is what the written file would break. */
export const describeFailure = (err: unknown) => (err instanceof ConfigError ? `the result would not be valid:\n${err.message}` : err instanceof Error ? err.message : String(err));

/** Runs the command for the given arguments (without node and script). */
export function promoteCommand(argv: readonly string[]): CommandResult {
    const parsed = parseCommand("promote", usage, () =>
        parseArgs({
            args: [...argv],
            options: { outputs: { type: "string" }, write: { type: "boolean" }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
            allowPositionals: true,
            strict: true,
        }),
    );
    if (isResult(parsed)) return parsed;
    if (parsed.positionals.length !== 2) return usageError("promote", usage, `expected FROM and TO stacks, got ${parsed.positionals.length}`);
    const [fromStack, toStack] = parsed.positionals;
    if (fromStack === toStack) return usageError("promote", usage, `FROM and TO are both ${fromStack}`);
    const cwd = process.env.INIT_CWD ?? process.cwd();
    const dir = parsed.values.dir ? path.resolve(cwd, parsed.values.dir) : repoRoot;
    try {
        const from = stackConfig(fromStack, dir);
        const to = stackConfig(toStack, dir);
        const outputs = readStackOutputs({ file: parsed.values.outputs && path.resolve(cwd, parsed.values.outputs), stack: fromStack, dir });
        const changes = promotionChanges(from, to, sourceImages(from, outputs));
        const markdown = formatChanges(`Promote ${fromStack} → ${toStack}`, changes, `Nothing to promote: ${toStack} already runs the release ${fromStack} runs.`);
        // Checked with or without --write: a promotion that would break TO's config fails either way.
        const text = changes.length > 0 ? editedStackFile(dir, toStack, to.project, changes) : undefined;
        if (parsed.values.write && text !== undefined) fs.writeFileSync(stackFilePath(dir, toStack), text);
        return { code: 0, stdout: markdown, stderr: "" };
    } catch (err) {
        return failure("promote", describeFailure(err));
    }
}

if (require.main === module) runMain(promoteCommand);
