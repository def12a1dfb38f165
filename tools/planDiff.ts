/**
 * The plan diff: what changes between two offline plans (`npm run plan -- --json FILE`), as
 * Markdown for a pull-request comment: resources added, removed and changed, and for each change
 * the input paths with their old and new values. Multi-line values (configuration files, scripts)
 * show their changed lines. Secrets are "[secret]" in both plans and stay so.
 *
 *   npm run plan:diff -- BASE.json HEAD.json [--out FILE]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { diffLines } from "diff";
import { secretMask } from "./harness";
import { codeCell } from "./markdown";
import { PlanJson, PlanResource, readPlanJson, usd } from "./planSummary";
import { CommandResult, failure, isResult, parseCommand, runMain, usageError } from "./cli";

export const usage = `usage: npm run plan:diff -- BASE.json HEAD.json [--out FILE]

Prints, as Markdown, what changes from the BASE plan to the HEAD plan (both written by
npm run plan -- --stack <name> --json FILE): resources added, removed and changed, with the
changed input paths and their old and new values; secret values stay "[secret]".

  --out FILE   also write the Markdown to FILE
  -h, --help   show this help
`;

/** One changed input of a resource. A multi-line string changed on both sides carries its line diff. */
export interface InputChange {
    /** "spec.template.spec.containers[0].image", `data["spark-defaults.conf"]`. */
    readonly path: string;
    /** Absent when the input is new. */
    readonly before?: unknown;
    /** Absent when the input was removed. */
    readonly after?: unknown;
    /** Lines removed and added, for a multi-line string on both sides. */
    readonly lines?: { readonly removed: string[]; readonly added: string[] };
}

export interface ResourceChange {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly changes: InputChange[];
}

