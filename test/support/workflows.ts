/**
 * The GitHub Actions files of the repository as the tests read them: the workflows in
 * .github/workflows and the local actions in .github/actions, parsed with `yaml`, and every
 * `uses:` reference with the line it is on (comments, which carry the pinned version, are only in
 * the text).
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { repoRoot } from "../../tools/harness";

export const workflowsDir = path.join(repoRoot, ".github", "workflows");
export const actionsDir = path.join(repoRoot, ".github", "actions");

/** Repository-relative paths of every workflow file. */
export function workflowFiles(): string[] {
    return fs
        .readdirSync(workflowsDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.posix.join(".github", "workflows", f));
}

/** Repository-relative paths of every local action's metadata file. */
export function actionFiles(): string[] {
    if (!fs.existsSync(actionsDir)) return [];
    return fs
        .readdirSync(actionsDir)
        .sort()
        .flatMap((dir) => ["action.yml", "action.yaml"].map((f) => path.posix.join(".github", "actions", dir, f)))
        .filter((f) => fs.existsSync(path.join(repoRoot, f)));
}

export const readRepoFile = (file: string): string => fs.readFileSync(path.join(repoRoot, file), "utf8");

/** A step or a job as the tests look at them. */
export interface Step {
    readonly name?: string;
    readonly id?: string;
    readonly uses?: string;
    readonly run?: string;
    readonly with?: Record<string, unknown>;
    readonly env?: Record<string, unknown>;
    readonly "working-directory"?: string;
}
export interface Job {
    readonly name?: string;
    readonly uses?: string;
    readonly permissions?: unknown;
    readonly environment?: unknown;
    readonly "timeout-minutes"?: number;
    readonly strategy?: { readonly matrix?: Record<string, unknown> };
    readonly steps?: readonly Step[];
}
export interface Workflow {
    readonly name?: string;
    readonly on: unknown;
    readonly permissions?: unknown;
    readonly jobs: Record<string, Job>;
}
export interface ActionMetadata {
    readonly runs: { readonly using: string; readonly steps?: readonly Step[] };
}

export const readWorkflow = (file: string): Workflow => parse(readRepoFile(file)) as Workflow;
export const readAction = (file: string): ActionMetadata => parse(readRepoFile(file)) as ActionMetadata;

/** Every `uses:` value of a file, from its parsed YAML: job-level (reusable workflows) and step-level. */
export function usesValues(file: string): string[] {
    if (file.startsWith(".github/actions/")) return (readAction(file).runs.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : []));
    return Object.values(readWorkflow(file).jobs).flatMap((job) => [...(job.uses ? [job.uses] : []), ...(job.steps ?? []).flatMap((s) => (s.uses ? [s.uses] : []))]);
}

/** A `uses:` line of a file's text: the reference and the comment after it, if any. */
export interface UsesLine {
    readonly file: string;
    readonly line: number;
    readonly reference: string;
    readonly comment?: string;
}

export function usesLines(file: string): UsesLine[] {
    return readRepoFile(file)
        .split(/\r?\n/)
        .flatMap((text, i) => {
            const m = /^\s*(?:-\s+)?uses:\s*(["']?)([^\s"'#]+)\1\s*(?:#\s*(.*))?$/.exec(text);
            return m ? [{ file, line: i + 1, reference: m[2], comment: m[3]?.trim() }] : [];
        });
}
