/**
 * Records the digests an image build pushed (images/build.sh with DIGESTS_FILE) in a stack file's
 * spark.images, so the stack deploys exactly those images and promotion carries them forward.
 *
 *   npm run images:record -- --stack NAME --digests FILE [--dir DIR]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { isDigestPinned } from "../components/config/imageRef";
import { ImageKey, imageKeys, registryHost } from "../components/config/registry";
import { repoRoot, stackConfig } from "./harness";
import { CommandResult, failure, isResult, parseCommand, runMain, usageError } from "./cli";
import { describeFailure, editedStackFile, formatChanges, SettingChange } from "./promote";
import { stackFilePath } from "./stackFile";

export const usage = `usage: npm run images:record -- --stack NAME --digests FILE [--dir DIR]

Writes the image references of FILE (a JSON object from spark.images keys to references by digest,
as images/build.sh writes it with PUSH=1 DIGESTS_FILE=FILE) into Pulumi.NAME.yaml's spark.images,
keeping comments and other keys, after checking the stack's config stays valid. Prints the
changes as Markdown.

  --stack NAME    stack whose file to write
  --digests FILE  the digests file
  --dir DIR       directory holding Pulumi.yaml and the stack files (default: the repository root)
  -h, --help      show this help
`;

/** The references of a digests file, checked: known keys, each an absolute reference by digest. */
export function parseDigests(text: string, file: string): Partial<Record<ImageKey, string>> {
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (err) {
        throw new Error(`${file}: not JSON (${(err as Error).message})`);
    }
    if (data === null || typeof data !== "object" || Array.isArray(data)) throw new Error(`${file}: expected a JSON object from spark.images keys to references`);
    const problems: string[] = [];
    for (const [key, ref] of Object.entries(data)) {
        if (!(imageKeys as readonly string[]).includes(key)) problems.push(`${key}: unknown key; expected one of ${imageKeys.join(", ")}`);
        else if (typeof ref !== "string" || !isDigestPinned(ref) || registryHost(ref) === undefined) {
            problems.push(`${key}: ${JSON.stringify(ref)} is not a reference by digest with its registry, such as 111122223333.dkr.ecr.eu-west-1.amazonaws.com/spark-dev/spark-k8s/airflow:3.2.2-p3@sha256:<64 hex>`);
        }
    }
    if (Object.keys(data).length === 0) problems.push("no image listed");
    if (problems.length > 0) throw new Error(`${file}:\n  - ${problems.join("\n  - ")}`);
    return data;
}

/** Runs the command for the given arguments (without node and script). */
export function imagesRecordCommand(argv: readonly string[]): CommandResult {
    const parsed = parseCommand("images:record", usage, () =>
        parseArgs({
            args: [...argv],
            options: { stack: { type: "string" }, digests: { type: "string" }, dir: { type: "string" }, help: { type: "boolean", short: "h" } },
            allowPositionals: false,
            strict: true,
        }),
    );
    if (isResult(parsed)) return parsed;
    const { stack, digests } = parsed.values;
    if (!stack || !digests) return usageError("images:record", usage, "--stack and --digests are required");
    const cwd = process.env.INIT_CWD ?? process.cwd();
    const dir = parsed.values.dir ? path.resolve(cwd, parsed.values.dir) : repoRoot;
    try {
        const file = path.resolve(cwd, digests);
        const images = parseDigests(fs.readFileSync(file, "utf8"), digests);
        const config = stackConfig(stack, dir);
        const changes: SettingChange[] = imageKeys
            .filter((k) => images[k] !== undefined && images[k] !== config.spark.images[k])
            .map((k) => ({ setting: `spark.images.${k}`, before: config.spark.images[k], after: images[k], edit: { path: ["spark", "images", k], value: images[k] } }));
        if (changes.length > 0) fs.writeFileSync(stackFilePath(dir, stack), editedStackFile(dir, stack, config.project, changes));
        return { code: 0, stdout: formatChanges(`Images recorded in ${stack}`, changes, `${stack} already names these digests.`), stderr: "" };
    } catch (err) {
        return failure("images:record", describeFailure(err));
    }
}

if (require.main === module) runMain(imagesRecordCommand);