export interface PlanDiff {
    readonly stack: string;
    readonly baseCount: number;
    readonly headCount: number;
    readonly added: PlanResource[];
    readonly removed: PlanResource[];
    readonly changed: ResourceChange[];
    /** Monthly cost at idle and at full scale in each plan, when both carry an estimate with lines (not local). */
    readonly cost?: { readonly base: { idle: number; full: number }; readonly head: { idle: number; full: number } };
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const step = (base: string, key: string) => (identifier.test(key) ? (base ? `${base}.${key}` : key) : `${base}[${JSON.stringify(key)}]`);

/** Every leaf of a value by path: scalars, and empty objects and lists as themselves. */
function leaves(value: unknown, at = "", out = new Map<string, unknown>()): Map<string, unknown> {
    if (Array.isArray(value) && value.length > 0) value.forEach((v, i) => leaves(v, `${at}[${i}]`, out));
    else if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
        for (const [k, v] of Object.entries(value)) leaves(v, step(at, k), out);
    } else if (at !== "") out.set(at, value);
    return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The changed inputs of one resource, in path order. */
export function inputChanges(before: Record<string, unknown>, after: Record<string, unknown>): InputChange[] {
    const a = leaves(before);
    const b = leaves(after);
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    const changes: InputChange[] = [];
    for (const p of paths) {
        const had = a.has(p);
        const has = b.has(p);
        const x = a.get(p);
        const y = b.get(p);
        if (had && has && same(x, y)) continue;
        if (x === secretMask || y === secretMask) {
            changes.push({ path: p, ...(had ? { before: secretMask } : {}), ...(has ? { after: secretMask } : {}) });
            continue;
        }
        if (typeof x === "string" && typeof y === "string" && (x.includes("\n") || y.includes("\n"))) {
            const parts = diffLines(x, y);
            const split = (t: string) => t.replace(/\n$/, "").split("\n");
            changes.push({
                path: p,
                before: x,
                after: y,
                lines: { removed: parts.filter((d) => d.removed).flatMap((d) => split(d.value)), added: parts.filter((d) => d.added).flatMap((d) => split(d.value)) },
            });
            continue;
        }
        changes.push({ path: p, ...(had ? { before: x } : {}), ...(has ? { after: y } : {}) });
    }
    return changes;
}

/** What changes from one plan of a stack to another; resources are matched by URN. */
export function diffPlans(base: PlanJson, head: PlanJson): PlanDiff {
    if (base.stack !== head.stack) throw new Error(`the plans are of different stacks: base ${base.stack}, head ${head.stack}`);
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const changed: ResourceChange[] = [];
    for (const r of head.resources) {
        const old = before.get(r.urn);
        if (!old) continue;
        const changes = inputChanges(old.inputs, r.inputs);
        if (old.provider !== r.provider) changes.unshift({ path: "(provider)", before: old.provider, after: r.provider });
        if (changes.length > 0) changed.push({ urn: r.urn, type: r.type, name: r.name, changes });
    }
    return {
        stack: head.stack,
        baseCount: base.resources.length,
        headCount: head.resources.length,
        added: head.resources.filter((r) => !before.has(r.urn)),
        removed: base.resources.filter((r) => !after.has(r.urn)),
        changed,
        ...(base.cost && head.cost && base.cost.lines.length + head.cost.lines.length > 0
            ? { cost: { base: { idle: base.cost.idleMonthly, full: base.cost.fullMonthly }, head: { idle: head.cost.idleMonthly, full: head.cost.fullMonthly } } }
            : {}),
    };
}

/** A value in a Markdown table cell: JSON in a code span (the secret mask as it is), or a dash when absent. */
function cell(value: unknown, present: boolean): string {
    if (!present) return "—";
    return codeCell(value === secretMask ? secretMask : (JSON.stringify(value) ?? String(value)));
}

const resourceList = (title: string, list: readonly PlanResource[]) =>
    list.length === 0 ? [] : [`#### ${title} (${list.length})`, "", "| type | name |", "|---|---|", ...list.map((r) => `| \`${r.type}\` | ${r.name} |`), ""];

const change = (before: number, after: number) => {
    const delta = Math.round((after - before) * 100) / 100;
    return delta === 0 ? `${usd(after)} (no change)` : `${usd(before)} → ${usd(after)} (${delta > 0 ? "+" : "−"}${usd(Math.abs(delta))})`;
};

/** The diff as Markdown for a pull-request comment. */
export function formatPlanDiff(diff: PlanDiff): string {
    const lines = [`### Plan diff: ${diff.stack}`, ""];
    if (diff.cost) lines.push(`Cost a month: idle ${change(diff.cost.base.idle, diff.cost.head.idle)}, full scale ${change(diff.cost.base.full, diff.cost.head.full)}.`, "");
    const counts = `${diff.added.length} to add, ${diff.removed.length} to remove, ${diff.changed.length} to change (base ${diff.baseCount} resources, head ${diff.headCount}).`;
    if (diff.added.length + diff.removed.length + diff.changed.length === 0) return [...lines, `No changes (${diff.headCount} resources).`, ""].join("\n");
    lines.push(counts, "", ...resourceList("Added", diff.added), ...resourceList("Removed", diff.removed));
    if (diff.changed.length > 0) lines.push(`#### Changed (${diff.changed.length})`, "");
    for (const r of diff.changed) {
        lines.push(`**\`${r.type}\` ${r.name}**`, "", "| input | before | after |", "|---|---|---|");
        const multiLine = r.changes.filter((c) => c.lines);
        for (const c of r.changes) {
            if (c.lines) lines.push(`| \`${c.path}\` | ${c.lines.removed.length} lines out | ${c.lines.added.length} lines in |`);
            else lines.push(`| \`${c.path}\` | ${cell(c.before, "before" in c)} | ${cell(c.after, "after" in c)} |`);
        }
        lines.push("");
        for (const c of multiLine) lines.push(`\`${c.path}\`:`, "", "```diff", ...c.lines!.removed.map((l) => `- ${l}`), ...c.lines!.added.map((l) => `+ ${l}`), "```", "");
    }
    return lines.join("\n");
}

/** Runs the command for the given arguments (without node and script). */
export function planDiffCommand(argv: readonly string[]): CommandResult {
    const parsed = parseCommand("plan:diff", usage, () =>
        parseArgs({ args: [...argv], options: { out: { type: "string" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true }),
    );
    if (isResult(parsed)) return parsed;
    if (parsed.positionals.length !== 2) return usageError("plan:diff", usage, `expected BASE.json and HEAD.json, got ${parsed.positionals.length} file(s)`);
    const cwd = process.env.INIT_CWD ?? process.cwd();
    try {
        const [base, head] = parsed.positionals.map((f) => readPlanJson(path.resolve(cwd, f)));
        const markdown = formatPlanDiff(diffPlans(base, head));
        if (parsed.values.out) fs.writeFileSync(path.resolve(cwd, parsed.values.out), markdown);
        return { code: 0, stdout: markdown, stderr: "" };
    } catch (err) {
        return failure("plan:diff", err);
    }
}

if (require.main === module) runMain(planDiffCommand);
